"""A complaint's dossier: the page (printable) and its exports. Each view and export is
recorded on the system chain (ids and the format only)."""

from django.http import Http404, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from complaints.audit import audit_append

from ..dossier import dossier_build
from ..exports import dossier_csv, dossier_json
from .access import compliance_page, complaint_for, page_context

EXPORTS = {
    "json": (dossier_json, "application/json"),
    "csv": (dossier_csv, "text/csv; charset=utf-8"),
}


def _record(request, action: str, complaint, **data) -> None:
    audit_append(complaint=None, actor=request.user, action=action, data={"complaint": complaint.pk, **data})


@require_GET
@compliance_page("compliance.view_dossier")
def dossier_page(request, pk: int):
    complaint = complaint_for(request.user, pk)
    _record(request, "dossier_viewed", complaint)
    dossier = dossier_build(complaint)
    context = page_context(request, _("Dossier of %(ref)s") % {"ref": complaint.reference}, dossier=dossier, complaint=complaint)
    return TemplateResponse(request, "compliance/dossier.html", context)


@require_GET
@compliance_page("compliance.view_dossier")
def dossier_export(request, pk: int, fmt: str):
    if fmt not in EXPORTS:
        raise Http404
    complaint = complaint_for(request.user, pk)
    _record(request, "dossier_exported", complaint, format=fmt)
    render, content_type = EXPORTS[fmt]
    response = StreamingHttpResponse(render(complaint), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="dossier-{complaint.reference}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
