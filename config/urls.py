from django.contrib import admin
from django.urls import path

from complaints.downloads import evidence_download

urlpatterns = [
    path("admin/", admin.site.urls),
    path("evidence/<int:pk>/download/", evidence_download, name="evidence-download"),
]
