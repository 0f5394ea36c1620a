"""Staff pages, under the console (its sign-in and second factor): config/urls.py mounts
them at /admin/reports/ and /admin/incidents/."""

from django.contrib import admin
from django.urls import path

from .views import incidents, reports

app_name = "reporting"


def console(view):
    return admin.site.admin_view(view)


urlpatterns = [
    path("reports/", console(reports.report_page), name="report"),
    path("reports/report.csv", console(reports.report_csv), name="report-csv"),
    path("incidents/<int:pk>/", console(incidents.incident_page), name="incident"),
    path("incidents/<int:pk>/link/", console(incidents.incident_link_view), name="incident-link"),
    path("incidents/<int:pk>/unlink/", console(incidents.incident_unlink_view), name="incident-unlink"),
    path("incidents/<int:pk>/message/", console(incidents.incident_message_view), name="incident-message"),
    path("incidents/<int:pk>/propose/", console(incidents.incident_propose_view), name="incident-propose"),
]
