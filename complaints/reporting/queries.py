"""The staff report, read from the roll-ups (counts) and the facts (averages, percentiles and
what is overdue now). Percentiles are PostgreSQL's percentile_cont over the facts; on SQLite
the same interpolation is done in Python over the same rows, so both give the same figures.

Definitions. Volumes, acknowledgement and missed acknowledgements count by date of receipt,
credited to the complaint's team now. Outcomes, investigation and decision times, missed
investigation and decision limits, appeals, reopenings, satisfaction and remedies count by
date of decision, credited to the team at decision. A step's time: acknowledgement, receipt
to acknowledgement; investigation, start of investigation to decision; decision, receipt to
decision. A step missed its limit when it was taken after it (acknowledgement: the regime's
acknowledgement date; investigation: the SLA policy's resolution target; decision: the
regime's decision date, as extended).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ComplaintFact, DecisionRootCause, IncidentLink
from .rollups import MEASURES
from .sql import fetch, is_postgres, local_settings

STEPS = ("acknowledgement", "investigation", "decision")
STEP_LABELS = {"acknowledgement": _("Acknowledgement"), "investigation": _("Investigation"), "decision": _("Decision")}
SYSTEMIC_THRESHOLD = 10  # linked complaints that make an incident systemic even unflagged
# For the report's transaction only. Each percentile sorts a step time of every fact of the period
# (306,000 for 12 weeks at 1M complaints, up to a million for three years): in the server's
# 4 MB those sorts spill to disk and take twice as long. A million by-value float8s sort in ~32 MB.
# No parallel workers: the percentiles can't use them, and the roll-up totals took longer with
# two (34 ms against 21 ms alone, 12 weeks at 1M) while competing with other requests for the cores.
REPORT_SETTINGS = {"work_mem": "64MB", "max_parallel_workers_per_gather": "0"}


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    team_id: int | None = None


@dataclass
class StepFigures:
    step: str
    count: int = 0
    average: float | None = None  # seconds
    p90: float | None = None
    median: float | None = None
    missed: int = 0
    overdue_now: int = 0

    @property
    def label(self) -> str:
        return str(STEP_LABELS[self.step])


@dataclass
class Report:
    filters: Filters
    received: dict = field(default_factory=dict)  # the received-basis totals
    decided: dict = field(default_factory=dict)
    by: dict = field(default_factory=dict)  # (basis, dimension) -> {value: totals}
    weeks: list = field(default_factory=list)  # (monday, count)
    steps: dict = field(default_factory=dict)
    root_causes: list = field(default_factory=list)
    incidents: list = field(default_factory=list)

    def rate(self, numerator: int, denominator: int) -> float | None:
        return numerator / denominator if denominator else None

    @property
    def appeal_rate(self):
        return self.rate(self.decided.get("appealed", 0), self.decided.get("count", 0))

    @property
    def overturn_rate(self):
        return self.rate(self.decided.get("overturned", 0), self.decided.get("appeal_decided", 0))

    @property
    def reopen_rate(self):
        return self.rate(self.decided.get("reopened", 0), self.decided.get("count", 0))

    @property
    def csat_average(self):
        count = self.decided.get("csat_count", 0)
        return self.decided.get("csat_sum", 0) / count if count else None


# --- Percentiles ----------------------------------------------------------------------------------------


def percentile_cont(values, fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation between the nearest ranks."""
    ordered = sorted(value for value in values if value is not None)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def _where(day: str, team: str, filters: Filters) -> tuple[str, list]:
    where, params = f"{day} BETWEEN %s AND %s", [filters.start, filters.end]
    if filters.team_id is not None:
        where += f" AND {team} = %s"
        params.append(filters.team_id)
    return where, params


def _step_statistics(columns, day, team, filters) -> dict:
    """{column: (count, average, p90, median)} over the facts of the period."""
    where, params = _where(day, team, filters)
    if is_postgres():
        # Both percentiles of a column from one sort of its values (a sort per percentile before).
        parts = ", ".join(f"COUNT({c}), AVG({c}), percentile_cont(ARRAY[0.9, 0.5]) WITHIN GROUP (ORDER BY {c})" for c in columns)
        row = fetch(f"SELECT {parts} FROM reporting_complaintfact WHERE {where}", params)[0]
        figures = {}
        for i, column in enumerate(columns):
            count, average, percentiles = row[i * 3 : i * 3 + 3]
            figures[column] = (count, average, *(percentiles or (None, None)))
        return figures
    rows = fetch(f"SELECT {', '.join(columns)} FROM reporting_complaintfact WHERE {where}", params)
    figures = {}
    for i, column in enumerate(columns):
        values = [row[i] for row in rows if row[i] is not None]
        average = sum(values) / len(values) if values else None
        figures[column] = (len(values), average, percentile_cont(values, 0.9), percentile_cont(values, 0.5))
    return figures


