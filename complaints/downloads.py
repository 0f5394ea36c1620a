"""Evidence is served only here: after a permission check, as an attachment, never sniffed.

A customer may download the evidence of their own complaints; staff need the view_evidence
permission and no declared conflict. Anyone else gets 404, so ids reveal nothing. Every
download is recorded on the system audit chain.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from .audit import audit_append
from .choices import Visibility
from .models import Evidence
from .policies import is_conflicted


def _shown_to_customer(evidence: Evidence) -> bool:
    """A file on an internal note is part of the note; material staff collected is internal until
    they attach it to a public reply."""
    if evidence.message_id is not None:
        return evidence.message.visibility == Visibility.PUBLIC
    return evidence.purpose != Evidence.Purpose.COLLECTED


def may_download(user, evidence: Evidence) -> bool:
    complaint = evidence.complaint
    if user.pk == complaint.customer_id and not user.is_staff:
        return _shown_to_customer(evidence)
    return user.is_staff and user.has_perm("complaints.view_evidence") and not is_conflicted(user, complaint)


def _evidence_for(user, pk: int) -> Evidence:
    evidence = get_object_or_404(Evidence.objects.select_related("complaint", "message"), pk=pk)
    if not may_download(user, evidence):
        raise Http404("No evidence here.")
    return evidence


@require_GET
@login_required
def evidence_download(request, pk: int):
    evidence = _evidence_for(request.user, pk)
    audit_append(
        complaint=None, actor=request.user, action="evidence_downloaded",
        data={"evidence": evidence.pk, "complaint": evidence.complaint_id, "sha256": evidence.sha256},
    )  # fmt: skip
    response = FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name,
        content_type=evidence.content_type,
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
