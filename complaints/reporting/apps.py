from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "complaints.reporting"
    label = "reporting"
    verbose_name = _("Reports, root causes and incidents")
    default_auto_field = "django.db.models.BigAutoField"
