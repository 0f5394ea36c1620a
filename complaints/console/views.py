"""The console's admin views: act on one complaint, act on a selection, register a complaint.

Each view authorizes, validates a form, calls one service (through the form's `perform`) and
redirects. A refusal changes nothing: NotPermitted is a 403 page naming the reason, any other
ActionRefused (wrong state, stale form) a message on the complaint page, and a ValidationError
the form again with the error next to its field.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import services
from complaints.exceptions import ActionRefused, NotPermitted, WrongState
from complaints.models import Complaint

from . import services as console_services
from .actions import ACTIONS, Action, live_total
from .forms import IntakeForm

BULK_LIMIT = 500


def change_url(complaint: Complaint) -> str:
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


def refused(request, model_admin, message: str, status: int = 403):
    context = {**model_admin.admin_site.each_context(request), "title": _("Not allowed"), "message": message}
    return TemplateResponse(request, "admin/console/refused.html", context, status=status)


def _complaint(pk: int) -> Complaint:
    """The complaint an action page or post works on, with the people its page names."""
    return get_object_or_404(Complaint.objects.select_related("customer", "team", "assignee", "decider", "approver"), pk=pk)


def _perform(action: Action, form, complaint: Complaint) -> str:
    """Check the version under the row lock, then call the service: all or nothing."""
    with transaction.atomic():
        if action.check_version:
            locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
            console_services.ensure_current(locked, form.cleaned_data.get("version"))
        return form.perform()


def _render_form(request, model_admin, action: Action, form, complaint):
    """The action's form on a page of its own, with the decision when there is one (what an
    approver approves or returns, what an appeal reviews)."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"{action.label}: {complaint.reference}",
        "action": action,
        "form": form,
        "complaint": complaint,
        "opts": complaint._meta,
        "change_url": change_url(complaint),
    }
    if complaint.outcome or complaint.decider_id:
        context["proposed_total"] = live_total(complaint.remedies.all())
    return TemplateResponse(request, "admin/console/action_form.html", context, status=200)


@require_POST
def act(request, model_admin, pk: int, name: str):
    action = ACTIONS.get(name)
    complaint = _complaint(pk)
    if action is None or not model_admin.has_view_permission(request, complaint):
        raise Http404
    denial = action.refusal(request.user, complaint)
    if denial is not None:
        return refused(request, model_admin, denial.message)
    form = action.form_class(request.POST, request.FILES, complaint=complaint, user=request.user)
    try:
        if not action.applies(complaint):
            raise WrongState(
                _("This complaint is now %(state)s, so “%(action)s” is no longer possible. Nothing was changed.")
                % {"state": complaint.get_state_display().lower(), "action": action.label}
            )
        if not form.is_valid():
            return _render_form(request, model_admin, action, form, complaint)
        done = _perform(action, form, complaint)
    except NotPermitted as error:
        return refused(request, model_admin, error.message)
    except ActionRefused as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(change_url(complaint))
    except ValidationError as error:
        form.add_service_errors(error)
        return _render_form(request, model_admin, action, form, complaint)
    messages.success(request, done)
    return HttpResponseRedirect(change_url(complaint))


def action_form(request, model_admin, pk: int, name: str):
    """GET: the action's form on a page of its own; the complaint page links each action here."""
    if request.method == "POST":
        return act(request, model_admin, pk, name)
    action = ACTIONS.get(name)
    complaint = _complaint(pk)
    if action is None or not model_admin.has_view_permission(request, complaint):
        raise Http404
    denial = action.refusal(request.user, complaint)
    if denial is not None:
        return refused(request, model_admin, denial.message)
    form = action.form_class(complaint=complaint, user=request.user)
    return _render_form(request, model_admin, action, form, complaint)


# --- Bulk ---------------------------------------------------------------------------------------


def run_bulk(request, action: Action, complaints, data) -> tuple[int, list[str]]:
    """Apply one action to each complaint in its own transaction; a refusal names its complaint
    and the reason, and does not stop the others."""
    done, failures = 0, []
    for complaint in complaints:
        form = action.form_class(data, complaint=complaint, user=request.user)
        try:
            denial = action.refusal(request.user, complaint)
            if denial is not None:
                raise denial
            if not action.applies(complaint):
                raise WrongState(_("it is %(state)s") % {"state": complaint.get_state_display().lower()})
            if not form.is_valid():
                raise ValidationError(form.errors.as_text())
            with transaction.atomic():
                form.perform()
            done += 1
        except ActionRefused as error:
            failures.append(f"{complaint.reference}: {error.message}")
        except ValidationError as error:
            failures.append(f"{complaint.reference}: {' '.join(error.messages)}")
    return done, failures


def bulk_action(model_admin, request, queryset, name: str):
    """The admin action for a bulk step: an intermediate page with the step's form, then one
    result per complaint."""
    action = ACTIONS[name]
    selected = list(queryset.select_related("customer", "team", "assignee")[: BULK_LIMIT + 1])
    if len(selected) > BULK_LIMIT:
        model_admin.message_user(request, _("Select at most %(n)d complaints for one bulk step.") % {"n": BULK_LIMIT}, messages.ERROR)
        return None
    example = selected[0]
    data = request.POST if "apply" in request.POST else None
    form = action.form_class(data, complaint=example, user=request.user)
    if data is not None and form.is_valid():
        done, failures = run_bulk(request, action, selected, request.POST)
        if done:
            model_admin.message_user(request, _("%(action)s: done for %(n)d complaint(s).") % {"action": action.label, "n": done}, messages.SUCCESS)
        for failure in failures:
            model_admin.message_user(request, _("Not done for %(failure)s") % {"failure": failure}, messages.ERROR)
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("%(action)s: %(n)d complaint(s)") % {"action": action.label, "n": len(selected)},
        "action": action,
        "action_name": request.POST.get("action"),
        "form": form,
        "complaints": selected,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/console/bulk_form.html", context)


# --- Intake -----------------------------------------------------------------------------------------


def intake(request, model_admin):
    if not request.user.has_perm("complaints.add_complaint"):
        return refused(request, model_admin, _("Your role does not allow registering complaints for customers."))
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                customer, created = console_services.customer_find_or_create(
                    actor=request.user, email=data.get("email") or "", exchange_uid=data.get("exchange_uid") or "",
                    name=data.get("name") or "", language=data["language"],
                )  # fmt: skip
                complaint = services.complaint_file(customer=customer, filing=form.filing(), filed_by=request.user)
        except NotPermitted as error:
            return refused(request, model_admin, error.message)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            note = _(" (new customer)") if created else ""
            messages.success(request, _("Registered %(ref)s for %(customer)s%(note)s.") % {"ref": complaint.reference, "customer": customer, "note": note})
            return HttpResponseRedirect(change_url(complaint))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Register a complaint for a customer"),
        "form": form,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/console/intake.html", context)
