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
    "complaints.view_cannedresponse",
    "complaints.view_historicalcomplaint",
    "complaints.view_auditevent",
    "channels.view_inboundemail",  # the inbound e-mail log and its quarantine (complaints.channels)
]
_KNOWLEDGE = [f"complaints.{verb}_{model}" for model in ("cannedresponse", "helparticle") for verb in ("add", "change", "delete", "view")]

# Deadlines and escalation: supervisors manage the configuration; everyone who works
# complaints sees the clocks, extensions, referrals and freeze requests; compliance reads all.
# Audited records stay read-only in the admin whatever these say.
_ESCALATION_CONFIGURATION = ["businesscalendar", "workinghours", "holiday", "slapolicy", "regime", "regimerule", "escalationrule"]
_ESCALATION_RECORDS = ["complaintclock", "deadlineextension", "externalreferral", "freezerequest", "supervisorqueueitem", "firing"]
_ESCALATION_WORKING = ["complaintclock", "deadlineextension", "externalreferral", "freezerequest"]


# Reports and incidents (complaints.reporting): whoever works complaints links them to
# incidents; supervisors curate root causes and act across an incident; supervisors and
# compliance read the reports.
_INCIDENT_WORK = ["reporting.view_incident", "reporting.add_incident", "reporting.change_incident",
                  "reporting.view_incidentlink", "reporting.add_incidentlink", "reporting.delete_incidentlink",
                  "reporting.view_rootcause"]  # fmt: skip
_REPORTS = ["reporting.view_reports"]
# Compliance pages (complaints.compliance): supervisors see the legal holds they place; the
# compliance officer reads dossiers, the audit log, seals, retention and erasures, and exports.
_COMPLIANCE_READ = [f"compliance.view_{model}" for model in ("legalhold", "seal", "retentionpolicy", "erasure")]
_COMPLIANCE_OFFICE = _COMPLIANCE_READ + [
    "compliance.view_dossier", "compliance.view_audit_log", "compliance.export_subject_access", "compliance.verify_audit",
]  # fmt: skip


def _escalation(verbs, models) -> list[str]:
    return [f"escalation.{verb}_{model}" for model in models for verb in verbs]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CUSTOMER: [],
    Role.AGENT: _WORK + ["complaints.add_complaint"] + _escalation(["view"], _ESCALATION_WORKING) + _INCIDENT_WORK,
    Role.SPECIALIST: _WORK + _escalation(["view"], _ESCALATION_WORKING) + _INCIDENT_WORK,
    Role.SUPERVISOR: _WORK
    + [
        "complaints.add_complaint",
        "complaints.approve_resolution",
        "complaints.reopen_complaint",
        "complaints.place_legal_hold",
    ]
    + _KNOWLEDGE
    + _escalation(["view", "add", "change", "delete"], _ESCALATION_CONFIGURATION)
    + _escalation(["view"], _ESCALATION_RECORDS)
    + _INCIDENT_WORK
    + _REPORTS
    + ["reporting.act_on_incident", "reporting.add_rootcause", "reporting.change_rootcause"]
    + ["compliance.view_legalhold"]
    + [f"channels.{verb}_integration" for verb in ("view", "add", "change")],  # intake API tokens
    Role.APPEALS_REVIEWER: _READ
    + ["complaints.decide_appeal", "complaints.add_message"]
    + _escalation(["view"], ["complaintclock", "externalreferral"]),
    Role.COMPLIANCE_OFFICER: _READ
    + [
        "complaints.view_auditevent",
        "complaints.view_auditchain",
        "complaints.view_notification",
        "complaints.view_historicalcomplaint",
        "complaints.view_historicalmessage",
        "complaints.view_historicalevidence",
        "complaints.view_historicalremedy",
        "complaints.view_cannedresponse",
        "complaints.view_helparticle",
        "complaints.place_legal_hold",
        "accounts.view_user",
        "accounts.view_team",
        "accounts.view_staffprofile",
        "accounts.view_conflictofinterest",
    ]
    + _escalation(["view"], _ESCALATION_CONFIGURATION + _ESCALATION_RECORDS)
    + _REPORTS
    + ["reporting.view_incident", "reporting.view_incidentlink", "reporting.view_rootcause", "reporting.view_decisionrootcause"]
    + _COMPLIANCE_OFFICE,
}
# Roles share building blocks (_READ, _WORK, …); each permission is granted once.
ROLE_PERMISSIONS = {role: list(dict.fromkeys(permissions)) for role, permissions in ROLE_PERMISSIONS.items()}
