"""Headers and forms: a Content-Security-Policy without 'unsafe-inline' (and pages that need none),
CSRF on every form."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from complaints.choices import State
from complaints.models import Complaint


@pytest.fixture
def pages(complaint_in):
    complaint = complaint_in(State.RESOLUTION_PROPOSED, outcome="upheld", reasons="Yes.")
    ref = complaint.reference
    return [
        reverse("portal:complaint-list"), reverse("portal:complaint-new"),
        reverse("portal:complaint-detail", args=[ref]), reverse("portal:complaint-filed", args=[ref]),
        reverse("portal:complaint-withdraw", args=[ref]), reverse("accounts:profile"),
    ]  # fmt: skip


ANONYMOUS_PAGES = [reverse("portal:home"), reverse("accounts:sign-in"), reverse("accounts:sign-up"), reverse("accounts:password-reset")]


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def test_every_page_has_a_csp_without_unsafe_inline(alice_client, pages):
    responses = [alice_client.get(path) for path in pages] + [Client().get(path) for path in ANONYMOUS_PAGES]
    for response in responses:
        assert response.status_code == 200
        policy = directives(response)
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "unsafe-eval" not in response["Content-Security-Policy"]
        assert policy["script-src"] == "script-src 'self'" and policy["style-src"] == "style-src 'self'"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_pages_need_no_inline_script_or_style(alice_client, pages):
    responses = [alice_client.get(path) for path in pages] + [Client().get(path) for path in ANONYMOUS_PAGES]
    for response in responses:
        page = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "inline <script>"
        assert "<style" not in page and not re.search(r"\sstyle=", page), "inline style"
        assert not re.search(r"\son[a-z]+=", page), "inline event handler"


def test_every_form_carries_a_csrf_token(alice_client, pages):
    for path in pages:
        page = alice_client.get(path).content.decode()
        for form in re.findall(r"<form\b.*?</form>", page, flags=re.S):
            if 'method="post"' in form:
                assert "csrfmiddlewaretoken" in form, (path, form[:120])


def test_a_post_without_the_csrf_token_is_refused(alice, complaint_in):
    complaint = complaint_in(State.INVESTIGATING)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.post(reverse("portal:complaint-reply", args=[complaint.reference]), {"body": "forged"})
    assert response.status_code == 403
    assert not complaint.messages.exists()
    response = browser.post(reverse("portal:complaint-new"), {"summary": "forged"})
    assert response.status_code == 403 and not Complaint.objects.filter(summary="forged").exists()


def test_the_static_files_are_served_from_self(client, db):
    page = client.get(reverse("portal:home")).content.decode()
    assert re.search(r'<link rel="stylesheet" href="/static/portal/portal\.css', page)
    assert re.search(r'<script src="/static/portal/portal\.js"', page)
    assert "http://" not in page.split("<body", 1)[0] and "https://" not in page.split("<body", 1)[0]
