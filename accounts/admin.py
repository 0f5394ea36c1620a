"""People, teams and conflicts in the console.

Changes to roles, limits and staff flags are recorded on the system audit chain by
accounts.signals, wherever they are made. The user list may hold a million customers, so it is
never counted in full and shows each person's roles and second factor without a query per row.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.console.queues import CappedCountPaginator

from .models import ConflictOfInterest, CustomerProfile, StaffProfile, Team, User


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    extra = 0


class CustomerProfileInline(admin.StackedInline):
    model = CustomerProfile
    extra = 0


class StaffFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("staff", _("Staff")), ("customers", _("Customers"))]

    def queryset(self, request, queryset):
        if self.value() == "staff":
            return queryset.filter(is_staff=True)
        if self.value() == "customers":
            return queryset.filter(is_staff=False)
        return queryset


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "roles", "two_factor", "is_staff", "is_active"]
    list_filter = [StaffFilter, "is_active", "groups"]
    search_fields = ["=email", "first_name", "last_name", "=customer_profile__exchange_uid"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedCountPaginator
    inlines = [StaffProfileInline, CustomerProfileInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def get_queryset(self, request):
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).prefetch_related("groups").annotate(has_totp=Exists(confirmed))

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return ", ".join(sorted(group.name for group in obj.groups.all())) or "—"

    @admin.display(description=_("2FA"), boolean=True)
    def two_factor(self, obj):
        return obj.has_totp if obj.is_staff else None


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(admin.ModelAdmin):
    """Declared from the complaint page (an audited service); here they are listed, and may be
    recorded against a customer. Never changed or withdrawn: that would undo a recusal."""

    list_display = ["staff", "complaint", "customer", "declared_at"]
    list_select_related = ["staff", "complaint", "customer"]
    raw_id_fields = ["staff", "complaint", "customer"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
