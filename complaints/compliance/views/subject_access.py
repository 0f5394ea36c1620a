"""A customer's subject-access export (a ZIP), for compliance only; recorded on the system chain.
The customer is named in a POST, never in the URL."""

from django.http import FileResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from complaints.audit import audit_append

from ..exports import subject_access_zip
from ..forms import SubjectAccessForm
from .access import compliance_page, find_customer, page_context


@require_http_methods(["GET", "POST"])
@compliance_page("compliance.export_subject_access")
def subject_access(request):
    form = SubjectAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer = find_customer(form.cleaned_data["customer"])
        if customer is None:
            form.add_error("customer", _("No customer has this e-mail address or exchange UID."))
        else:
            return _export(request, customer, form.cleaned_data["include_internal"])
    return TemplateResponse(request, "compliance/subject_access.html", page_context(request, _("Subject-access export"), form=form))


def _export(request, customer, internal: bool):
    export = subject_access_zip(customer, internal=internal)
    audit_append(
        complaint=None, actor=request.user, action="subject_access_exported",
        data={"customer": customer.pk, "complaints": export.complaints, "files": export.files, "internal": internal},
    )  # fmt: skip
    response = FileResponse(export.file, as_attachment=True, filename=f"subject-access-{customer.pk}.zip", content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
