"""Daily roll-ups of the facts: one INSERT … SELECT … GROUP BY per slice.

A slice is a basis (which day counts) and a dimension (what a row's `value` is). Received
slices count by date of receipt and credit the team now; decided slices count by date of
decision and credit the team at decision. Rebuilding some days deletes and re-inserts only
those days' rows.
"""

from .sql import empty, execute

ROLLUP = "reporting_dailyrollup"
FACT = "reporting_complaintfact"
MEASURES = [
    "count", "upheld", "partly_upheld", "not_upheld", "acknowledgement_missed", "investigation_missed",
    "decision_missed", "appealed", "appeal_decided", "overturned", "reopened", "csat_count", "csat_sum",
    "amount", "amount_value",
]  # fmt: skip


def _late(done: str, due: str) -> str:
    return f"SUM(CASE WHEN {done} > {due} THEN 1 ELSE 0 END)"


def _flag(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


RECEIVED_MEASURES = {
    "count": "COUNT(*)",
    "acknowledgement_missed": _late("f.acknowledged_at", "f.acknowledgement_due_at"),
}
DECIDED_MEASURES = {
    "count": "COUNT(*)",
    "upheld": _flag("f.outcome = 'upheld'"),
    "partly_upheld": _flag("f.outcome = 'partly_upheld'"),
    "not_upheld": _flag("f.outcome = 'not_upheld'"),
    "investigation_missed": _late("f.decided_at", "f.investigation_due_at"),
    "decision_missed": _late("f.decided_at", "f.decision_due_at"),
    "appealed": _flag("f.appealed"),
    "appeal_decided": _flag("f.appeal_outcome <> ''"),
    "overturned": _flag("f.appeal_outcome IN ('changed', 'partly_changed')"),
    "reopened": _flag("f.reopened"),
    "csat_count": "COUNT(f.csat)",
    "csat_sum": "COALESCE(SUM(f.csat), 0)",
}
REMEDY_MEASURES = {
    "count": "COUNT(*)",
    "amount": "COALESCE(SUM(r.amount), 0)",
    "amount_value": "COALESCE(SUM(r.reference_value), 0)",
}

RECEIVED = ("received", "f.received_on", "f.team_id")
DECIDED = ("decided", "f.decided_on", "f.decision_team_id")

# (basis, dimension, the value's expression, FROM and WHERE, measures)
SLICES = [
    (RECEIVED, "total", "''", f"{FACT} f WHERE 1 = 1", RECEIVED_MEASURES),
    (RECEIVED, "category", "f.category", f"{FACT} f WHERE 1 = 1", RECEIVED_MEASURES),
    (RECEIVED, "channel", "f.channel", f"{FACT} f WHERE 1 = 1", RECEIVED_MEASURES),
    (RECEIVED, "regime", "COALESCE(CAST(f.regime_id AS varchar(20)), '')", f"{FACT} f WHERE 1 = 1", RECEIVED_MEASURES),
    (DECIDED, "total", "''", f"{FACT} f WHERE f.decided_on IS NOT NULL", DECIDED_MEASURES),
    (DECIDED, "category", "f.category", f"{FACT} f WHERE f.decided_on IS NOT NULL", DECIDED_MEASURES),
    (DECIDED, "asset", "f.asset", f"{FACT} f WHERE f.decided_on IS NOT NULL", DECIDED_MEASURES),
    (DECIDED, "regime", "COALESCE(CAST(f.regime_id AS varchar(20)), '')", f"{FACT} f WHERE f.decided_on IS NOT NULL", DECIDED_MEASURES),
    (DECIDED, "csat", "CAST(f.csat AS varchar(2))", f"{FACT} f WHERE f.decided_on IS NOT NULL AND f.csat IS NOT NULL", DECIDED_MEASURES),
    (
        DECIDED, "remedy_asset", "UPPER(r.asset)",
        f"complaints_remedy r JOIN {FACT} f ON f.complaint_id = r.complaint_id "
        "WHERE f.decided_on IS NOT NULL AND r.state = 'executed'",
        REMEDY_MEASURES,
    ),
]  # fmt: skip


def _insert(slice_, days_filter: str, params: list) -> None:
    (basis, day, team), dimension, value, source, measures = slice_
    # The table has no database defaults: a measure the slice doesn't count is written as 0.
    counted = [measures.get(measure, "0") for measure in MEASURES]
    # PostgreSQL refuses a constant in GROUP BY (the 'total' slice's value is one).
    groups = [day, team] + ([] if value == "''" else [value])
    statement = (
        f"INSERT INTO {ROLLUP} (day, basis, team_id, dimension, value, {', '.join(MEASURES)}) "
        f"SELECT {day}, '{basis}', {team}, '{dimension}', {value}, {', '.join(counted)} "
        f"FROM {source} {days_filter.format(day=day)} GROUP BY {', '.join(groups)}"
    )
    execute(statement, params)


def rollups_rebuild() -> None:
    empty(ROLLUP)
    for slice_ in SLICES:
        _insert(slice_, "", [])


def rollups_rebuild_days(received_days, decided_days) -> None:
    """Recount the rows of these days (dates), each basis its own."""
    for basis, days in (("received", sorted(set(received_days))), ("decided", sorted(set(decided_days)))):
        if not days:
            continue
        marks = ", ".join(["%s"] * len(days))
        execute(f"DELETE FROM {ROLLUP} WHERE basis = %s AND day IN ({marks})", [basis, *days])
        for slice_ in SLICES:
            if slice_[0][0] == basis:
                _insert(slice_, f"AND {{day}} IN ({marks})", list(days))
