"""Portal views: authorize (404 for anything not the customer's), validate a form, call one
service, redirect. A refused action becomes a message on the complaint page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from .. import services
from ..choices import Category, Visibility
from ..exceptions import ActionRefused, WrongState
from ..models import AuditEvent, Complaint, Evidence, HelpArticle
from . import status
from .access import _get_complaint_for_customer, _posted, customer_required, rate
from .forms import (
    CATEGORY_HELP,
    AppealForm,
    DisputeForm,
    FilingForm,
    RatingForm,
    ReplyForm,
    WithdrawForm,
    evidence_limits,
    new_form_token,
)

PAGE_SIZE = 20
_LIST_FIELDS = ("reference", "summary", "state", "received_at", "updated_at", "category")


def _detail(complaint):
    return redirect("portal:complaint-detail", reference=complaint.reference)


def _show_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the field it names (or above the form)."""
    details = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for name, problems in details.items():
        form.add_error(name if name in form.fields else None, problems)


def _email_verified(user) -> bool:
    profile = getattr(user, "customer_profile", None)
    return bool(profile and profile.email_verified_at)


# --- Pages ---------------------------------------------------------------------------------------------


@require_GET
def home(request):
    if request.user.is_authenticated and not request.user.is_staff:
        return redirect("portal:complaint-list")
    return render(request, "portal/home.html")


@customer_required
@require_GET
def complaint_list(request):
    complaints = Complaint.objects.of_customer(request.user).only(*_LIST_FIELDS).order_by("-received_at", "-id")
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(complaint, status.customer_state(complaint), status.phase_label(complaint)) for complaint in page]
    return render(request, "portal/complaint_list.html", {"page": page, "rows": rows})


def _help_articles(language: str) -> list[dict]:
    """Published articles per category in the page's language, falling back to English."""
    articles = HelpArticle.objects.filter(is_published=True, language__in={language, "en"})
    by_category: dict[str, dict[str, list]] = {}
    for article in articles.only("category", "language", "title", "body"):
        by_category.setdefault(article.category, {}).setdefault(article.language, []).append(article)
    return [
        {"category": code, "label": label, "articles": found.get(language) or found.get("en")}
        for code, label in Category.choices
        if (found := by_category.get(code))
    ]


def _filing_context(request, form) -> dict:
    return {
        "form": form,
        "help_sections": _help_articles(translation.get_language() or "en"),
        "category_help": [(code, label, CATEGORY_HELP.get(code, "")) for code, label in Category.choices],
        "limits": evidence_limits(),
        "verified": _email_verified(request.user),
    }


def _file(request, form):
    """Call the service; return the complaint, or None with the errors put on the form."""
    filing = form.filing(language=translation.get_language() or "en")
    try:
        return services.complaint_file(
            customer=request.user, filing=filing, evidence_files=form.cleaned_data["evidence"],
            intake_key=f"portal:{request.user.pk}:{form.cleaned_data['form_token']}",
            power_of_attorney=form.cleaned_data["power_of_attorney"] if form.cleaned_data["on_behalf"] else None,
        )  # fmt: skip
    except ValidationError as error:
        _show_errors(form, error)
    except ActionRefused as refused:
        form.add_error(None, refused.message)
    return None


@customer_required
@ratelimit(key="user", rate=rate("REDRESS_RATE_FILE", "10/h"), method="POST")
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    if request.method == "GET":
        form = FilingForm(initial={"form_token": new_form_token()})
        return render(request, "portal/complaint_form.html", _filing_context(request, form))
    if not _email_verified(request.user):
        messages.error(request, _("Please confirm your e-mail address before filing: use the link we e-mailed you."))
        return redirect("portal:complaint-new")
    form = FilingForm(request.POST, request.FILES)
    if form.is_valid() and (complaint := _file(request, form)):
        return redirect("portal:complaint-filed", reference=complaint.reference)
    return render(request, "portal/complaint_form.html", _filing_context(request, form), status=400)


