"""Similar past decisions, shown on the decision form so like cases are decided alike:
same category and subcategory, a disputed value within a factor of two, those sharing a root
cause with this complaint first. Read from the facts (indexed for it), in two queries."""

from dataclasses import dataclass
from decimal import Decimal

from .models import ComplaintFact, DecisionRootCause

CANDIDATES = 30
SHOWN = 5


@dataclass
class SimilarDecision:
    complaint_id: int
    reference: str
    outcome: str
    appeal_outcome: str
    amount_value: Decimal | None
    decided_at: object
    root_causes: list[str]

    @property
    def outcome_label(self) -> str:
        from complaints.choices import Outcome

        return str(Outcome(self.outcome).label) if self.outcome in Outcome.values else "—"


def similar_decisions(complaint, root_cause_ids=()) -> list[SimilarDecision]:
    found = ComplaintFact.objects.filter(
        category=complaint.category, subcategory=complaint.subcategory, decided_at__isnull=False
    ).exclude(complaint_id=complaint.pk).exclude(outcome="")
    value = complaint.disputed_reference_value
    if value:
        found = found.filter(amount_value__gte=value / 2, amount_value__lte=value * 2)
    rows = list(
        found.order_by("-decided_at").values_list(
            "complaint_id", "complaint__reference", "outcome", "appeal_outcome", "amount_value", "decided_at"
        )[:CANDIDATES]
    )
    causes: dict[int, list] = {}
    for pk, cause_id, name in DecisionRootCause.objects.filter(complaint_id__in=[row[0] for row in rows]).values_list(
        "complaint_id", "root_cause_id", "root_cause__name"
    ).order_by("root_cause__name"):
        causes.setdefault(pk, []).append((cause_id, name))
    wanted = set(root_cause_ids)
    ranked = sorted(rows, key=lambda row: (not wanted & {cid for cid, _n in causes.get(row[0], [])}, _distance(row[4], value)))
    return [
        SimilarDecision(*row, root_causes=[name for _cid, name in causes.get(row[0], [])]) for row in ranked[:SHOWN]
    ]


def _distance(amount, value) -> Decimal:
    if amount is None or not value:
        return Decimal(0)
    return abs(amount - value)
