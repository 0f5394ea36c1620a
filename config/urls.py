from django.contrib import admin
from django.urls import include, path

from complaints.channels.api import api as intake_api
from complaints.downloads import evidence_download

urlpatterns = [
    path("admin/", include("complaints.reporting.urls")),  # reports and incidents, inside the console
    path("admin/compliance/", include("complaints.compliance.urls")),  # dossiers, audit log, seals, holds
    path("admin/", admin.site.urls),
    path("evidence/<int:pk>/download/", evidence_download, name="evidence-download"),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language (POST)
    path("api/v1/", intake_api.urls),  # the intake API for other channels; its schema at api/v1/openapi.json
    path("accounts/", include("accounts.urls")),
    path("", include("complaints.portal.urls")),
]

# A rate limit (django-ratelimit raises PermissionDenied) becomes a 429 with a clear sentence.
handler403 = "complaints.portal.views.permission_denied"
handler404 = "complaints.portal.views.page_not_found"
handler500 = "complaints.portal.views.server_error"
