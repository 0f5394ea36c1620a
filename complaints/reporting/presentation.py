"""The report turned into labelled tables: the page draws them, the CSV writes them."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from complaints.choices import Category, Channel
from escalation.models import Regime

from .queries import Report


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)

    def chart(self, column: int = 1) -> list[tuple]:
        """(label, value) pairs of one column, for a bar chart."""
        return [(row[0], row[column]) for row in self.rows]


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or _("(none)")


def _ranked(totals: dict, measure: str = "count") -> list[tuple[str, dict]]:
    return sorted(totals.items(), key=lambda item: (-item[1][measure], item[0]))


def _regime_names(report: Report) -> dict[str, str]:
    ids = {value for (basis, dimension), values in report.by.items() if dimension == "regime" for value in values if value}
    names = dict(Regime.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    return {str(pk): name for pk, name in names.items()} | {"": _("No regime (default deadlines)")}


def tables(report: Report) -> dict[str, Table]:
    by = report.by
    made = [
        Table("category", _("Complaints received by category"), [_("Category"), _("Received")],
              [[_label(Category, v), t["count"]] for v, t in _ranked(by.get(("received", "category"), {}))]),
        Table("channel", _("Complaints received by channel"), [_("Channel"), _("Received")],
              [[_label(Channel, v), t["count"]] for v, t in _ranked(by.get(("received", "channel"), {}))]),
        Table("week", _("Complaints received by week"), [_("Week of"), _("Received")],
              [[monday.isoformat(), count] for monday, count in report.weeks]),
        _steps_table(report),
        _regimes_table(report),
        _outcomes_table(report),
        _assets_table(by.get(("decided", "asset"), {})),
        Table("remedies", _("Remedies paid by asset"), [_("Asset"), _("Paid"), _("Amount"), _("Value (reference currency)")],
              [[v or _("(none)"), t["count"], t["amount"], t["amount_value"]] for v, t in _ranked(by.get(("decided", "remedy_asset"), {}))]),
        Table("csat", _("Satisfaction ratings"), [_("Score"), _("Ratings")],
              [[str(score), by.get(("decided", "csat"), {}).get(str(score), {}).get("count", 0)] for score in range(5, 0, -1)]),
        _rates_table(report),
        Table("root_causes", _("Top root causes"), [_("Root cause"), _("Decisions")],
              [[row["root_cause__name"], row["count"]] for row in report.root_causes]),
        Table("incidents", _("Top incidents"), [_("Incident"), _("Complaints"), _("Systemic issue")],
              [[row["incident__title"], row["count"], _("yes") if row["systemic"] else _("no")] for row in report.incidents]),
    ]  # fmt: skip
    return {table.key: table for table in made}


def _steps_table(report: Report) -> Table:
    table = Table("steps", _("Time per step and missed time limits"),
                  [_("Step"), _("Complaints"), _("Average (s)"), _("90th percentile (s)"), _("Missed limit"), _("Overdue now (open)")])  # fmt: skip
    for figures in report.steps.values():
        table.rows.append([
            figures.label, figures.count, _rounded(figures.average), _rounded(figures.p90), figures.missed, figures.overdue_now,
        ])  # fmt: skip
    return table


def _regimes_table(report: Report) -> Table:
    names = _regime_names(report)
    received, decided = report.by.get(("received", "regime"), {}), report.by.get(("decided", "regime"), {})
    table = Table("regimes", _("Missed time limits by regime"),
                  [_("Regime"), _("Acknowledgement"), _("Investigation"), _("Decision")])  # fmt: skip
    for value in sorted(set(received) | set(decided), key=lambda v: names.get(v, v)):
        table.rows.append([
            names.get(value, value), received.get(value, {}).get("acknowledgement_missed", 0),
            decided.get(value, {}).get("investigation_missed", 0), decided.get(value, {}).get("decision_missed", 0),
        ])  # fmt: skip
    return table


def _outcomes_table(report: Report) -> Table:
    decided = report.decided
    other = decided.get("count", 0) - sum(decided.get(key, 0) for key in ("upheld", "partly_upheld", "not_upheld"))
    return Table("outcomes", _("Outcomes of decisions"), [_("Outcome"), _("Decisions")], [
        [_("Upheld"), decided.get("upheld", 0)], [_("Partly upheld"), decided.get("partly_upheld", 0)],
        [_("Not upheld"), decided.get("not_upheld", 0)], [_("Other decisions (out of scope, duplicate)"), other],
    ])  # fmt: skip


def _assets_table(totals: dict) -> Table:
    return Table("assets", _("Outcomes by asset"), [_("Asset"), _("Decisions"), _("Upheld"), _("Partly upheld"), _("Not upheld")],
                 [[v or _("(none)"), t["count"], t["upheld"], t["partly_upheld"], t["not_upheld"]] for v, t in _ranked(totals)])  # fmt: skip


def _rates_table(report: Report) -> Table:
    decided = report.decided
    return Table("rates", _("Appeals, reopenings and satisfaction"), [_("Measure"), _("Value"), _("Out of")], [
        [_("Appeal rate"), _share(report.appeal_rate), decided.get("count", 0)],
        [_("Overturn rate (appeals that changed the decision)"), _share(report.overturn_rate), decided.get("appeal_decided", 0)],
        [_("Reopen rate"), _share(report.reopen_rate), decided.get("count", 0)],
        [_("Satisfaction (average of 1–5)"), _rounded(report.csat_average, 2), decided.get("csat_count", 0)],
    ])  # fmt: skip


def _rounded(value, digits: int = 0):
    if value is None:
        return None
    return round(value, digits) if digits else round(value)


def _share(value):
    return None if value is None else round(value, 4)
