"""Small helpers for the portal's templates."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def desk_email() -> str:
    return settings.REDRESS_DESK_EMAIL

