"""The public quarterly figures: aggregates only, with small cells withheld (suppression.py).

Volumes count complaints received in the quarter; the rest count decisions communicated in
it. Nothing here names a person, a complaint or a team.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.choices import Category, Outcome

from .queries import Filters, _rollup_totals, _step_statistics
from .suppression import THRESHOLD, Cell, figure, suppress

QUARTER = re.compile(r"^(?P<year>\d{4})-Q(?P<quarter>[1-4])$")
OTHER_DECISIONS = _("Other decisions (out of scope, duplicate)")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        match = QUARTER.match(text or "")
        if not match:
            raise ValueError(text)
        return cls(int(match["year"]), int(match["quarter"]))

    @classmethod
    def containing(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        following = self.next()
        return date.fromordinal(following.start.toordinal() - 1)

    def next(self) -> "Quarter":
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def __str__(self):
        return f"{self.year}-Q{self.number}"


def last_complete_quarter() -> Quarter:
    return Quarter.containing(timezone.now().date()).previous()


@dataclass
class Transparency:
    quarter: Quarter
    volumes: list[Cell]
    received: int | None
    outcomes: list[Cell]
    decided: int | None
    median_days: float | None
    within_deadline: float | None  # a share, 0–1
    csat_average: float | None
    csat_count: int | None
    threshold: int = THRESHOLD


def transparency(quarter: Quarter) -> Transparency:
    """Two queries: the roll-up totals and the median over the facts."""
    filters = Filters(quarter.start, quarter.end)
    totals = _rollup_totals(filters)
    received, decided = totals["received"], totals["decided"].get("total", {}).get("", {})
    volumes = {str(label): received.get("category", {}).get(code, {}).get("count", 0) for code, label in Category.choices}
    volume_cells, received_total = suppress(volumes)
    count = decided.get("count", 0)
    _n, _average, _p90, median = _step_statistics(["decision_seconds"], "decided_on", "decision_team_id", filters)["decision_seconds"]
    outcome_cells, decided_total = suppress(_outcomes(decided))
    csat_count = decided.get("csat_count", 0)
    return Transparency(
        quarter=quarter,
        volumes=volume_cells,
        received=received_total,
        outcomes=outcome_cells,
        decided=decided_total,
        median_days=figure(float(median) / 86400 if median is not None else None, count),
        within_deadline=figure((count - decided.get("decision_missed", 0)) / count if count else None, count),
        csat_average=figure(decided.get("csat_sum", 0) / csat_count if csat_count else None, csat_count),
        csat_count=csat_count if csat_count >= THRESHOLD else None,
    )


def _outcomes(decided: dict) -> dict:
    counts = {str(Outcome(code).label): decided.get(code, 0) for code in Outcome.values}
    counts[str(OTHER_DECISIONS)] = decided.get("count", 0) - sum(counts.values())
    return counts
