"""Who a message from outside the portal is from: an existing customer, or a new one.

A new sender becomes an unverified customer with no usable password; they can sign in to the
portal later by resetting it. Staff addresses and inactive accounts never file this way.
"""

import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from accounts.models import CustomerProfile

_CJK = re.compile(r"[\u3400-\u9fff]")


class NotACustomer(Exception):
    """The address belongs to staff or to a deactivated account."""


def language_of(*texts: str) -> str:
    """Chinese when the customer writes Chinese; the desk's default otherwise."""
    writes_chinese = any(_CJK.search(text or "") for text in texts)
    return CustomerProfile.Language.CHINESE if writes_chinese else CustomerProfile.Language.ENGLISH


def customer_for(email: str, *, name: str = "", language: str = "") -> tuple[object, bool]:
    """The customer with this address (created unverified when new) and whether it was created."""
    User = get_user_model()
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email=email).select_related("customer_profile").first()
    created = False
    if user is None:
        user, created = _create(User, email, name, language)
    if user.is_staff or not user.is_active:
        raise NotACustomer(email)
    return user, created


def _create(User, email: str, name: str, language: str):
    first, _space, last = (name or "").strip().partition(" ")
    try:
        with transaction.atomic():  # a savepoint: a concurrent intake may create them first
            user = User.objects.create_user(email, password=None, first_name=first[:150], last_name=last[:150])
            CustomerProfile.objects.create(user=user, language=language or CustomerProfile.Language.ENGLISH)
    except IntegrityError:
        return User.objects.get(email=email), False
    return user, True
