"""Root causes and incidents in the console. An incident's complaints are linked and acted on
from its own page (views/incidents.py), which calls the services; the admin edits only the
incident's own fields. Facts and roll-ups are derived tables: not in the admin."""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Incident, RootCause


@admin.register(RootCause)
class RootCauseAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request, obj=None):
        return False  # tags refer to it: retire it with is_active instead


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "category", "asset", "started_at", "is_systemic", "page"]
    list_filter = ["status", "is_systemic", "category"]
    search_fields = ["title"]
    readonly_fields = ["created_by", "created_at"]
    fields = ["title", "description", "category", "asset", "started_at", "ended_at", "status", "is_systemic", "created_by", "created_at"]

    @admin.display(description=_("Complaints"))
    def page(self, incident):
        return format_html('<a href="{}">{}</a>', reverse("reporting:incident", args=[incident.pk]), _("Linked complaints and actions"))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("reporting:incident", args=[obj.pk]))

    def has_delete_permission(self, request, obj=None):
        return False
