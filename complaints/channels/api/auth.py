"""Integrations authenticate with a bearer token; each token has its own rate limit."""

from django.conf import settings
from django.utils import timezone
from django_ratelimit.core import is_ratelimited
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from ..models import Integration, token_digest


class RateLimited(Exception):
    """The integration sent more requests than REDRESS_RATE_API allows."""


class Revoked(AuthorizationError):
    """A token that was valid once and has been revoked in the console: 403, not 401."""


class IntegrationToken(HttpBearer):
    openapi_description = "The token shown once when the integration was created in the console."

    def authenticate(self, request, token: str) -> Integration | None:
        integration = Integration.objects.filter(token_digest=token_digest(token)).first()
        if integration is None:
            return None  # 401
        if not integration.is_active:
            raise Revoked(message="This integration's token has been revoked.")
        if _over_limit(request, integration):
            raise RateLimited
        _touch(integration)
        return integration


def _over_limit(request, integration: Integration) -> bool:
    return is_ratelimited(
        request, group="channels.api", key=lambda _group, _request: f"integration:{integration.pk}",
        rate=settings.REDRESS_RATE_API, increment=True,
    )  # fmt: skip


def _touch(integration: Integration) -> None:
    """Record use at most once a minute, not a write per request."""
    now = timezone.now()
    if integration.last_used_at is None or (now - integration.last_used_at).total_seconds() > 60:
        Integration.objects.filter(pk=integration.pk).update(last_used_at=now)
