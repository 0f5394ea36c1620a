from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ConflictOfInterest, CustomerProfile, StaffProfile, Team, User


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    extra = 0


class CustomerProfileInline(admin.StackedInline):
    model = CustomerProfile
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name", "customer_profile__exchange_uid"]
    inlines = [StaffProfileInline, CustomerProfileInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(admin.ModelAdmin):
    list_display = ["staff", "complaint", "customer", "declared_at"]
    raw_id_fields = ["staff", "complaint", "customer"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
