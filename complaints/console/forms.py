"""One small form per console action. Each validates what its service needs and `perform`s
it by calling that one service; a ValidationError the service raises is shown on the form."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team, User
from complaints import services
from complaints.choices import (
    SUBCATEGORIES,
    AppealOutcome,
    Category,
    Channel,
    InformationItem,
    Liability,
    Outcome,
    Priority,
    RemedyKind,
    State,
)
from complaints.exceptions import WrongState
from complaints.models import Complaint, Evidence, Remedy
from complaints.reporting.forms import RootCauseChoiceField
from complaints.reporting.services import decision_tag_root_causes
from complaints.reporting.similar import similar_decisions

from . import services as console_services
from .queues import team_of

TEXTAREA = forms.Textarea(attrs={"rows": 4, "cols": 60})
SMALL_TEXTAREA = forms.Textarea(attrs={"rows": 2, "cols": 60})
SUBCATEGORY_CHOICES = [("", "—")] + [
    (str(Category(category).label), [(code, label) for code, label in choices]) for category, choices in SUBCATEGORIES.items()
]


def workers():
    """Staff who may handle complaints (the assignee choices): through a role or on their own.
    A union of ids rather than two joins and DISTINCT, so no customer row is read."""
    through_role = User.groups.through.objects.filter(group__permissions__codename="work_complaint").values("user_id")
    granted = User.user_permissions.through.objects.filter(permission__codename="work_complaint").values("user_id")
    return User.objects.filter(pk__in=through_role.union(granted), is_staff=True, is_active=True).order_by("email")


class ActionForm(forms.Form):
    """The base: carries the complaint's version (a stale form is refused) and maps a
    service's ValidationError onto the form's fields."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    success = gettext_lazy("Done.")

    def __init__(self, *args, complaint: Complaint, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.complaint, self.user = complaint, user
        self.fields["version"].initial = complaint.version

    def perform(self) -> str:
        raise NotImplementedError

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


# --- Triage and investigation ----------------------------------------------------------------------


class StartInvestigationForm(ActionForm):
    category = forms.ChoiceField(choices=[("", "—"), *Category.choices], required=False, label=gettext_lazy("Category"))
    subcategory = forms.ChoiceField(choices=SUBCATEGORY_CHOICES, required=False, label=gettext_lazy("Subcategory"))
    priority = forms.ChoiceField(choices=[("", "—"), *Priority.choices], label=gettext_lazy("Priority"))
    team = forms.ModelChoiceField(Team.objects.all(), label=gettext_lazy("Team"))
    assignee = forms.ModelChoiceField(User.objects.none(), required=False, label=gettext_lazy("Handler"),
                                      help_text=gettext_lazy("Leave empty for the team to pick up."))  # fmt: skip
    success = gettext_lazy("The investigation has started.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = workers()
        complaint = self.complaint
        self.initial.setdefault("category", complaint.category)
        self.initial.setdefault("subcategory", complaint.subcategory)
        self.initial.setdefault("priority", complaint.priority)
        self.initial.setdefault("team", complaint.team_id or team_of(self.user))
        self.initial.setdefault("assignee", complaint.assignee_id or self.user.pk)

    def clean(self):
        data = super().clean()
        category = data.get("category") or self.complaint.category
        subcategory = data.get("subcategory")
        if subcategory and subcategory not in {code for code, _label in SUBCATEGORIES.get(category, [])}:
            self.add_error("subcategory", _("Choose a subcategory of the category."))
        return data

    def perform(self):
        data = self.cleaned_data
        services.complaint_start_investigation(
            complaint=self.complaint, actor=self.user, priority=data["priority"], team=data["team"],
            category=data.get("category") or "", subcategory=data.get("subcategory") or "", assignee=data.get("assignee"),
        )  # fmt: skip
        return self.success


class RequestInformationForm(ActionForm):
    message = forms.CharField(widget=TEXTAREA, label=gettext_lazy("Message to the customer"))
    items = forms.MultipleChoiceField(choices=InformationItem.choices, required=False, widget=forms.CheckboxSelectMultiple,
                                      label=gettext_lazy("What you ask for"))  # fmt: skip
    success = gettext_lazy("The customer has been asked for information.")

    def perform(self):
        services.complaint_request_information(
            complaint=self.complaint, actor=self.user, message=self.cleaned_data["message"], items=self.cleaned_data["items"]
        )
        return self.success


class LogInformationForm(ActionForm):
    message = forms.CharField(widget=TEXTAREA, label=gettext_lazy("What the customer told us"))
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE, label=gettext_lazy("Channel"))
    success = gettext_lazy("The customer's answer is recorded and the complaint is back in progress.")

    def perform(self):
        data = self.cleaned_data
        services.complaint_receive_information(complaint=self.complaint, actor=self.user, message=data["message"], channel=data["channel"])
        return self.success


class RejectOutOfScopeForm(ActionForm):
    reasons = forms.CharField(widget=TEXTAREA, label=gettext_lazy("Why this is not the exchange's to decide"))
    referral = forms.CharField(widget=SMALL_TEXTAREA, label=gettext_lazy("Where the customer should go instead"))
    success = gettext_lazy("The complaint is closed as out of scope; the customer has been told why and where to go.")

    def perform(self):
        data = self.cleaned_data
        services.complaint_reject_out_of_scope(complaint=self.complaint, actor=self.user, reasons=data["reasons"], referral=data["referral"])
        return self.success


class ComplaintReferenceField(forms.CharField):
    def clean(self, value):
        reference = (super().clean(value) or "").strip().upper()
        if not reference:
            return None
        try:
            return Complaint.objects.get(reference=reference)
        except Complaint.DoesNotExist:
            raise ValidationError(_("No complaint has the reference %(ref)s.") % {"ref": reference}) from None


class MergeForm(ActionForm):
    original = ComplaintReferenceField(label=gettext_lazy("Original complaint (reference)"), max_length=16)
    success = gettext_lazy("Merged: this complaint is closed as a duplicate and linked to its original.")

    def perform(self):
        services.complaint_merge_into(complaint=self.complaint, actor=self.user, original=self.cleaned_data["original"])
        return self.success


class LinkForm(ActionForm):
    related = ComplaintReferenceField(label=gettext_lazy("Related complaint (reference)"), max_length=16)
    success = gettext_lazy("The complaints are linked.")

    def perform(self):
        services.complaint_link(complaint=self.complaint, actor=self.user, related=self.cleaned_data["related"])
        return self.success


# --- Resolution -------------------------------------------------------------------------------------


class RemedyForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "—"), *RemedyKind.choices], required=False, label=gettext_lazy("Remedy"))
    amount = forms.DecimalField(max_digits=38, decimal_places=18, required=False, min_value=0, label=gettext_lazy("Amount"))
    asset = forms.CharField(max_length=16, required=False, label=gettext_lazy("Asset"))
    reference_value = forms.DecimalField(max_digits=38, decimal_places=18, required=False, min_value=0,
                                         label=gettext_lazy("Value (reference currency)"))  # fmt: skip
    details = forms.CharField(required=False, label=gettext_lazy("Details"))