def _overdue_now(filters: Filters) -> dict:
    """Open complaints received in the period whose step is not taken and whose limit passed."""
    where, params = _where("received_on", "team_id", filters)
    now = timezone.now()
    row = fetch(
        "SELECT "
        "SUM(CASE WHEN acknowledged_at IS NULL AND acknowledgement_due_at < %s THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN decided_at IS NULL AND investigation_due_at < %s THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN decided_at IS NULL AND decision_due_at < %s THEN 1 ELSE 0 END) "
        # The condition of the partial index fact_open (models.OPEN_STEPS), so the count reads only it.
        f"FROM reporting_complaintfact WHERE {where} AND (acknowledged_at IS NULL OR decided_at IS NULL) "
        "AND state NOT IN ('closed', 'archived')",
        [now, now, now, *params],
    )[0]
    return dict(zip(STEPS, (int(value or 0) for value in row), strict=True))


# --- Roll-ups -------------------------------------------------------------------------------------------


def _rollup_totals(filters: Filters) -> dict:
    """{basis: {dimension: {value: {measure: total}}}} for both bases, in one query (one pass
    over the roll-ups of the period rather than one per basis)."""
    where, params = _where("day", "team_id", filters)
    sums = ", ".join(f"SUM({measure})" for measure in MEASURES)
    rows = fetch(
        f"SELECT basis, dimension, value, {sums} FROM reporting_dailyrollup WHERE {where} "
        "GROUP BY basis, dimension, value ORDER BY basis, dimension, value",
        params,
    )
    totals: dict = {basis: defaultdict(dict) for basis in ("received", "decided")}
    for basis, dimension, value, *measures in rows:
        totals[basis][dimension][value] = {m: (v or 0) for m, v in zip(MEASURES, measures, strict=True)}
    return totals


def _weeks(filters: Filters) -> list[tuple[date, int]]:
    where, params = _where("day", "team_id", filters)
    rows = fetch(
        f"SELECT day, SUM(count) FROM reporting_dailyrollup WHERE basis = 'received' AND dimension = 'total' "
        f"AND {where} GROUP BY day",
        params,
    )
    weeks: dict[date, int] = {}
    monday = filters.start - timedelta(days=filters.start.weekday())
    while monday <= filters.end:
        weeks[monday] = 0
        monday += timedelta(days=7)
    for day, count in rows:
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        weeks[day - timedelta(days=day.weekday())] += int(count)
    return sorted(weeks.items())


# --- Root causes and incidents ----------------------------------------------------------------------------


def top_root_causes(filters: Filters, limit: int = 10) -> list:
    # DecisionRootCause.complaint → the fact that shares the complaint's id.
    decided = _fact_ids("decided", filters)
    return list(
        DecisionRootCause.objects.filter(complaint_id__in=decided)
        .values("root_cause__code", "root_cause__name").annotate(count=Count("id")).order_by("-count", "root_cause__name")[:limit]
    )  # fmt: skip


def top_incidents(filters: Filters, limit: int = 10) -> list:
    received = _fact_ids("received", filters)
    rows = list(
        IncidentLink.objects.filter(complaint_id__in=received)
        .values("incident_id", "incident__title", "incident__is_systemic", "incident__status")
        .annotate(count=Count("id")).order_by("-count", "incident__title")[:limit]
    )  # fmt: skip
    for row in rows:
        row["systemic"] = row["incident__is_systemic"] or row["count"] >= SYSTEMIC_THRESHOLD
    return rows


def _fact_ids(basis: str, filters: Filters):
    day, team = ("received_on", "team_id") if basis == "received" else ("decided_on", "decision_team_id")
    facts = ComplaintFact.objects.filter(**{f"{day}__range": (filters.start, filters.end)})
    if filters.team_id is not None:
        facts = facts.filter(**{team: filters.team_id})
    return facts.values("complaint_id")


# --- The report -----------------------------------------------------------------------------------------


def report(filters: Filters) -> Report:
    """Seven queries whatever the volume, eight on PostgreSQL with the report's settings (see
    tests/reporting/test_report_page.py)."""
    with local_settings(**REPORT_SETTINGS):
        return _report(filters)


def _report(filters: Filters) -> Report:
    totals = _rollup_totals(filters)
    received_by, decided_by = totals["received"], totals["decided"]
    result = Report(filters=filters)
    result.received = received_by.get("total", {}).get("", {m: 0 for m in MEASURES})
    result.decided = decided_by.get("total", {}).get("", {m: 0 for m in MEASURES})
    result.by = {("received", d): v for d, v in received_by.items()} | {("decided", d): v for d, v in decided_by.items()}
    result.weeks = _weeks(filters)
    result.steps = _steps(filters, result)
    result.root_causes = top_root_causes(filters)
    result.incidents = top_incidents(filters)
    return result


def _steps(filters: Filters, result: Report) -> dict:
    received = _step_statistics(["acknowledgement_seconds"], "received_on", "team_id", filters)
    decided = _step_statistics(["investigation_seconds", "decision_seconds"], "decided_on", "decision_team_id", filters)
    overdue = _overdue_now(filters)
    figures = {}
    for step, stats, totals in (
        ("acknowledgement", received["acknowledgement_seconds"], result.received),
        ("investigation", decided["investigation_seconds"], result.decided),
        ("decision", decided["decision_seconds"], result.decided),
    ):
        count, average, p90, median = stats
        figures[step] = StepFigures(
            step, int(count or 0), _float(average), _float(p90), _float(median), int(totals.get(f"{step}_missed", 0)),
            overdue[step],
        )  # fmt: skip
    return figures


def _float(value):
    return float(value) if value is not None else None
