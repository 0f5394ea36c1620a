from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "complaints.compliance"
    label = "compliance"
    verbose_name = _("Compliance")

    def ready(self):
        from . import erasers, signals  # noqa: F401 - built-in erasers; retention changes are audited

        erasers.register_builtin_erasers()
