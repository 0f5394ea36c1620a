"""The staff report (console) and its CSV download."""

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from ..forms import ReportFilterForm
from ..presentation import tables
from ..queries import report

PERMISSION = "reporting.view_reports"


def _authorize(request) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def report_page(request):
    _authorize(request)
    form = ReportFilterForm(request.GET or None)
    context = {**admin.site.each_context(request), "title": _("Reports"), "form": form}
    if request.GET and not form.is_valid():
        return TemplateResponse(request, "reporting/report.html", context, status=400)
    if not request.GET:
        form = ReportFilterForm({})
        form.is_valid()
        context["form"] = form
    result = report(form.filters())
    context.update(report=result, tables=tables(result), filters=result.filters, query=request.GET.urlencode())
    return TemplateResponse(request, "reporting/report.html", context)


def report_csv(request):
    _authorize(request)
    form = ReportFilterForm(request.GET or {})
    if not form.is_valid():
        errors = "; ".join(message for messages in form.errors.values() for message in messages)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    filters = form.filters()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="redress-report-{filters.start}-{filters.end}.csv"'
    writer = csv.writer(response)
    writer.writerow([_("Table"), _("Row"), _("Column"), _("Value")])
    for table in tables(report(filters)).values():
        for row in table.rows:
            for column, value in zip(table.columns[1:], row[1:], strict=True):
                writer.writerow([table.title, row[0], column, "" if value is None else value])
    return response
