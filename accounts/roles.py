"""Roles are Django groups; each carries the permissions its people need.

The data migration creates the groups from ROLE_PERMISSIONS; the services check the
permissions (not the group names), so a site may grant them differently.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SPECIALIST = "specialist", _("Specialist")
    SUPERVISOR = "supervisor", _("Supervisor")
    APPEALS_REVIEWER = "appeals_reviewer", _("Appeals reviewer")
    COMPLIANCE_OFFICER = "compliance_officer", _("Compliance officer")


_READ = [
    "complaints.view_complaint",
    "complaints.view_message",
    "complaints.view_evidence",
    "complaints.view_remedy",
    "complaints.view_complaintidentifier",
]
_WORK = _READ + [
    "complaints.change_complaint",
    "complaints.work_complaint",
    "complaints.add_message",
    "complaints.add_evidence",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CUSTOMER: [],
    Role.AGENT: _WORK + ["complaints.add_complaint"],
    Role.SPECIALIST: _WORK,
    Role.SUPERVISOR: _WORK
    + [
        "complaints.add_complaint",
        "complaints.approve_resolution",
        "complaints.reopen_complaint",
        "complaints.place_legal_hold",
        "complaints.view_auditevent",
        "complaints.view_historicalcomplaint",
    ],
    Role.APPEALS_REVIEWER: _READ + ["complaints.decide_appeal", "complaints.add_message"],
    Role.COMPLIANCE_OFFICER: _READ
    + [
        "complaints.view_auditevent",
        "complaints.view_auditchain",
        "complaints.view_notification",
        "complaints.view_historicalcomplaint",
        "complaints.view_historicalmessage",
        "complaints.view_historicalevidence",
        "complaints.view_historicalremedy",
        "complaints.place_legal_hold",
        "accounts.view_user",
        "accounts.view_team",
        "accounts.view_staffprofile",
        "accounts.view_conflictofinterest",
    ],
}
