"""The fact table: one row per complaint, written with one INSERT … SELECT … ON CONFLICT.

The same statement serves the full rebuild and the refresh of a few changed complaints; only
its WHERE differs. Two columns carry over from the row it replaces: the team at decision (the
team when the refresh first saw that decision) and the step limits (deadlines.py computes
them in Python, from the escalation app's calendars, for rows whose `deadlines_at` is empty).
"""

from django.utils import timezone

from .sql import empty, execute, id_list, seconds_between, utc_date

FACT = "reporting_complaintfact"

COLUMNS = [
    "complaint_id", "received_at", "received_on", "acknowledged_at", "investigation_started_at", "decided_at",
    "decided_on", "state", "team_id", "decision_team_id", "category", "subcategory", "channel", "asset",
    "amount_value", "regime_id", "outcome", "appeal_outcome", "appealed", "reopened", "csat",
    "acknowledgement_seconds", "investigation_seconds", "decision_seconds", "refreshed_at",
]  # fmt: skip

# Replaced on conflict; the rest are kept from the row already there (see _on_conflict).
CARRIED = {"complaint_id", "decision_team_id"}


def _select(where: str) -> str:
    return f"""
        SELECT c.id, c.received_at, {utc_date("c.received_at")}, c.acknowledged_at, c.investigation_started_at,
               c.decided_at, {utc_date("c.decided_at")}, c.state, c.team_id,
               CASE WHEN c.decided_at IS NOT NULL THEN c.team_id END,
               c.category, c.subcategory, c.channel, UPPER(c.disputed_asset), c.disputed_reference_value,
               clock.regime_id, c.outcome, c.appeal_outcome, c.appealed_at IS NOT NULL, c.reopened_at IS NOT NULL,
               rating.score,
               {seconds_between("c.received_at", "c.acknowledged_at")},
               {seconds_between("c.investigation_started_at", "c.decided_at")},
               {seconds_between("c.received_at", "c.decided_at")},
               %s
        FROM complaints_complaint c
        LEFT JOIN escalation_complaintclock clock ON clock.complaint_id = c.id
        LEFT JOIN complaints_satisfactionrating rating ON rating.complaint_id = c.id
        WHERE {where}
    """


def _on_conflict() -> str:
    replaced = [f"{column} = excluded.{column}" for column in COLUMNS if column not in CARRIED]
    # The team at decision stays what it was while the decision is the same one.
    replaced.append(
        f"decision_team_id = CASE WHEN {FACT}.decided_at = excluded.decided_at "
        f"THEN COALESCE({FACT}.decision_team_id, excluded.decision_team_id) ELSE excluded.decision_team_id END"
    )
    return f"ON CONFLICT (complaint_id) DO UPDATE SET {', '.join(replaced)}"


def _upsert(where: str) -> int:
    statement = f"INSERT INTO {FACT} ({', '.join(COLUMNS)}) {_select(where)} {_on_conflict()}"
    return execute(statement, [timezone.now()])


def facts_rebuild(*, full: bool = False) -> int:
    """Every complaint's facts. `full` starts from an empty table, so the team at decision
    falls back to the current team and every step limit is computed again."""
    if full:
        empty(FACT)
    return _upsert("1 = 1")


def facts_refresh(complaint_ids) -> int:
    """The facts of these complaints, their step limits to be computed again."""
    ids = id_list(complaint_ids)
    count = _upsert(f"c.id IN ({ids})")
    execute(f"UPDATE {FACT} SET deadlines_at = NULL WHERE complaint_id IN ({ids})")
    return count
