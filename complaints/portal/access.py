"""Who may see what in the portal, and how fast they may act.

A customer reaches only their own complaints: anything else is a 404, so a guessed reference
reveals nothing. Staff work in the console, not here.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from ..models import Complaint


def customer_required(view):
    """Signed-out visitors go to the portal's sign-in; staff are told to use the console."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:sign-in"))
        if request.user.is_staff:
            return render(request, "portal/errors/staff.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _get_complaint_for_customer(request, reference: str, queryset=None) -> Complaint:
    """The signed-in customer's complaint with this reference, or 404."""
    queryset = Complaint.objects.all() if queryset is None else queryset
    try:
        return queryset.get(reference=reference, customer=request.user)
    except Complaint.DoesNotExist:
        raise Http404("No complaint here.") from None


def rate(setting: str, default: str):
    """A rate for django-ratelimit, read at request time so a deployment (or a test) can tune it."""

    def current(group, request):
        return getattr(settings, setting, default)

    return current


def _posted(request):
    """The POST data of a POST (even an empty one), else None for an unbound form."""
    return request.POST if request.method == "POST" else None
