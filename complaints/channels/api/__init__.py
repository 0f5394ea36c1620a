"""The intake API (django-ninja): other channels (live chat, social media, in-app, forums) file
complaints and follow them. The OpenAPI document is generated from the schemas and kept in
openapi.json next to this file; tests fail when the two drift apart."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.errors import ValidationError as NinjaValidationError

from complaints.exceptions import ActionRefused

from .auth import IntegrationToken, RateLimited
from .endpoints import router
from .intake import KeyReused

api = NinjaAPI(
    title="Redress intake API",
    version="1",
    description="File complaints from other channels, follow their public timeline and add customer replies. "
    "Authenticate with `Authorization: Bearer <token>`; tokens are created and revoked in the agent console.",
    auth=IntegrationToken(),
    urls_namespace="intake-api",
    docs_url=None,
)
api.add_router("/", router)


def _errors(request, status: int, detail: str, errors=()):
    return api.create_response(request, {"detail": detail, "errors": list(errors)}, status=status)


def _field(loc) -> str:
    """("body", "payload", "customer", "email") → "customer.email"; a header keeps its name."""
    parts = [str(part) for part in loc]
    if parts[:1] == ["body"]:
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts[:1] in (["header"], ["query"], ["path"]):
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(NinjaValidationError)
def _invalid_request(request, error: NinjaValidationError):
    fields = [{"field": _field(item.get("loc", ())), "message": item.get("msg", "")} for item in error.errors]
    return _errors(request, 422, "The request is not valid.", fields)


@api.exception_handler(DjangoValidationError)
def _refused_input(request, error: DjangoValidationError):
    details = error.message_dict if hasattr(error, "error_dict") else {"body": error.messages}
    fields = [{"field": name, "message": message} for name, messages in details.items() for message in messages]
    return _errors(request, 422, "The complaint was not accepted.", fields)


@api.exception_handler(ActionRefused)
def _refused_action(request, error: ActionRefused):
    return _errors(request, error.status_code, error.message)


@api.exception_handler(KeyReused)
def _key_reused(request, error: KeyReused):
    return _errors(request, 409, "This Idempotency-Key was used with a different request body.",
                   [{"field": "Idempotency-Key", "message": "Use a new key for a different complaint."}])  # fmt: skip


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, error: AuthenticationError):
    response = _errors(request, 401, "A valid integration token is required (Authorization: Bearer …).")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(RateLimited)
def _rate_limited(request, error: RateLimited):
    return _errors(request, 429, "Too many requests for this integration; slow down and retry.")


@api.exception_handler(AuthorizationError)
def _forbidden(request, error: AuthorizationError):
    return _errors(request, 403, error.message)


@api.exception_handler(Http404)
def _not_found(request, error: Http404):
    return _errors(request, 404, "No complaint with this reference was filed by this integration.")
