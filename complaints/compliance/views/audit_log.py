"""The global audit log: every event on every chain, newest first, filterable; paged by
event id (keyset), so a page costs the same on the millionth event as on the first."""

from datetime import datetime, time, timedelta

from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from complaints.models import AuditEvent

from ..forms import AuditLogFilter
from .access import compliance_page, page_context

PAGE = 100


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def filtered_events(data: dict):
    events = AuditEvent.objects.select_related("complaint", "complaint__team", "actor").order_by("-id")
    if data.get("complaint"):
        events = events.filter(complaint__reference=data["complaint"].strip().upper())
    if data.get("actor"):
        events = events.filter(actor__email__iexact=data["actor"])
    if data.get("action"):
        events = events.filter(action=data["action"].strip())
    if data.get("team"):
        events = events.filter(complaint__team=data["team"])
    if data.get("since"):
        events = events.filter(at__gte=_start_of(data["since"]))
    if data.get("until"):
        events = events.filter(at__lt=_start_of(data["until"] + timedelta(days=1)))
    if data.get("before"):
        events = events.filter(id__lt=data["before"])
    return events


@require_GET
@compliance_page("compliance.view_audit_log")
def audit_log(request):
    form = AuditLogFilter(request.GET or None)
    events = []
    if form.is_bound and form.is_valid():
        events = list(filtered_events(form.cleaned_data)[: PAGE + 1])
    elif not form.is_bound:
        events = list(filtered_events({})[: PAGE + 1])
    more = len(events) > PAGE
    events = events[:PAGE]
    older = None
    if more:
        params = request.GET.copy()
        params["before"] = events[-1].pk
        older = params.urlencode()
    context = page_context(request, _("Audit log"), form=form, events=events, older=older)
    return TemplateResponse(request, "compliance/audit_log.html", context)
