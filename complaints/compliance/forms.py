from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Team


class AuditLogFilter(forms.Form):
    complaint = forms.CharField(label=_("Complaint reference"), required=False, max_length=16)
    actor = forms.EmailField(label=_("Actor's e-mail"), required=False)
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    before = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class CustomerField(forms.CharField):
    """A customer by e-mail address or exchange UID (posted, never in a URL)."""

    def __init__(self, **kwargs):
        super().__init__(label=_("Customer's e-mail address or exchange UID"), max_length=254, **kwargs)


class PlaceHoldForm(forms.Form):
    complaint = forms.CharField(label=_("Complaint reference"), required=False, max_length=16)
    customer = CustomerField(required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def clean(self):
        data = super().clean()
        if bool(data.get("complaint")) == bool(data.get("customer")):
            raise forms.ValidationError(_("Name either a complaint or a customer."))
        return data


class LiftHoldForm(forms.Form):
    lift_reason = forms.CharField(label=_("Why the hold is lifted"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class SubjectAccessForm(forms.Form):
    customer = CustomerField()
    include_internal = forms.BooleanField(
        label=_("Include internal notes and material staff collected (reviewed for third parties' data and privileged advice)"),
        required=False,
    )
