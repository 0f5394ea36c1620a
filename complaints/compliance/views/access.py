"""Who reaches the compliance pages: staff signed in to the console (its second factor
included) with the page's permission. Others are sent to sign in, or refused with a 403."""

from functools import wraps

from django.contrib import admin
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import User
from complaints.models import Complaint
from complaints.policies import is_conflicted


def page_context(request, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


def refused(request, message: str):
    context = page_context(request, _("Not allowed"), message=message)
    return TemplateResponse(request, "admin/console/refused.html", context, status=403)


def compliance_page(*permissions: str):
    """Staff signed in to the console holding any of these permissions."""

    def decorate(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not admin.site.has_permission(request):
                return HttpResponseRedirect(f"{reverse('admin:login')}?{urlencode({'next': request.get_full_path()})}")
            if not any(request.user.has_perm(permission) for permission in permissions):
                return refused(request, _("Your role does not give access to this page."))
            return view(request, *args, **kwargs)

        return checked

    return decorate


def complaint_for(user, pk: int) -> Complaint:
    """A complaint the person may read in full; 404 when they declared a conflict on it."""
    complaint = get_object_or_404(Complaint.objects.select_related("customer", "team", "assignee"), pk=pk)
    if is_conflicted(user, complaint):
        raise Http404
    return complaint


def find_customer(text: str) -> User | None:
    text = (text or "").strip()
    if not text:
        return None
    return User.objects.filter(Q(email__iexact=text) | Q(customer_profile__exchange_uid=text), is_staff=False).first()
