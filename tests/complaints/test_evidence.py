"""Evidence uploads: allow-listed types sniffed from content, per-type size limits, sha256.

Bad input gets a clear error and changes nothing: no complaint, no Evidence row, no history
row, no audit event and no file in the evidence storage (a tmp dir per test, see conftest).
"""

import hashlib
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import services
from complaints.choices import Category, State
from complaints.evidence import MB
from complaints.exceptions import NotPermitted, WrongState
from complaints.models import AuditEvent, Complaint, Evidence


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A real, decodable PNG: signature, IHDR (8-bit RGB), one IDAT, IEND."""
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b"")


PNG = tiny_png()
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
CSV_ZH = "日期,币种,金额,备注\n2026-01-05,USDT,500,提现未到账\n2026-01-06,BTC,0.01,充值延迟\n".encode()
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + b"\x00" * 100
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"This program cannot be run in DOS mode." + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>fetch('/steal?c='+document.cookie)</script></body></html>"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def raw_named_upload(name: str, content: bytes) -> SimpleUploadedFile:
    """An upload whose name arrives exactly as sent.

    Django's multipart parser and UploadedFile's name setter strip directories, but e-mail
    intake and integrations hand names over as they come, so the service must refuse path
    tricks itself rather than rely on the web layer.
    """
    file = upload("placeholder.png", content)
    file._name = name  # bypass UploadedFile's basename() on purpose
    return file


def filing(**overrides) -> services.Filing:
    fields = {
        "category": Category.DEPOSIT_WITHDRAWAL,
        "summary": "USDT withdrawal never arrived",
        "description": "I withdrew 500 USDT on TRON on 5 January and it never arrived.",
    }
    return services.Filing(**{**fields, **overrides})


def stored_files() -> list[Path]:
    root = Path(settings.STORAGES["evidence"]["OPTIONS"]["location"])
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def assert_nothing_saved(*, complaints: int = 0, events: int | None = None) -> None:
    assert Complaint.objects.count() == complaints
    assert Evidence.objects.count() == 0
    assert Evidence.history.count() == 0
    assert stored_files() == []
    if events is not None:
        # The system chain records persona set-up (roles); count the complaints' chains only.
        assert AuditEvent.objects.filter(chain__is_system=False).count() == events


BAD_UPLOADS = [
    pytest.param(
        lambda: upload("huge.png", PNG + b"\x00" * (10 * MB + 1 - len(PNG)), "image/png"),
        "a PNG image may be at most 10 MB",
        id="oversized-png",
    ),
    pytest.param(lambda: upload("empty.png", b"", "image/png"), "“empty.png” is empty", id="empty"),
    pytest.param(
        lambda: upload("screenshot.png", ELF, "image/png"),
        "“screenshot.png” is not really a PNG image",
        id="elf-renamed-png",
    ),
    pytest.param(
        lambda: upload("receipt.png", MZ, "image/png"),
        "“receipt.png” is not really a PNG image",
        id="windows-exe-renamed-png",
    ),
    pytest.param(
        lambda: upload("statement.pdf", HTML, "application/pdf"),
        "“statement.pdf” is not really a PDF document",
        id="html-renamed-pdf",
    ),
    pytest.param(
        lambda: upload("notes.txt", HTML, "text/plain"),
        "“notes.txt” is not really a text file",
        id="html-renamed-txt",
    ),
    pytest.param(
        lambda: upload("payload.exe", MZ, "application/octet-stream"),
        "Files of this type can't be attached",
        id="exe",
    ),
    pytest.param(
        lambda: upload("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        "Files of this type can't be attached",
        id="svg",
    ),
    pytest.param(
        lambda: raw_named_upload("../../etc/passwd.png", PNG),
        "is not allowed: use a plain name",
        id="posix-traversal",
    ),
    pytest.param(
        lambda: raw_named_upload("..\\..\\boot.png", PNG),
        "is not allowed: use a plain name",
        id="windows-traversal",
    ),
    pytest.param(
        lambda: raw_named_upload("/etc/x.png", PNG),
        "is not allowed: use a plain name",
        id="absolute-path",
    ),
    pytest.param(
        lambda: raw_named_upload("C:\\Windows\\x.png", PNG),
        "is not allowed: use a plain name",
        id="windows-absolute-path",
    ),
    pytest.param(
        lambda: raw_named_upload("x.png\x00.txt", PNG),
        "characters that are not allowed",
        id="nul-in-name",
    ),
]


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Refused at filing ------------------------------------------------------------------------


@pytest.mark.parametrize("make_upload, phrase", BAD_UPLOADS)
def test_filing_with_a_bad_file_is_refused_and_saves_nothing(alice, make_upload, phrase):
    with pytest.raises(ValidationError) as refused:
        services.complaint_file(customer=alice, filing=filing(), evidence_files=[make_upload()])
    assert phrase in _message(refused.value)
    assert_nothing_saved(events=0)


def test_one_bad_file_among_good_ones_saves_none_of_them(alice):
    files = [upload("good.png", PNG, "image/png"), upload("fine.pdf", PDF), upload("bad.png", ELF)]
    with pytest.raises(ValidationError, match="not really a PNG image"):
        services.complaint_file(customer=alice, filing=filing(), evidence_files=files)
    assert_nothing_saved(events=0)


# --- Refused when attaching later ---------------------------------------------------------------


@pytest.mark.parametrize("make_upload, phrase", BAD_UPLOADS)
def test_attaching_a_bad_file_is_refused_and_saves_nothing(alice, complaint_in, make_upload, phrase):
    complaint = complaint_in(State.TRIAGE)
    with pytest.raises(ValidationError) as refused:
        services.evidence_attach(complaint=complaint, actor=alice, upload=make_upload())
    assert phrase in _message(refused.value)
    assert_nothing_saved(complaints=1, events=0)


def test_alice_cannot_attach_to_bobs_complaint(alice, bob, complaint_in):
    complaint = complaint_in(State.TRIAGE, customer=bob)
    with pytest.raises(NotPermitted):
        services.evidence_attach(complaint=complaint, actor=alice, upload=upload("mine.png", PNG))
    assert_nothing_saved(complaints=1, events=0)


def test_the_compliance_officer_cannot_attach(compliance, complaint_in):
    complaint = complaint_in(State.INVESTIGATING)
    with pytest.raises(NotPermitted, match="Your role does not allow this action"):
        services.evidence_attach(complaint=complaint, actor=compliance, upload=upload("x.png", PNG))
    assert_nothing_saved(complaints=1, events=0)


def test_nothing_can_be_attached_to_a_closed_complaint(alice, complaint_in):
    complaint = complaint_in(State.CLOSED)
    with pytest.raises(WrongState, match="closed complaint"):
        services.evidence_attach(complaint=complaint, actor=alice, upload=upload("late.png", PNG))
    assert_nothing_saved(complaints=1, events=0)


# --- Accepted -----------------------------------------------------------------------------------


GOOD_UPLOADS = [
    pytest.param("截图 screenshot.png", PNG, "image/png", ".png", id="png"),
    pytest.param("bank statement.pdf", PDF, "application/pdf", ".pdf", id="pdf"),
    pytest.param("交易记录.csv", CSV_ZH, "text/csv", ".csv", id="utf8-chinese-csv"),
]


def assert_stored_as_uploaded(evidence: Evidence, name: str, content: bytes, content_type: str, extension: str):
    assert evidence.original_name == name
    assert evidence.content_type == content_type
    assert evidence.extension == extension
    assert evidence.size == len(content)
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    # The stored name is ours: complaints/<id>/<random hex><our extension>, nothing of the uploader's.
    assert re.fullmatch(rf"complaints/{evidence.complaint_id}/[0-9a-f]{{32}}\{extension}", evidence.file.name)
    assert Path(name).stem not in evidence.file.name
    root = Path(settings.STORAGES["evidence"]["OPTIONS"]["location"]).resolve()
    path = Path(evidence.file.path).resolve()
    assert path.is_relative_to(root)
    assert path.read_bytes() == content
    with evidence.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize("name, content, content_type, extension", GOOD_UPLOADS)
def test_a_good_file_is_stored_at_filing(alice, name, content, content_type, extension):
    complaint = services.complaint_file(
        customer=alice, filing=filing(), evidence_files=[upload(name, content, "application/octet-stream")]
    )
    evidence = Evidence.objects.get(complaint=complaint)
    assert_stored_as_uploaded(evidence, name, content, content_type, extension)
    assert evidence.uploaded_by == alice
    assert evidence.history.get().history_change_reason == "uploaded"
    filed = complaint.audit_events.get(action="file")
    assert filed.data["evidence"] == [evidence.pk]
    assert stored_files() == [Path(evidence.file.path)]


@pytest.mark.parametrize("name, content, content_type, extension", GOOD_UPLOADS)
def test_the_customer_attaches_a_good_file_later(alice, complaint_in, name, content, content_type, extension):
    complaint = complaint_in(State.AWAITING_CUSTOMER)
    evidence = services.evidence_attach(complaint=complaint, actor=alice, upload=upload(name, content))
    evidence.refresh_from_db()
    assert_stored_as_uploaded(evidence, name, content, content_type, extension)
    event = complaint.audit_events.get()
    assert event.action == "evidence_added"
    assert event.data == {
        "evidence": evidence.pk, "sha256": hashlib.sha256(content).hexdigest(),
        "content_type": content_type, "size": len(content),
    }  # fmt: skip
    assert name not in str(event.data)  # the uploader's file name is not in the chain


def test_an_agent_attaches_to_a_complaint_they_work(agent, complaint_in):
    complaint = complaint_in(State.INVESTIGATING)
    evidence = services.evidence_attach(complaint=complaint, actor=agent, upload=upload("ledger.png", PNG))
    assert evidence.uploaded_by == agent
    assert evidence.sha256 == hashlib.sha256(PNG).hexdigest()


def test_a_file_just_under_the_limit_is_accepted(alice, complaint_in):
    content = PNG + b"\x00" * (10 * MB - len(PNG))
    evidence = services.evidence_attach(complaint=complaint_in(State.TRIAGE), actor=alice, upload=upload("big.png", content))
    assert evidence.size == 10 * MB
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()


def test_two_uploads_with_the_same_name_are_stored_apart(alice, complaint_in):
    complaint = complaint_in(State.TRIAGE)
    first = services.evidence_attach(complaint=complaint, actor=alice, upload=upload("proof.png", PNG))
    second = services.evidence_attach(complaint=complaint, actor=alice, upload=upload("proof.png", tiny_png(3, 1)))
    assert first.file.name != second.file.name
    assert len(stored_files()) == 2


def test_a_path_in_a_web_upload_name_never_reaches_the_disk(alice, complaint_in):
    web = upload("../../etc/passwd.png", PNG)
    assert web.name == "passwd.png"  # Django's UploadedFile keeps only the base name
    evidence = services.evidence_attach(complaint=complaint_in(State.TRIAGE), actor=alice, upload=web)
    assert evidence.original_name == "passwd.png"
    root = Path(settings.STORAGES["evidence"]["OPTIONS"]["location"]).resolve()
    assert stored_files() == [Path(evidence.file.path)]
    assert Path(evidence.file.path).resolve().is_relative_to(root)