RemedyFormSet = forms.formset_factory(RemedyForm, extra=3)


class RemediesMixin:
    """A form with a small formset of remedies (rows without a kind are ignored)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        data = args[0] if args else kwargs.get("data")
        self.remedies = RemedyFormSet(data, prefix="remedies")

    def is_valid(self):
        return all([super().is_valid(), self.remedies.is_valid()])

    def remedy_inputs(self) -> tuple:
        return tuple(
            services.RemedyInput(
                kind=row["kind"], amount=row.get("amount"), asset=row.get("asset") or "",
                reference_value=row.get("reference_value") or 0, details=row.get("details") or "",
            )  # fmt: skip
            for row in self.remedies.cleaned_data
            if row.get("kind")
        )


class ProposeResolutionForm(RemediesMixin, ActionForm):
    """Propose a resolution; when the remedies exceed the proposer's limit the same form
    submits it for a second person's approval instead."""

    outcome = forms.ChoiceField(choices=Outcome.choices, label=gettext_lazy("Outcome"))
    liability = forms.ChoiceField(choices=Liability.choices, label=gettext_lazy("Liability"))
    reasons = forms.CharField(widget=TEXTAREA, label=gettext_lazy("Reasons (address every point raised)"))
    recourse = forms.CharField(widget=SMALL_TEXTAREA, label=gettext_lazy("Recourse open to the customer"),
                               initial=gettext_lazy("You may accept this resolution, dispute it once, or appeal it within 30 days."))  # fmt: skip
    root_causes = RootCauseChoiceField()

    @cached_property
    def similar_decisions(self):
        """Past decisions like this one, shown beside the form (complaints.reporting.similar)."""
        return similar_decisions(self.complaint)

    def perform(self):
        data = self.cleaned_data
        decision = services.Decision(
            outcome=data["outcome"], liability=data["liability"], reasons=data["reasons"], recourse=data["recourse"],
            remedies=self.remedy_inputs(),
        )  # fmt: skip
        total = services.remedies_total(services.checked_remedies(decision.remedies))
        if total <= self.user.approval_limit:
            services.complaint_propose_resolution(complaint=self.complaint, actor=self.user, decision=decision)
            self._tag_root_causes()
            return _("The resolution has been proposed to the customer.")
        if self.complaint.state != State.INVESTIGATING:
            raise WrongState(_("These remedies exceed your limit and need approval, which starts from an investigation: start the investigation first."))
        services.complaint_submit_for_approval(complaint=self.complaint, actor=self.user, decision=decision)
        self._tag_root_causes()
        return _("These remedies exceed your limit of %(limit)s: the resolution now waits for a supervisor's approval.") % {
            "limit": f"{self.user.approval_limit:,.2f}"
        }

    def _tag_root_causes(self):
        # In the decision's transaction (the console performs forms atomically).
        decision_tag_root_causes(complaint=self.complaint, actor=self.user, root_causes=self.cleaned_data["root_causes"])


