"""The admin site: saved queues on the index, and a second factor for staff.

With settings.REDRESS_STAFF_REQUIRE_2FA (on by default outside the demo) the site is
django-otp's OTPAdminSite: only a session verified by a TOTP device may use it. Staff who have
no device yet sign in with their password and are sent to enrol one (a QR code for their
authenticator app); confirming a code from it verifies the session. Someone who already has a
device must use it: they can't enrol another with a password alone.
"""

import base64

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp import devices_for_user, user_has_device
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.plugins.otp_totp.models import TOTPDevice

from .queues import saved_queues


def second_factor_required() -> bool:
    return settings.REDRESS_STAFF_REQUIRE_2FA


class ConsoleLoginForm(OTPAdminAuthenticationForm):
    """Password, then the TOTP code when the person has a device. Without one the password
    signs them in unverified, and the site only lets them enrol."""

    def clean(self):
        self.cleaned_data = AdminAuthenticationForm.clean(self)
        user = self.get_user()
        if user is not None and user_has_device(user):
            self.clean_otp(user)
        return self.cleaned_data

    def _chosen_device(self, user):
        # Most people have one authenticator: use it rather than asking them to pick it.
        chosen = super()._chosen_device(user)
        if chosen is None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user))
            if len(devices) == 1:
                return devices[0]
        return chosen


class ConsoleSite(OTPAdminSite):
    site_header = gettext_lazy("Redress agent console")
    site_title = gettext_lazy("Redress console")
    index_title = gettext_lazy("Queues")
    enable_nav_sidebar = False

    def __init__(self, name="admin"):
        super().__init__(name)

    @property
    def login_form(self):
        return ConsoleLoginForm if second_factor_required() else AdminAuthenticationForm

    @property
    def login_template(self):
        return "otp/admin111/login.html" if second_factor_required() else None

    def has_permission(self, request):
        staff = request.user.is_active and request.user.is_staff
        if not second_factor_required():
            return staff
        return staff and request.user.is_verified()

    def needs_enrolment(self, request) -> bool:
        user = request.user
        return (
            second_factor_required() and user.is_authenticated and user.is_active and user.is_staff
            and not user.is_verified() and not user_has_device(user)
        )  # fmt: skip

    def login(self, request, extra_context=None):
        if request.method == "GET" and self.needs_enrolment(request):
            return HttpResponseRedirect(reverse("admin:otp-enrol"))
        return super().login(request, extra_context)

    def index(self, request, extra_context=None):
        extra = {"saved_queues": saved_queues(request.user), **(extra_context or {})}
        return super().index(request, extra)

    def get_app_list(self, request, app_label=None):
        """Built when first read: every page's context holds it (available_apps) for the
        navigation sidebar, which is off here, and building it checks every model's
        permissions (~1.7 ms a page). The index reads it."""
        build = super().get_app_list
        return SimpleLazyObject(lambda: build(request, app_label))

    def each_context(self, request):
        context = super().each_context(request)
        context["second_factor_required"] = second_factor_required()
        return context

    def get_urls(self):
        return [path("otp/enrol/", self.enrol_view, name="otp-enrol"), *super().get_urls()]

    # --- enrolment -----------------------------------------------------------------------------

    def enrol_view(self, request):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return HttpResponseRedirect(f"{reverse('admin:login')}?next={request.path}")
        if user_has_device(user, confirmed=True) and not user.is_verified():
            messages.error(request, _("You already have an authenticator: sign in with its code first."))
            return HttpResponseRedirect(reverse("admin:login"))
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="authenticator", confirmed=False
        )
        form = EnrolForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if device.verify_token(form.cleaned_data["token"]):
                device.confirmed = True
                device.save()
                otp_login(request, device)
                messages.success(request, _("Your authenticator is set up; this session is verified."))
                return HttpResponseRedirect(reverse("admin:index"))
            form.add_error("token", _("That code is not right. Check the time on your phone and try the current code."))
        context = {
            **self.each_context(request),
            "title": _("Set up two-factor sign-in"),
            "form": form,
            "qr": qr_data_uri(device.config_url),
            "secret": base64.b32encode(device.bin_key).decode(),
            "has_confirmed": user_has_device(user, confirmed=True),
        }
        return TemplateResponse(request, "admin/console/otp_enrol.html", context)


class EnrolForm(forms.Form):
    token = forms.CharField(max_length=8, label=gettext_lazy("Code from your authenticator app"),
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))  # fmt: skip


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI (the CSP allows data: images, not inline markup)."""
    return segno.make(text, error="m").svg_data_uri(scale=5, border=2)
