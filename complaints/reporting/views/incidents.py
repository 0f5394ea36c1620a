"""An incident's page in the console: its complaints, suggested ones, and acting on all."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints.exceptions import ActionRefused
from complaints.models import Complaint

from .. import services
from ..forms import LinkForm, MessageAllForm, SameRemedyForm
from ..models import Incident


def _incident(request, pk: int, permission: str) -> Incident:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    return get_object_or_404(Incident, pk=pk)


def _page(request, incident, status=200, **forms):
    linked = Complaint.objects.filter(incident_links__incident=incident).select_related("team").order_by("received_at")
    context = {
        **admin.site.each_context(request),
        "title": incident.title,
        "incident": incident,
        "linked": linked,
        "suggested": services.incident_suggestions(incident),
        "link_form": forms.get("link_form") or LinkForm(),
        "message_form": forms.get("message_form") or MessageAllForm(),
        "remedy_form": forms.get("remedy_form") or SameRemedyForm(),
        "can_link": request.user.has_perm("reporting.add_incidentlink"),
        "can_act": request.user.has_perm("reporting.act_on_incident"),
    }
    return TemplateResponse(request, "reporting/incident.html", context, status=status)


def _back(incident) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("reporting:incident", args=[incident.pk]))


def incident_page(request, pk: int):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _page(request, _incident(request, pk, "reporting.view_incident"))


def _report(request, result) -> None:
    if result.done:
        messages.success(request, _("Done on %(count)s complaints.") % {"count": len(result.done)})
    for refusal in result.refused:
        messages.warning(request, refusal)


def _each(request, incident, complaints, step) -> None:
    for complaint in complaints:
        try:
            step(incident=incident, complaint=complaint, actor=request.user)
        except ActionRefused as refused:
            messages.warning(request, f"{complaint.reference}: {refused.message}")


@require_POST
def incident_link_view(request, pk: int):
    incident = _incident(request, pk, "reporting.add_incidentlink")
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _page(request, incident, status=400, link_form=form)
    _each(request, incident, form.cleaned_data["chosen"], services.incident_link)
    return _back(incident)


@require_POST
def incident_unlink_view(request, pk: int):
    incident = _incident(request, pk, "reporting.delete_incidentlink")
    complaint = get_object_or_404(Complaint, pk=request.POST.get("complaint") or 0, incident_links__incident=incident)
    _each(request, incident, [complaint], services.incident_unlink)
    return _back(incident)


@require_POST
def incident_message_view(request, pk: int):
    incident = _incident(request, pk, "reporting.act_on_incident")
    form = MessageAllForm(request.POST)
    if not form.is_valid():
        return _page(request, incident, status=400, message_form=form)
    data = form.cleaned_data
    _report(request, services.incident_message_all(incident=incident, actor=request.user, body=data["body"], internal=data["internal"]))
    return _back(incident)


@require_POST
def incident_propose_view(request, pk: int):
    incident = _incident(request, pk, "reporting.act_on_incident")
    form = SameRemedyForm(request.POST)
    if not form.is_valid():
        return _page(request, incident, status=400, remedy_form=form)
    try:
        result = services.incident_propose_same_remedy(
            incident=incident, actor=request.user, decision=form.decision(), root_causes=form.cleaned_data["root_causes"]
        )
    except ValidationError as invalid:
        form.add_error(None, invalid)
        return _page(request, incident, status=400, remedy_form=form)
    _report(request, result)
    return _back(incident)
