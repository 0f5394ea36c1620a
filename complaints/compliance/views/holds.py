"""Legal holds: the list, placing one and lifting one (supervisors and compliance)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from complaints.exceptions import ActionRefused, NotPermitted
from complaints.models import Complaint

from ..forms import LiftHoldForm, PlaceHoldForm
from ..holds import PERMISSION, legal_hold_lift, legal_hold_place
from ..models import LegalHold
from .access import compliance_page, find_customer, page_context, refused

LISTED = 200


def _target(form: PlaceHoldForm) -> dict | None:
    data = form.cleaned_data
    if data.get("complaint"):
        complaint = Complaint.objects.filter(reference=data["complaint"].strip().upper()).first()
        if complaint is None:
            form.add_error("complaint", _("No complaint has this reference."))
        return {"complaint": complaint} if complaint else None
    customer = find_customer(data["customer"])
    if customer is None:
        form.add_error("customer", _("No customer has this e-mail address or exchange UID."))
    return {"customer": customer} if customer else None


def _place(request, form: PlaceHoldForm):
    target = _target(form)
    if target is None:
        return None
    try:
        hold = legal_hold_place(actor=request.user, reason=form.cleaned_data["reason"], **target)
    except ValidationError as error:
        form.add_error(None, error)
        return None
    messages.success(request, _("Legal hold %(id)s placed.") % {"id": hold.pk})
    return HttpResponseRedirect(reverse("compliance:holds"))


@require_http_methods(["GET", "POST"])
@compliance_page("compliance.view_legalhold")
def holds(request):
    form = PlaceHoldForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm(PERMISSION):
            return refused(request, _("Only a supervisor or a compliance officer can place or lift a legal hold."))
        if form.is_valid():
            done = _place(request, form)
            if done:
                return done
    rows = LegalHold.objects.select_related("complaint", "customer", "placed_by", "lifted_by")[:LISTED]
    context = page_context(request, _("Legal holds"), form=form, holds=rows, lift_form=LiftHoldForm(), can_hold=request.user.has_perm(PERMISSION))
    return TemplateResponse(request, "compliance/holds.html", context)


@require_POST
@compliance_page(PERMISSION)
def hold_lift(request, pk: int):
    hold = get_object_or_404(LegalHold, pk=pk)
    form = LiftHoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the hold is lifted."))
        return HttpResponseRedirect(reverse("compliance:holds"))
    try:
        legal_hold_lift(hold=hold, actor=request.user, reason=form.cleaned_data["lift_reason"])
    except NotPermitted as error:
        return refused(request, error.message)
    except ActionRefused as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Legal hold %(id)s lifted.") % {"id": hold.pk})
    return HttpResponseRedirect(reverse("compliance:holds"))
