"""The compliance records in the console: read-only. Holds are placed and lifted on the
compliance pages (through the service, audited); seals and erasures are evidence; retention
periods are configuration a superuser edits (each change on the system chain)."""

from django.contrib import admin

from complaints.admin import ReadOnlyAdminMixin

from .models import Erasure, LegalHold, RetentionPolicy, Seal


@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "complaint", "customer", "placed_by", "placed_at", "lifted_at"]
    list_select_related = ["complaint", "customer", "placed_by"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]


@admin.register(Seal)
class SealAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["seq", "sealed_at", "chain_count", "digest", "published_at"]


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["complaint", "erased_at", "actor"]
    list_select_related = ["complaint", "actor"]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["regime", "years"]
    list_select_related = ["regime"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
