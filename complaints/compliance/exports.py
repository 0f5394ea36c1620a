"""Exports: a dossier as JSON or CSV, streamed; a customer's subject-access ZIP, spooled to disk.

The dossier exports walk the same sections as the page with iterator(), writing as they go,
so a complaint with a very long history never sits in memory. The subject-access ZIP is written
to a temporary file (not built in memory) and served from there.

What the subject-access export holds (UK/EU GDPR Art. 15): every complaint the customer filed
or that was filed for them, with the fields they gave and the decisions they were sent; every
public message; every evidence file shown to them or given by them. Internal notes and the
material staff collected are personal data too, but may hold third parties' data or legally
privileged advice, so they are left out unless the compliance officer, having reviewed them,
ticks "include internal notes".
"""

import csv
import json
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder

from complaints.choices import Visibility
from complaints.models import Complaint, Evidence

from .dossier import Entry, entries

CSV_COLUMNS = ["section", "at", "actor", "action", "subject", "field", "before", "after", "detail"]
CUSTOMER_FIELDS = [
    "reference", "state", "channel", "category", "subcategory", "summary", "description", "desired_outcome",
    "occurred_on", "disputed_amount", "disputed_asset", "received_at", "represented_person", "outcome", "reasons",
    "recourse", "decided_at", "resolved_at", "appealed_at", "appeal_outcome", "external_recourse", "closed_at",
    "closure_reason",
]  # fmt: skip


def _json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def complaint_summary(complaint: Complaint) -> dict:
    return {name: getattr(complaint, name) for name in CUSTOMER_FIELDS} | {"id": complaint.pk, "customer": complaint.customer_id}


def dossier_json(complaint: Complaint) -> Iterator[str]:
    yield '{"complaint": ' + _json(complaint_summary(complaint)) + ', "entries": ['
    for index, entry in enumerate(entries(complaint, stream=True)):
        yield ("," if index else "") + "\n" + _json(entry.as_dict())
    yield "\n]}\n"


class _Echo:
    """csv.writer writes to this and gets the line back, to yield it."""

    def write(self, value: str) -> str:
        return value


def _csv_row(entry: Entry) -> list[str]:
    row = entry.as_dict()
    return [row[column] if column != "detail" else _json(row["detail"]) for column in CSV_COLUMNS]


def dossier_csv(complaint: Complaint) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for entry in entries(complaint, stream=True):
        yield writer.writerow(_csv_row(entry))


# --- Subject access --------------------------------------------------------------------------------------


@dataclass
class SubjectAccessExport:
    file: tempfile.SpooledTemporaryFile
    complaints: int
    files: int


def _customer_evidence(complaint: Complaint, internal: bool):
    items = complaint.evidence.select_related("message").order_by("uploaded_at", "id")
    if internal:
        return items
    return items.exclude(message__visibility=Visibility.INTERNAL).exclude(
        message__isnull=True, purpose=Evidence.Purpose.COLLECTED
    )


def _write_complaint(archive: zipfile.ZipFile, complaint: Complaint, internal: bool) -> int:
    folder = complaint.reference
    messages = complaint.messages.order_by("created_at", "id")
    if not internal:
        messages = messages.filter(visibility=Visibility.PUBLIC)
    record = complaint_summary(complaint) | {
        "messages": [
            {"at": m.created_at, "from_you": m.author_id == complaint.customer_id, "kind": m.kind, "visibility": m.visibility, "body": m.body}
            for m in messages.iterator(chunk_size=500)
        ],
    }  # fmt: skip
    files = 0
    record["evidence"] = []
    for item in _customer_evidence(complaint, internal).iterator(chunk_size=200):
        name = f"{folder}/evidence/{item.pk}-{item.original_name.replace('/', '_')}"
        record["evidence"].append({"file": name, "sha256": item.sha256, "uploaded_at": item.uploaded_at})
        if item.file:
            with item.file.open("rb") as source, archive.open(name, "w", force_zip64=True) as target:
                for chunk in iter(lambda: source.read(1 << 16), b""):
                    target.write(chunk)
            files += 1
    archive.writestr(f"{folder}/complaint.json", json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
    return files


def subject_access_zip(customer, *, internal: bool = False) -> SubjectAccessExport:
    """Everything of the customer's, in a ZIP spooled to a temporary file (memory stays bounded:
    one complaint's messages at a time, files copied in chunks)."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    complaints = files = 0
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for complaint in Complaint.objects.filter(customer=customer).order_by("received_at", "pk").iterator(chunk_size=100):
            files += _write_complaint(archive, complaint, internal)
            complaints += 1
        archive.writestr("README.txt", _readme(internal))
    spool.seek(0)
    return SubjectAccessExport(spool, complaints, files)


def _readme(internal: bool) -> str:
    held_back = "" if internal else "Internal notes and material staff collected are not included.\n"
    return (
        "Your complaints, as our complaint desk holds them: one folder per complaint, with complaint.json\n"
        "(what you told us, our decisions, the messages) and the evidence files.\n" + held_back
    )
