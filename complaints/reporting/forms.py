"""The report's filters, and the forms of the incident page."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from complaints.choices import Liability, Outcome, RemedyKind
from complaints.models import Complaint
from complaints.services import Decision, RemedyInput

from .queries import Filters

LONGEST_PERIOD = timedelta(days=3 * 366)
DEFAULT_PERIOD = timedelta(weeks=12)


class ReportFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.ModelChoiceField(Team.objects.order_by("name"), label=_("Team"), required=False, empty_label=_("All teams"))

    def clean(self):
        data = super().clean()
        end = data.get("end") or timezone.now().date()
        start = data.get("start") or end - DEFAULT_PERIOD
        if "start" in self.errors or "end" in self.errors:
            return data
        if start > end:
            raise ValidationError(_("The period must start on or before the day it ends."))
        if end - start > LONGEST_PERIOD:
            raise ValidationError(_("Choose a period of at most three years."))
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        team = data.get("team")
        return Filters(data["start"], data["end"], team.pk if team else None)


class MessageAllForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))
    internal = forms.BooleanField(label=_("Internal note (not sent to the customers)"), required=False)


class RootCauseChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        from .models import RootCause

        kwargs.setdefault("label", _("Root causes"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(RootCause.objects.filter(is_active=True).order_by("name"), **kwargs)


class SameRemedyForm(forms.Form):
    """One resolution proposed on each linked complaint the actor handles."""

    outcome = forms.ChoiceField(choices=Outcome.choices, label=_("Outcome"))
    liability = forms.ChoiceField(choices=Liability.choices, label=_("Liability"))
    reasons = forms.CharField(label=_("Reasons (address every point raised)"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))
    recourse = forms.CharField(label=_("Recourse open to the customer"), widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))
    kind = forms.ChoiceField(choices=RemedyKind.choices, label=_("Remedy"))
    amount = forms.DecimalField(max_digits=38, decimal_places=18, min_value=0, required=False, label=_("Amount"))
    asset = forms.CharField(max_length=16, required=False, label=_("Asset"))
    reference_value = forms.DecimalField(max_digits=38, decimal_places=18, min_value=0, required=False,
                                         label=_("Value (reference currency)"))  # fmt: skip
    root_causes = RootCauseChoiceField()

    def decision(self) -> Decision:
        data = self.cleaned_data
        remedy = RemedyInput(
            kind=data["kind"], amount=data.get("amount"), asset=data.get("asset") or "",
            reference_value=data.get("reference_value") or Decimal(0),
        )  # fmt: skip
        return Decision(data["outcome"], data["liability"], data["reasons"], data["recourse"], (remedy,))


class LinkForm(forms.Form):
    """Suggested complaints ticked on the incident page, or one named by its reference."""

    complaints = forms.ModelMultipleChoiceField(Complaint.objects.all(), required=False, widget=forms.CheckboxSelectMultiple)
    reference = forms.CharField(max_length=16, required=False, label=_("Complaint reference"))

    def clean(self):
        data = super().clean()
        chosen = list(data.get("complaints") or [])
        reference = (data.get("reference") or "").strip().upper()
        if reference:
            found = Complaint.objects.filter(reference=reference).first()
            if found is None:
                raise ValidationError({"reference": _("No complaint has that reference.")})
            chosen.append(found)
        if not chosen:
            raise ValidationError(_("Tick a suggested complaint or give a reference."))
        data["chosen"] = chosen
        return data
