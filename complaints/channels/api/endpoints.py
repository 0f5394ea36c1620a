"""The intake API's operations: thin, each authorising, calling one function and shaping JSON."""

from django.db import transaction
from ninja import Header, Path, Router, Status

from .intake import api_file, api_reply, complaint_for_integration, public_view
from .schemas import ComplaintIn, ComplaintOut, ErrorOut, ReplyIn

router = Router(tags=["complaints"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}
REFERENCE = r"^CMP-\d{4}-\d{7}$"
Reference = Path(..., pattern=REFERENCE, description="The complaint's reference, e.g. CMP-2026-0000123.")
# Visible ASCII only: the key is stored and compared as it is sent.
IdempotencyKey = Header(..., alias="Idempotency-Key", min_length=1, max_length=80, pattern=r"^[\x21-\x7e]+$")


@router.post(
    "/complaints", response={200: ComplaintOut, 201: ComplaintOut, **ERRORS}, operation_id="file_complaint",
    summary="File a complaint for a customer",
    description="Files once per Idempotency-Key: repeating the request returns the same complaint (200); "
    "the same key with a different body is refused (409).",
)  # fmt: skip
def file_complaint(request, payload: ComplaintIn, idempotency_key: str = IdempotencyKey):
    complaint, created = api_file(integration=request.auth, key=idempotency_key, payload=payload)
    return Status(201 if created else 200, public_view(complaint))


@router.get("/complaints/{reference}", response={200: ComplaintOut, **ERRORS}, operation_id="get_complaint",
            summary="A complaint's status and public timeline")  # fmt: skip
def get_complaint(request, reference: str = Reference):
    return public_view(complaint_for_integration(request.auth, reference))


@router.post("/complaints/{reference}/replies", response={201: ComplaintOut, **ERRORS}, operation_id="reply",
             summary="Add the customer's reply (answers a request for information)")  # fmt: skip
def reply(request, payload: ReplyIn, reference: str = Reference):
    with transaction.atomic():
        complaint = complaint_for_integration(request.auth, reference)
        complaint = api_reply(integration=request.auth, complaint=complaint, body=payload.body)
    return Status(201, public_view(complaint))