class ApproveForm(ActionForm):
    success = gettext_lazy("Approved: the resolution has been proposed to the customer.")

    def perform(self):
        services.complaint_approve_resolution(complaint=self.complaint, actor=self.user)
        return self.success


class ReasonForm(ActionForm):
    reason = forms.CharField(widget=SMALL_TEXTAREA, label=gettext_lazy("Reason"))


class ReturnForReworkForm(ReasonForm):
    success = gettext_lazy("Returned to the handler for rework.")

    def perform(self):
        services.complaint_return_for_rework(complaint=self.complaint, actor=self.user, reason=self.cleaned_data["reason"])
        return self.success


class DecideAppealForm(RemediesMixin, ActionForm):
    outcome = forms.ChoiceField(choices=AppealOutcome.choices, label=gettext_lazy("Appeal outcome"))
    reasons = forms.CharField(widget=TEXTAREA, label=gettext_lazy("Reasons"))
    external_recourse = forms.CharField(widget=SMALL_TEXTAREA, label=gettext_lazy("External recourse (ADR, arbitration, ombudsman, court)"))
    success = gettext_lazy("The appeal is decided and the customer has been told.")

    def perform(self):
        data = self.cleaned_data
        services.complaint_decide_appeal(
            complaint=self.complaint, actor=self.user, outcome=data["outcome"], reasons=data["reasons"],
            external_recourse=data["external_recourse"], remedies=self.remedy_inputs(),
        )  # fmt: skip
        return self.success


class ReopenForm(ReasonForm):
    success = gettext_lazy("The complaint is reopened and back under investigation.")

    def perform(self):
        services.complaint_reopen(complaint=self.complaint, actor=self.user, reason=self.cleaned_data["reason"])
        return self.success


# --- Handling -------------------------------------------------------------------------------------------


