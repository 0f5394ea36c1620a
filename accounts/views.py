"""Customer accounts: sign up, e-mail verification, sign in and out, password reset, profile.

Rule for unverified e-mail addresses: a new customer is signed in straight after signing up
and can look around, but must confirm their address (the link we e-mail) before filing a
complaint, so every acknowledgement and decision reaches a mailbox they control.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.mail import EmailMultiAlternatives
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from complaints.portal.access import _posted, customer_required, rate

from .forms import CustomerPasswordResetForm, ProfileForm, SignInForm, SignUpForm
from .models import CustomerProfile, User
from .tokens import email_verification_token

_MODEL_BACKEND = "accounts.backends.ProfileModelBackend"


def _remember_language(response, language: str):
    """Show the portal in the customer's language from now on (Django keeps it in a cookie)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )  # fmt: skip
    return response


def _profile_of(user) -> CustomerProfile:
    profile, _created = CustomerProfile.objects.get_or_create(user=user)
    return profile


def send_verification_email(request, user: User) -> None:
    profile = _profile_of(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = request.build_absolute_uri(
        reverse("accounts:verify-email", args=[uid, email_verification_token.make_token(user)])
    )
    context = {"user": user, "link": link, "desk_email": settings.REDRESS_DESK_EMAIL}
    with translation.override(profile.language):
        subject = " ".join(render_to_string("emails/verify_email_subject.txt", context).split())
        email = EmailMultiAlternatives(
            subject=subject, body=render_to_string("emails/verify_email.txt", context), to=[user.email]
        )
        email.attach_alternative(render_to_string("emails/verify_email.html", context), "text/html")
    email.send()


@ratelimit(key="ip", rate=rate("REDRESS_RATE_SIGN_UP", "5/h"), method="POST")
@require_http_methods(["GET", "POST"])
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("portal:complaint-list")
    initial = {"language": translation.get_language() or settings.LANGUAGE_CODE}
    form = SignUpForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend=_MODEL_BACKEND)
        send_verification_email(request, user)
        return _remember_language(redirect("accounts:verify-sent"), form.cleaned_data["language"])
    return render(request, "registration/signup.html", {"form": form})


@customer_required
@require_http_methods(["GET"])
def verify_sent(request):
    return render(request, "registration/verify_sent.html", {"profile": _profile_of(request.user)})


@customer_required
@ratelimit(key="user", rate=rate("REDRESS_RATE_VERIFY_RESEND", "3/h"), method="POST")
@require_POST
def verify_resend(request):
    if _profile_of(request.user).email_verified_at:
        messages.info(request, _("Your e-mail address is already confirmed."))
        return redirect("portal:complaint-list")
    send_verification_email(request, request.user)
    messages.success(request, _("We sent you a new confirmation link. It is valid for three days."))
    return redirect("accounts:verify-sent")


def _user_from_link(uidb64: str, token: str) -> User:
    try:
        user = User.objects.select_related("customer_profile").get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        raise Http404("No such link.") from None
    if user.is_staff or not email_verification_token.check_token(user, token):
        raise Http404("No such link.")
    return user


@require_http_methods(["GET", "POST"])
def verify_email(request, uidb64: str, token: str):
    """The link asks for one click to confirm: mail scanners that fetch links confirm nothing."""
    try:
        user = _user_from_link(uidb64, token)
    except Http404:
        return render(request, "registration/verify_invalid.html", status=400)
    if request.method == "POST":
        profile = _profile_of(user)
        profile.email_verified_at = timezone.now()
        profile.save(update_fields=["email_verified_at"])
        messages.success(request, _("Thank you: your e-mail address is confirmed. You can now file a complaint."))
        if request.user.is_authenticated and request.user.pk == user.pk:
            return redirect("portal:complaint-new")
        return redirect("accounts:sign-in")
    return render(request, "registration/verify_confirm.html")


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    next_page = reverse_lazy("portal:complaint-list")
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        profile = getattr(form.get_user(), "customer_profile", None)
        return _remember_language(response, profile.language) if profile else response


sign_in = ratelimit(key="ip", rate=rate("REDRESS_RATE_SIGN_IN", "10/m"), method="POST")(SignInView.as_view())
sign_out = auth_views.LogoutView.as_view(next_page=reverse_lazy("portal:home"))

password_reset = ratelimit(key="ip", rate=rate("REDRESS_RATE_PASSWORD_RESET", "5/h"), method="POST")(
    auth_views.PasswordResetView.as_view(
        form_class=CustomerPasswordResetForm,
        template_name="registration/password_reset_form.html",
        subject_template_name="emails/password_reset_subject.txt",
        email_template_name="emails/password_reset.txt",
        html_email_template_name="emails/password_reset.html",
        success_url=reverse_lazy("accounts:password-reset-done"),
        extra_email_context={"desk_email": settings.REDRESS_DESK_EMAIL},
    )
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password-reset-complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html"
)


@customer_required
@require_http_methods(["GET", "POST"])
def profile(request):
    profile = _profile_of(request.user)
    form = ProfileForm(_posted(request), instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        with translation.override(profile.language):
            messages.success(request, _("Your profile is saved."))
        return _remember_language(redirect("accounts:profile"), profile.language)
    return render(request, "registration/profile.html", {"form": form, "profile": profile})
