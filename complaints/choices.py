"""The vocabulary of a complaint, from the seeds and DESIGN.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    TRIAGE = "triage", _("Triage")
    AWAITING_CUSTOMER = "awaiting_customer", _("Awaiting customer")
    INVESTIGATING = "investigating", _("Investigating")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    RESOLUTION_PROPOSED = "resolution_proposed", _("Resolution proposed")
    RESOLVED = "resolved", _("Resolved")
    APPEALED = "appealed", _("Appealed")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


FINAL_STATES = {State.CLOSED, State.ARCHIVED}
OPEN_STATES = [state for state in State if state not in FINAL_STATES]


class Phase(models.TextChoices):
    INTAKE = "intake", _("Intake")
    TRIAGE = "triage", _("Triage")
    INVESTIGATION = "investigation", _("Investigation")
    RESOLUTION = "resolution", _("Resolution")
    APPEAL = "appeal", _("Appeal")
    ARCHIVE = "archive", _("Archive")


PHASE_OF_STATE = {
    State.RECEIVED: Phase.INTAKE,
    State.TRIAGE: Phase.TRIAGE,
    State.AWAITING_CUSTOMER: Phase.INVESTIGATION,
    State.INVESTIGATING: Phase.INVESTIGATION,
    State.AWAITING_APPROVAL: Phase.INVESTIGATION,
    State.RESOLUTION_PROPOSED: Phase.RESOLUTION,
    State.RESOLVED: Phase.RESOLUTION,
    State.APPEALED: Phase.APPEAL,
    State.CLOSED: Phase.ARCHIVE,
    State.ARCHIVED: Phase.ARCHIVE,
}


class Channel(models.TextChoices):
    WEB = "web", _("Web portal")
    EMAIL = "email", _("E-mail")
    LIVE_CHAT = "live_chat", _("Live chat")
    PHONE = "phone", _("Phone")
    SOCIAL = "social", _("Social media")
    FORUM = "forum", _("Community forum")
    IN_APP = "in_app", _("In-app feedback")
    BRANCH = "branch", _("Branch")
    POST = "post", _("Post")
    API = "api", _("Integration API")


class Category(models.TextChoices):
    TRADE_DISPUTE = "trade_dispute", _("Trade dispute")
    ACCOUNT_SECURITY = "account_security", _("Account security")
    DEPOSIT_WITHDRAWAL = "deposit_withdrawal", _("Deposit or withdrawal")
    LIQUIDATION = "liquidation", _("Liquidation dispute")
    KYC = "kyc", _("Identity verification (KYC)")
    API = "api", _("API")
    FEES = "fees", _("Fees")
    SERVICE_QUALITY = "service_quality", _("Service quality")
    TECHNICAL_FAULT = "technical_fault", _("Technical fault")
    FRAUD = "fraud", _("Fraud or scam")
    OTHER = "other", _("Other")


SUBCATEGORIES: dict[str, list[tuple[str, str]]] = {
    Category.TRADE_DISPUTE: [
        ("slippage", _("Filled at a bad price (slippage)")),
        ("delayed_fill", _("Order filled late or not at all")),
        ("wrong_order", _("Order placed or cancelled wrongly")),
    ],
    Category.ACCOUNT_SECURITY: [
        ("theft", _("Funds stolen")),
        ("abnormal_login", _("Abnormal log-in")),
        ("account_locked", _("Account locked or frozen")),
    ],
    Category.DEPOSIT_WITHDRAWAL: [
        ("deposit_not_credited", _("Deposit not credited")),
        ("withdrawal_delayed", _("Withdrawal delayed")),
        ("withdrawal_missing", _("Withdrawal never arrived")),
        ("wrong_network", _("Sent on the wrong network or without a memo")),
    ],
    Category.LIQUIDATION: [
        ("forced_liquidation", _("Forced liquidation")),
        ("socialised_loss", _("Socialised loss (auto-deleveraging)")),
        ("margin_call", _("Margin call not received")),
    ],
    Category.KYC: [
        ("kyc_rejected", _("Verification refused")),
        ("kyc_delayed", _("Verification taking too long")),
    ],
    Category.API: [("api_error", _("API error")), ("api_rate_limit", _("API rate limit"))],
    Category.FEES: [("fee_overcharged", _("Charged too much")), ("fee_unclear", _("Fee not explained"))],
    Category.SERVICE_QUALITY: [
        ("slow_response", _("Slow response")),
        ("staff_conduct", _("Conduct of staff")),
    ],
    Category.TECHNICAL_FAULT: [("outage", _("Outage")), ("app_error", _("App or website error"))],
    Category.FRAUD: [("phishing", _("Phishing")), ("impersonation", _("Impersonation")), ("scam_project", _("Scam project"))],
    Category.OTHER: [("other", _("Other"))],
}


class Priority(models.TextChoices):
    P1 = "P1", _("P1 — critical")
    P2 = "P2", _("P2 — high")
    P3 = "P3", _("P3 — normal")
    P4 = "P4", _("P4 — low")


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
    NOT_UPHELD = "not_upheld", _("Not upheld")


class Liability(models.TextChoices):
    PLATFORM_FAULT = "platform_fault", _("Platform fault")
    CUSTOMER_ERROR = "customer_error", _("Customer error")
    THIRD_PARTY = "third_party", _("Third party")
    UNDETERMINED = "undetermined", _("Undetermined")


class ClosureReason(models.TextChoices):
    DECIDED = "decided", _("Decided and executed")
    WITHDRAWN = "withdrawn", _("Withdrawn by the customer")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")
    DUPLICATE = "duplicate", _("Duplicate")
    NO_RESPONSE = "no_response", _("No response from the customer")


# A closure the customer may appeal: a decision, a rejection, or closing for no response.
APPEALABLE_CLOSURES = {ClosureReason.DECIDED, ClosureReason.OUT_OF_SCOPE, ClosureReason.NO_RESPONSE}


class AppealOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Decision confirmed")
    CHANGED = "changed", _("Decision changed")
    PARTLY_CHANGED = "partly_changed", _("Decision partly changed")


class RemedyKind(models.TextChoices):
    EXPLANATION = "explanation", _("Explanation")
    APOLOGY = "apology", _("Apology")
    FEE_REFUND = "fee_refund", _("Fee refund")
    COMPENSATION = "compensation", _("Compensation")
    ACCOUNT_UNFREEZE = "account_unfreeze", _("Account unfreeze")
    TRADE_REVERSAL = "trade_reversal", _("Trade reversal")
    COUPON = "coupon", _("Coupon")
    SECURITY_ADVICE = "security_advice", _("Security advice")
    TECHNICAL_GUIDANCE = "technical_guidance", _("Technical guidance")


MONETARY_REMEDIES = {RemedyKind.FEE_REFUND, RemedyKind.COMPENSATION, RemedyKind.TRADE_REVERSAL, RemedyKind.COUPON}
# Delivered by the decision itself: executed the moment they are accepted, with no ledger entry.
INFORMATIONAL_REMEDIES = {
    RemedyKind.EXPLANATION,
    RemedyKind.APOLOGY,
    RemedyKind.SECURITY_ADVICE,
    RemedyKind.TECHNICAL_GUIDANCE,
}


class RemedyState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    ACCEPTED = "accepted", _("Accepted")
    EXECUTED = "executed", _("Executed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public reply")
    INTERNAL = "internal", _("Internal note")


class MessageKind(models.TextChoices):
    COMMENT = "comment", _("Message")
    INFORMATION_REQUEST = "information_request", _("Request for information")
    INFORMATION_REPLY = "information_reply", _("Answer to a request for information")
    DECISION = "decision", _("Decision")
    APPEAL_GROUNDS = "appeal_grounds", _("Grounds of appeal")
    APPEAL_DECISION = "appeal_decision", _("Appeal decision")
    REWORK = "rework", _("Returned for rework")
    REOPEN = "reopen", _("Reopened")
    DISPUTE = "dispute", _("Dispute of the proposed resolution")
    WITHDRAWAL = "withdrawal", _("Withdrawal")


class IdentifierKind(models.TextChoices):
    ORDER_ID = "order_id", _("Order ID")
    TX_HASH = "tx_hash", _("Transaction hash")


class InformationItem(models.TextChoices):
    """What an agent may ask the customer for. The service refuses what the exchange holds."""

    IDENTITY_DOCUMENT = "identity_document", _("Identity document")
    ORDER_ID = "order_id", _("Order ID")
    TX_HASH = "tx_hash", _("Transaction hash")
    SCREENSHOT = "screenshot", _("Screenshot")
    WALLET_ADDRESS = "wallet_address", _("Receiving wallet address")
    TIMELINE = "timeline", _("What happened, and when")
    OTHER = "other", _("Something else (described in the message)")