class AssignForm(ActionForm):
    assignee = forms.ModelChoiceField(User.objects.none(), required=False, label=gettext_lazy("Handler"),
                                      help_text=gettext_lazy("Empty: nobody (the team picks it up)."))  # fmt: skip
    team = forms.ModelChoiceField(Team.objects.all(), required=False, label=gettext_lazy("Team"),
                                  help_text=gettext_lazy("Empty: keep the current team."))  # fmt: skip
    success = gettext_lazy("The complaint has been assigned.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = workers()
        self.initial.setdefault("assignee", self.user.pk)

    def perform(self):
        data = self.cleaned_data
        services.complaint_assign(complaint=self.complaint, actor=self.user, assignee=data.get("assignee"), team=data.get("team"))
        return self.success


class TransferForm(ActionForm):
    team = forms.ModelChoiceField(Team.objects.all(), label=gettext_lazy("To team"))
    reason = forms.CharField(widget=SMALL_TEXTAREA, label=gettext_lazy("Why"))
    success = gettext_lazy("The complaint has been transferred; the new team will pick it up.")

    def perform(self):
        data = self.cleaned_data
        services.complaint_transfer(complaint=self.complaint, actor=self.user, team=data["team"], reason=data["reason"])
        return self.success


class ConflictForm(ActionForm):
    reason = forms.CharField(widget=SMALL_TEXTAREA, label=gettext_lazy("What the conflict is"))
    success = gettext_lazy("Your conflict of interest is recorded: you will not be assigned to this complaint.")

    def perform(self):
        services.conflict_declare(complaint=self.complaint, actor=self.user, reason=self.cleaned_data["reason"])
        return self.success


class PriorityForm(ActionForm):
    priority = forms.ChoiceField(choices=Priority.choices, label=gettext_lazy("Priority"))
    success = gettext_lazy("The priority has been changed.")

    def perform(self):
        console_services.complaint_set_priority(complaint=self.complaint, actor=self.user, priority=self.cleaned_data["priority"])
        return self.success


# --- Conversation and evidence -------------------------------------------------------------------------------


class MessageForm(ActionForm):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6, "cols": 70}), label=gettext_lazy("Message"))
    visibility = forms.ChoiceField(choices=[("public", gettext_lazy("Reply to the customer")), ("internal", gettext_lazy("Internal note"))],
                                   widget=forms.HiddenInput)  # fmt: skip

    def perform(self):
        internal = self.cleaned_data["visibility"] == "internal"
        services.complaint_add_message(complaint=self.complaint, actor=self.user, body=self.cleaned_data["body"], internal=internal)
        return _("Internal note added.") if internal else _("Reply sent: the customer is notified.")


class EvidenceForm(ActionForm):
    upload = forms.FileField(label=gettext_lazy("File (trade records, log-in logs, chat logs…)"))
    success = gettext_lazy("The evidence has been attached.")

    def perform(self):
        services.evidence_attach(complaint=self.complaint, actor=self.user, upload=self.cleaned_data["upload"],
                                 purpose=Evidence.Purpose.COLLECTED)  # fmt: skip
        return self.success

    def add_service_errors(self, error):
        # check_upload raises a plain ValidationError about the file.
        if not hasattr(error, "error_dict"):
            self.add_error("upload", error)
            return
        super().add_service_errors(error)


# --- Remedies after acceptance -------------------------------------------------------------------------------


class RemedyStepForm(ActionForm):
    remedy = forms.IntegerField(widget=forms.HiddenInput)

    def clean_remedy(self):
        try:
            return Remedy.objects.get(pk=self.cleaned_data["remedy"], complaint=self.complaint)
        except Remedy.DoesNotExist:
            raise ValidationError(_("This remedy is not part of the complaint.")) from None


class RemedyExecuteForm(RemedyStepForm):
    ledger_reference = forms.CharField(max_length=128, label=gettext_lazy("Ledger reference"))
    success = gettext_lazy("The remedy's execution is recorded.")

    def perform(self):
        services.remedy_record_execution(remedy=self.cleaned_data["remedy"], actor=self.user, ledger_reference=self.cleaned_data["ledger_reference"])
        return self.success


class RemedyFailForm(RemedyStepForm):
    reason = forms.CharField(max_length=500, label=gettext_lazy("Why it failed"))
    success = gettext_lazy("The failure is recorded; the remedy is in the supervisors' queue.")

    def perform(self):
        services.remedy_record_failure(remedy=self.cleaned_data["remedy"], actor=self.user, reason=self.cleaned_data["reason"])
        return self.success


