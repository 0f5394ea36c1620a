from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .roles import Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractUser):
    """A person who signs in with their e-mail address: a customer or a member of staff."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        # Staff are a few hundred among hundreds of thousands of customers: the console's
        # assignee and filter lists read staff through this index, not the whole table.
        indexes = [models.Index(fields=["email"], condition=models.Q(is_staff=True), name="user_staff_by_email")]

    def __str__(self):
        return self.get_full_name() or self.email

    def has_role(self, role: Role) -> bool:
        # Prefetch-friendly: reads the cached groups when the caller prefetched them.
        return any(group.name == role for group in self.groups.all())

    @property
    def is_customer(self) -> bool:
        return not self.is_staff

    @property
    def approval_limit(self) -> Decimal:
        profile = getattr(self, "staff_profile", None)
        return profile.approval_limit if profile else Decimal(0)


class Team(models.Model):
    class Code(models.TextChoices):
        CUSTOMER_SERVICE = "customer_service", _("Customer service")
        TRADE_RISK = "trade_risk", _("Trade risk")
        SECURITY = "security", _("Security")
        TECHNICAL = "technical", _("Technical")
        KYC = "kyc", _("KYC")
        LEGAL = "legal", _("Legal")
        APPEALS = "appeals", _("Appeals")

    code = models.CharField(max_length=32, unique=True, choices=Code.choices)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    """What a member of staff may do beyond their role: their team and their approval limit."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    approval_limit = models.DecimalField(
        max_digits=38,
        decimal_places=18,
        default=Decimal(0),
        help_text=_("The largest total of remedies, in the reference currency, this person may grant alone."),
    )
    out_of_office = models.BooleanField(default=False)

    def __str__(self):
        return f"{self.user} ({self.team or 'no team'})"


class CustomerProfile(models.Model):
    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        CHINESE = "zh-hans", "简体中文"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_profile"
    )
    exchange_uid = models.CharField(
        _("exchange UID"), max_length=64, unique=True, null=True, blank=True
    )
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    verified = models.BooleanField(
        default=False, help_text=_("Identity verified by the exchange (KYC passed).")
    )
    email_verified_at = models.DateTimeField(null=True, blank=True)
    jurisdiction = models.CharField(
        max_length=2, blank=True, help_text=_("ISO 3166 country code; picks the regulatory regime.")
    )

    def __str__(self):
        return f"{self.user} ({self.exchange_uid or 'no UID'})"


class ConflictOfInterest(models.Model):
    """A member of staff declares they must not handle a complaint, or any complaint of a customer."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts"
    )
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.CASCADE, related_name="conflicts"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="conflicts_declared_against",
    )
    declared_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(complaint__isnull=False) | Q(customer__isnull=False),
                name="conflict_names_complaint_or_customer",
            ),
            models.UniqueConstraint(fields=["staff", "complaint"], name="one_conflict_per_complaint"),
        ]

    def __str__(self):
        return f"{self.staff} ↔ {self.complaint or self.customer}"
