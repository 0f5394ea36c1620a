"""Customer account forms: sign up, sign in, profile, password reset."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import CustomerProfile, User
from .roles import Role


def _exchange_uid_field():
    return forms.CharField(
        label=_("Exchange UID (optional)"),
        max_length=64,
        required=False,
        help_text=_("The user ID shown in your exchange account. It helps us find your orders faster."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )


def _language_field():
    return forms.ChoiceField(
        label=_("Language for e-mails and the portal"),
        choices=CustomerProfile.Language.choices,
    )


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not a common password and not only digits."),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    exchange_uid = _exchange_uid_field()
    language = _language_field()

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this e-mail address already exists. Sign in, or reset your password."),
                code="taken",
            )
        return email

    def clean_exchange_uid(self):
        uid = self.cleaned_data["exchange_uid"].strip()
        if uid and CustomerProfile.objects.filter(exchange_uid=uid).exists():
            raise forms.ValidationError(
                _("This exchange UID is already linked to another account. Contact us if it is yours."),
                code="taken",
            )
        return uid or None

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(email=cleaned.get("email") or "")
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    @transaction.atomic
    def save(self) -> User:
        data = self.cleaned_data
        user = User.objects.create_user(email=data["email"], password=data["password1"])
        CustomerProfile.objects.create(user=user, exchange_uid=data["exchange_uid"], language=data["language"])
        user.groups.add(Group.objects.get(name=Role.CUSTOMER))
        return user


class SignInForm(AuthenticationForm):
    """Django's form (it passes the request to authenticate(), which django-axes needs)."""

    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True, "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": _("That e-mail address and password don't match an account. Check both and try again."),
        "inactive": _("This account is disabled. Contact us if you think this is a mistake."),
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_staff:
            # Staff sign in to the console, with their second factor.
            raise forms.ValidationError(
                _("This sign-in is for customers. Staff sign in to the console."), code="staff"
            )


class ProfileForm(forms.ModelForm):
    field_order = ["first_name", "last_name", "exchange_uid", "language"]
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    exchange_uid = _exchange_uid_field()
    language = _language_field()

    class Meta:
        model = CustomerProfile
        fields = ["exchange_uid", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.instance.user
        self.fields["first_name"].initial = user.first_name
        self.fields["last_name"].initial = user.last_name

    def clean_exchange_uid(self):
        uid = self.cleaned_data["exchange_uid"].strip()
        taken = CustomerProfile.objects.filter(exchange_uid=uid).exclude(pk=self.instance.pk)
        if uid and taken.exists():
            raise forms.ValidationError(
                _("This exchange UID is already linked to another account. Contact us if it is yours."),
                code="taken",
            )
        return uid or None

    @transaction.atomic
    def save(self, commit=True):
        profile = super().save(commit=commit)
        user = profile.user
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])
        return profile


class CustomerPasswordResetForm(PasswordResetForm):
    """Django's form, sending the e-mail in the customer's own language."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def get_users(self, email):
        # Staff accounts are reset by a supervisor, not from the customer portal.
        return (user for user in super().get_users(email) if not user.is_staff)

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):  # fmt: skip
        profile = getattr(context["user"], "customer_profile", None)
        language = profile.language if profile else translation.get_language()
        with translation.override(language):
            super().send_mail(
                subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name
            )