class RemedyRetryForm(RemedyStepForm):
    success = gettext_lazy("The remedy is back in execution.")

    def perform(self):
        services.remedy_retry(remedy=self.cleaned_data["remedy"], actor=self.user)
        return self.success


class RemedyCancelForm(RemedyStepForm):
    success = gettext_lazy("The remedy is cancelled.")

    def perform(self):
        services.remedy_cancel(remedy=self.cleaned_data["remedy"], actor=self.user)
        return self.success


# --- Intake -----------------------------------------------------------------------------------------------


INTAKE_CHANNELS = [(code, label) for code, label in Channel.choices if code not in {Channel.WEB, Channel.API}]


class IntakeForm(forms.Form):
    """An agent registers a complaint that came by phone, chat, social media, e-mail or a branch."""

    email = forms.EmailField(required=False, label=gettext_lazy("Customer e-mail"))
    exchange_uid = forms.CharField(max_length=64, required=False, label=gettext_lazy("Exchange UID"))
    name = forms.CharField(max_length=150, required=False, label=gettext_lazy("Name (for a new customer)"))
    language = forms.ChoiceField(choices=[("en", "English"), ("zh-hans", "简体中文")], label=gettext_lazy("Language"))
    channel = forms.ChoiceField(choices=INTAKE_CHANNELS, label=gettext_lazy("Came by"))
    category = forms.ChoiceField(choices=[("", "—"), *Category.choices], label=gettext_lazy("Category"))
    subcategory = forms.ChoiceField(choices=SUBCATEGORY_CHOICES, required=False, label=gettext_lazy("Subcategory"))
    summary = forms.CharField(max_length=200, label=gettext_lazy("Summary"))
    description = forms.CharField(widget=TEXTAREA, label=gettext_lazy("What happened"))
    desired_outcome = forms.CharField(widget=SMALL_TEXTAREA, required=False, label=gettext_lazy("Outcome the customer wants"))
    occurred_on = forms.DateField(required=False, label=gettext_lazy("Happened on"), widget=forms.DateInput(attrs={"type": "date"}))
    order_ids = forms.CharField(required=False, label=gettext_lazy("Order IDs"), help_text=gettext_lazy("Separate with spaces or commas."))
    tx_hashes = forms.CharField(required=False, label=gettext_lazy("Transaction hashes"), help_text=gettext_lazy("Separate with spaces or commas."))
    tx_network = forms.CharField(required=False, max_length=16, label=gettext_lazy("Network (e.g. TRON, ETH)"))
    disputed_amount = forms.DecimalField(required=False, max_digits=38, decimal_places=18, min_value=0, label=gettext_lazy("Disputed amount"))
    disputed_asset = forms.CharField(required=False, max_length=16, label=gettext_lazy("Asset"))
    funds_at_risk = forms.BooleanField(required=False, label=gettext_lazy("Funds at risk now"))

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("exchange_uid"):
            self.add_error("email", _("Give the customer's e-mail address or exchange UID."))
        return data

    @staticmethod
    def _split(value: str) -> tuple[str, ...]:
        return tuple(part for part in value.replace(",", " ").split() if part)

    def filing(self) -> services.Filing:
        data = self.cleaned_data
        return services.Filing(
            category=data["category"], subcategory=data.get("subcategory") or "", summary=data["summary"],
            description=data["description"], desired_outcome=data.get("desired_outcome") or "",
            occurred_on=data.get("occurred_on"), order_ids=self._split(data.get("order_ids") or ""),
            tx_hashes=self._split(data.get("tx_hashes") or ""), tx_network=data.get("tx_network") or "",
            disputed_amount=data.get("disputed_amount"), disputed_asset=data.get("disputed_asset") or "",
            funds_at_risk=data.get("funds_at_risk") or False, channel=data["channel"], language=data["language"],
        )  # fmt: skip

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            target = {"identifiers": "tx_hashes"}.get(field, field)
            self.add_error(target if target in self.fields else None, messages)
