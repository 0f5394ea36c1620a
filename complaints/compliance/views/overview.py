"""The compliance landing page and the seals page."""

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..models import Erasure, LegalHold, RetentionPolicy, Seal
from ..seals import verify_seals
from .access import compliance_page, page_context

LISTED = 60


@require_GET
@compliance_page("compliance.view_seal", "compliance.view_legalhold")
def overview(request):
    context = page_context(
        request, _("Compliance"),
        latest_seal=Seal.objects.first(),
        standing_holds=LegalHold.objects.standing().count(),
        policies=RetentionPolicy.objects.select_related("regime"),
        erasures=Erasure.objects.select_related("complaint")[:20],
    )  # fmt: skip
    return TemplateResponse(request, "compliance/overview.html", context)


@require_GET
@compliance_page("compliance.view_seal")
def seal_list(request):
    report = verify_seals()
    context = page_context(request, _("Audit seals"), seals=Seal.objects.all()[:LISTED], problems=report.problems)
    return TemplateResponse(request, "compliance/seals.html", context)
