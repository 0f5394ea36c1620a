"""The console's own changes, each audited like a transition.

The few fields staff may correct directly on the complaint page (summary, subcategory,
priority, root cause) change here: the row is locked, the form's version is checked so a save
made from a stale page is refused, one history row is written with the changed field names as
its reason, and an `edit` audit event records the field names (never the text).
"""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import CustomerProfile, User
from accounts.roles import Role
from complaints import policies
from complaints.audit import audit_append
from complaints.choices import SUBCATEGORIES, Priority
from complaints.exceptions import NotPermitted, WrongState
from complaints.models import Complaint

EDITABLE_FIELDS = ("summary", "subcategory", "priority", "root_cause")


class StaleForm(WrongState):
    """The page was opened before someone else changed the complaint."""


STALE_MESSAGE = gettext_lazy(
    "Someone changed this complaint after you opened it, so nothing was saved. "
    "The page now shows the current version: check it and try again."
)


def ensure_current(complaint: Complaint, version) -> None:
    if version is None or int(version) != complaint.version:
        raise StaleForm(str(STALE_MESSAGE))


def _checked_changes(complaint: Complaint, changes: dict) -> dict:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field can't be edited directly.") for field in sorted(unknown)})
    checked = {key: (value or "").strip() for key, value in changes.items()}
    if "summary" in checked and not checked["summary"]:
        raise ValidationError({"summary": _("The summary can't be empty.")})
    if len(checked.get("summary", "")) > 200:
        raise ValidationError({"summary": _("Keep the summary under 200 characters.")})
    if checked.get("subcategory") and checked["subcategory"] not in {code for code, _label in SUBCATEGORIES.get(complaint.category, [])}:
        raise ValidationError({"subcategory": _("Choose a subcategory of the complaint's category.")})
    if "priority" in checked and checked["priority"] not in Priority.values:
        raise ValidationError({"priority": _("Choose a priority.")})
    if len(checked.get("root_cause", "")) > 64:
        raise ValidationError({"root_cause": _("Keep the root cause under 64 characters.")})
    return checked


def _apply(complaint: Complaint, actor, changes: dict) -> list[str]:
    policies.ensure_can_work(actor, complaint)
    if not complaint.is_open:
        raise WrongState(_("A closed complaint can't be edited."))
    checked = _checked_changes(complaint, changes)
    changed = [field for field, value in checked.items() if getattr(complaint, field) != value]
    if not changed:
        return []
    for field in changed:
        setattr(complaint, field, checked[field])
    complaint._change_reason = f"edit: {', '.join(changed)}"
    complaint._history_user = actor
    complaint.save()
    audit_append(complaint=complaint, actor=actor, action="edit", data={"fields": changed})
    return changed


@transaction.atomic
def complaint_edit(*, complaint: Complaint, actor, version: int, changes: dict) -> list[str]:
    """Correct fields staff edit directly; refused when the form's version is stale.
    Returns the names of the fields that changed (none: nothing written)."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    ensure_current(locked, version)
    return _apply(locked, actor, changes)


@transaction.atomic
def complaint_set_priority(*, complaint: Complaint, actor, priority: str) -> list[str]:
    """The bulk action's change of priority: the same audited edit, on the current version."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    return _apply(locked, actor, {"priority": priority})


@transaction.atomic
def customer_find_or_create(*, actor, email: str = "", exchange_uid: str = "", name: str = "", language: str = "en") -> tuple[User, bool]:
    """Find the customer an agent registers a complaint for, by e-mail or exchange UID; create
    them (with no password: they set one when they first use the portal) when neither matches."""
    if not actor.has_perm("complaints.add_complaint"):
        raise NotPermitted(_("Your role does not allow registering complaints for customers."))
    email, exchange_uid = email.strip().lower(), exchange_uid.strip()
    if not email and not exchange_uid:
        raise ValidationError({"email": _("Give the customer's e-mail address or exchange UID.")})
    by_uid = CustomerProfile.objects.select_related("user").filter(exchange_uid=exchange_uid).first() if exchange_uid else None
    by_email = User.objects.filter(email=email).first() if email else None
    if by_uid and by_email and by_uid.user_id != by_email.pk:
        raise ValidationError({"exchange_uid": _("This UID belongs to another customer than the e-mail address.")})
    found = by_email or (by_uid.user if by_uid else None)
    if found is not None:
        if found.is_staff:
            raise ValidationError({"email": _("This address belongs to a member of staff, not a customer.")})
        return found, False
    if not email:
        raise ValidationError({"email": _("No customer has this UID: give their e-mail address to register them.")})
    first, _space, last = name.strip().partition(" ")
    customer = User.objects.create_user(email=email, first_name=first, last_name=last)
    CustomerProfile.objects.create(user=customer, exchange_uid=exchange_uid or None, language=language)
    customer.groups.add(Group.objects.get(name=Role.CUSTOMER))
    return customer, True
