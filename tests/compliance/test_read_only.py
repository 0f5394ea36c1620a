"""The compliance officer reads everything and changes nothing: every admin POST is refused
and leaves the database as it was. Their one action is placing and lifting a legal hold, on
the compliance pages, through the audited service (test_holds.py)."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.urls import NoReverseMatch, reverse

from complaints import services
from complaints.console.actions import ACTIONS
from complaints.models import Complaint
from tests.lifecycle import investigate

from .conftest import file


def fingerprint() -> dict:
    """Row counts of every table, and the complaints' version numbers (each save bumps one)."""
    counts = {model._meta.label: model._default_manager.count() for model in apps.get_models() if model._meta.managed}
    counts["complaint versions"] = Complaint.objects.aggregate(total=Sum("version"))["total"]
    return counts


@pytest.fixture
def world(alice, agent, compliance):
    complaint = investigate(file(alice), agent)
    services.evidence_attach(complaint=complaint, actor=alice, upload=SimpleUploadedFile("proof.txt", b"order 77120\n"))
    services.complaint_add_message(complaint=complaint, actor=agent, body="We are checking.")
    return complaint


def admin_posts(complaint):
    """Every admin URL that takes a POST: each model's add, change, delete and changelist (with
    its bulk delete), and the console's own views for every action."""
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        some = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        yield reverse("admin:%s_%s_changelist" % info), {"action": "delete_selected", "_selected_action": [some or 1], "post": "yes"}
        yield reverse("admin:%s_%s_add" % info), {}
        if some is not None:
            yield reverse("admin:%s_%s_change" % info, args=[some]), {}
            yield reverse("admin:%s_%s_delete" % info, args=[some]), {"post": "yes"}
    for name in ACTIONS:
        yield reverse("admin:complaints_complaint_act", args=[complaint.pk, name]), {"reason": "x", "body": "x", "visibility": "internal", "version": complaint.version}
    try:
        yield reverse("admin:complaints_complaint_register"), {"email": "new@example.com", "summary": "x", "description": "x"}
    except NoReverseMatch:
        pass


def test_every_admin_post_by_compliance_is_refused(client, compliance, world):
    client.force_login(compliance)
    before = fingerprint()
    accepted = []
    for url, data in admin_posts(world):
        response = client.post(url, data)
        if response.status_code not in (403, 404, 405):
            accepted.append((url, response.status_code))
        assert fingerprint() == before, f"{url} changed something"
    # The changelists answer a POST without an allowed action by redirecting back: nothing done.
    assert all(status in (200, 302) and "/add/" not in url and "/delete/" not in url for url, status in accepted), accepted


def test_compliance_reads_the_complaint_and_its_history(client, compliance, world):
    client.force_login(compliance)
    assert client.get(reverse("admin:complaints_complaint_change", args=[world.pk])).status_code == 200
    assert client.get(reverse("admin:complaints_complaint_history", args=[world.pk])).status_code == 200


def test_the_same_post_by_an_agent_does_change_things(client, agent, world):
    """The check above can fail: an agent's reply through the same URL is saved."""
    client.force_login(agent)
    before = fingerprint()
    url = reverse("admin:complaints_complaint_act", args=[world.pk, "message"])
    client.post(url, {"body": "We are checking again.", "visibility": "internal", "version": Complaint.objects.get(pk=world.pk).version})
    assert fingerprint() != before
