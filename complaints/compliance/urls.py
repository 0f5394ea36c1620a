from django.urls import path

from .views import audit_log, dossier, holds, overview, subject_access

app_name = "compliance"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("audit-log/", audit_log.audit_log, name="audit-log"),
    path("seals/", overview.seal_list, name="seals"),
    path("complaints/<int:pk>/dossier/", dossier.dossier_page, name="dossier"),
    path("complaints/<int:pk>/dossier.<slug:fmt>", dossier.dossier_export, name="dossier-export"),
    path("holds/", holds.holds, name="holds"),
    path("holds/<int:pk>/lift/", holds.hold_lift, name="hold-lift"),
    path("subject-access/", subject_access.subject_access, name="subject-access"),
]
