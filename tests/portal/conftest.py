"""Portal fixtures: Alice and Bob as customers who have confirmed their e-mail address, signed-in
clients, and PNG bytes for evidence."""

import struct
import zlib

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import CustomerProfile


def _verified(user):
    CustomerProfile.objects.filter(user=user).update(email_verified_at=timezone.now())
    user.refresh_from_db()
    return user


@pytest.fixture
def alice(alice):
    return _verified(alice)


@pytest.fixture
def bob(bob):
    return _verified(bob)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in the cache; one test's requests must not count against another's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def png_bytes(width: int = 4, height: int = 4) -> bytes:
    """A real, valid PNG image (solid blue)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x1d\x4e\xd8" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.fixture
def png():
    return png_bytes()