@customer_required
@require_GET
def complaint_filed(request, reference):
    complaint = _get_complaint_for_customer(request, reference)
    return render(request, "portal/complaint_filed.html", {"complaint": complaint, "steps": _steps(request, complaint, [])})


def _steps(request, complaint, messages_):
    actions = status.customer_actions(request.user, complaint)
    staff_replied = any(message.author_id != complaint.customer_id for message in messages_)
    return status.next_steps(complaint, actions, staff_replied=staff_replied)


def _visible_evidence(complaint, evidence, public_ids) -> list[Evidence]:
    """The customer's own files, and files staff attached to a public reply; never staff-collected
    material or anything attached to an internal note."""
    own = {complaint.customer_id, complaint.filed_by_id}
    return [
        item for item in evidence
        if (item.message_id is None and item.uploaded_by_id in own and item.purpose != Evidence.Purpose.COLLECTED)
        or item.message_id in public_ids
    ]  # fmt: skip


def _detail_context(request, complaint, forms=None) -> dict:
    public = list(complaint.messages.filter(visibility=Visibility.PUBLIC))  # query: public messages
    evidence = _visible_evidence(complaint, complaint.evidence.all(), {m.pk for m in public})  # query: evidence
    remedies = list(complaint.remedies.all())  # query: remedies
    events = AuditEvent.objects.filter(complaint=complaint, action__in=status.TIMELINE_ACTIONS).only(
        "at", "action", "actor_id", "data"
    ).order_by("seq")  # query: the complaint's audit events
    actions = status.customer_actions(request.user, complaint)
    forms = forms or {}
    return {
        "complaint": complaint,
        "state": status.customer_state(complaint),
        "steps": status.next_steps(complaint, actions, staff_replied=any(m.author_id != complaint.customer_id for m in public)),
        "phases": status.phase_steps(complaint),
        "actions": actions,
        "timeline": status.build_timeline(complaint, events=events, messages=public, evidence=evidence, remedies=remedies),
        "filed_files": [item for item in evidence if item.message_id is None],
        "remedies": [(remedy, status.remedy_label(remedy), status.REMEDY_STATE[remedy.state]) for remedy in remedies if remedy.state != "cancelled"],
        "identifiers": list(complaint.identifiers.all()),  # query: order IDs and hashes
        "reply_form": forms.get("reply") or ReplyForm(),
        "dispute_form": forms.get("dispute") or DisputeForm(),
        "appeal_form": forms.get("appeal") or AppealForm(),
        "rating_form": forms.get("rate") or RatingForm(),
        "limits": evidence_limits(),
        "subcategory": status.subcategory_label(complaint),
        "disputed_amount": status.amount(complaint.disputed_amount),
        "rating": complaint.rating if status.has_rating(complaint) else None,
    }


def _complaint_for_page(request, reference):
    # query: the complaint with its rating and the original of a duplicate
    queryset = Complaint.objects.select_related("rating", "duplicate_of")
    return _get_complaint_for_customer(request, reference, queryset)


@customer_required
@require_GET
def complaint_detail(request, reference):
    complaint = _complaint_for_page(request, reference)
    return render(request, "portal/complaint_detail.html", _detail_context(request, complaint))


def _act(request, reference, form_class, name, act):
    """Validate a form and run one service; a refusal becomes a message on the complaint page."""
    complaint = _get_complaint_for_customer(request, reference)
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is not None and not form.is_valid():
        return _invalid(request, reference, name, form)
    try:
        act(complaint, form.cleaned_data if form else {})
    except ActionRefused as refused:
        messages.error(request, refused.message)
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
        else:
            _show_errors(form, error)
            return _invalid(request, reference, name, form)
    return None


def _invalid(request, reference, name, form):
    complaint = _complaint_for_page(request, reference)
    return render(request, "portal/complaint_detail.html", _detail_context(request, complaint, {name: form}), status=400)


# --- Actions -------------------------------------------------------------------------------------------


