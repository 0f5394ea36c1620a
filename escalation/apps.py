from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("Deadlines and escalation")

    def ready(self):
        from . import signals  # noqa: F401 - configuration changes are audited