def _reply(user, complaint, data):
    """Answer a request for information, reopen by replying, or add a message; then attach files."""
    kind = status.customer_actions(user, complaint).reply
    body = data["body"]
    if kind is None:
        raise WrongState(_("This complaint is closed, so it takes no more replies. If something new has happened, please file a new complaint."))
    if kind == "answer":
        complaint = services.complaint_receive_information(complaint=complaint, actor=user, message=body)
    elif kind == "reopen":
        complaint = services.complaint_reopen(complaint=complaint, actor=user, reason=body)
    else:
        services.complaint_add_message(complaint=complaint, actor=user, body=body)
    message = complaint.messages.filter(author=user).latest("created_at", "id") if data["files"] else None
    for upload in data["files"]:
        services.evidence_attach(complaint=complaint, actor=user, upload=upload, message=message)


@customer_required
@ratelimit(key="user", rate=rate("REDRESS_RATE_REPLY", "30/h"), method="POST")
@require_POST
def complaint_reply(request, reference):
    def act(complaint, data):
        with transaction.atomic():
            _reply(request.user, complaint, data)
        messages.success(request, _("Your message was sent."))

    return _act(request, reference, ReplyForm, "reply", act) or redirect("portal:complaint-detail", reference=reference)


@customer_required
@require_POST
def complaint_accept(request, reference):
    def act(complaint, data):
        services.complaint_accept_resolution(complaint=complaint, actor=request.user)
        messages.success(request, _("You accepted our decision. We will now carry it out."))

    return _act(request, reference, None, "accept", act) or redirect("portal:complaint-detail", reference=reference)


@customer_required
@ratelimit(key="user", rate=rate("REDRESS_RATE_REPLY", "30/h"), method="POST")
@require_POST
def complaint_dispute(request, reference):
    def act(complaint, data):
        services.complaint_dispute_resolution(complaint=complaint, actor=request.user, reason=data["reason"])
        messages.success(request, _("We will look at our decision again and come back to you."))

    return _act(request, reference, DisputeForm, "dispute", act) or redirect("portal:complaint-detail", reference=reference)


@customer_required
@ratelimit(key="user", rate=rate("REDRESS_RATE_REPLY", "30/h"), method="POST")
@require_POST
def complaint_appeal(request, reference):
    def act(complaint, data):
        services.complaint_appeal(complaint=complaint, actor=request.user, grounds=data["grounds"])
        messages.success(request, _("Your appeal is registered. Someone who did not take the decision will review it."))

    return _act(request, reference, AppealForm, "appeal", act) or redirect("portal:complaint-detail", reference=reference)


@customer_required
@require_http_methods(["GET", "POST"])
def complaint_withdraw(request, reference):
    """A confirmation page first: withdrawing closes the complaint for good."""
    complaint = _get_complaint_for_customer(request, reference)
    allowed = status.customer_actions(request.user, complaint).withdraw
    form = WithdrawForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_withdraw(complaint=complaint, actor=request.user, reason=form.cleaned_data["reason"])
        except ActionRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Your complaint is withdrawn and closed."))
        return _detail(complaint)
    return render(request, "portal/complaint_withdraw.html", {"complaint": complaint, "form": form, "allowed": allowed},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


@customer_required
@require_POST
def complaint_rate(request, reference):
    def act(complaint, data):
        services.complaint_rate(complaint=complaint, actor=request.user, score=data["score"], comment=data["comment"])
        messages.success(request, _("Thank you for your rating."))

    return _act(request, reference, RatingForm, "rate", act) or redirect("portal:complaint-detail", reference=reference)


# --- Errors --------------------------------------------------------------------------------------------


def permission_denied(request, exception=None):
    """403, except a rate limit, which is a 429 with a sentence saying what to do."""
    if isinstance(exception, Ratelimited):
        return render(request, "portal/errors/429.html", status=429)
    return render(request, "portal/errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "portal/errors/404.html", status=404)


def server_error(request):
    # No request context: whatever broke (the database, a context processor) must not break this.
    return HttpResponseServerError(get_template("portal/errors/500.html").render())

