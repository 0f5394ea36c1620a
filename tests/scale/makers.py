"""Rows for the third-party models the console shows: axes' sign-in records and TOTP devices."""

from django.utils import timezone

from accounts.roles import Role
from tests.factories import make_staff

MANY = 6  # "many" rows: more than one of everything, fewer than a page


def _attempts(n):
    from axes.models import AccessAttempt

    rows = [
        AccessAttempt.objects.create(user_agent="bench", ip_address=f"10.0.0.{i}", username=f"user{i}@example.com",
                                     http_accept="*/*", path_info="/admin/login/", attempt_time=timezone.now(),
                                     get_data="", post_data="", failures_since_start=3)
        for i in range(n)
    ]  # fmt: skip
    return rows[-1]


def _logs(n):
    from axes.models import AccessLog

    rows = [
        AccessLog.objects.create(user_agent="bench", ip_address=f"10.0.0.{i}", username=f"user{i}@example.com",
                                 http_accept="*/*", path_info="/admin/login/", attempt_time=timezone.now())
        for i in range(n)
    ]  # fmt: skip
    return rows[-1]


def _failures(n):
    from axes.models import AccessFailureLog

    rows = [
        AccessFailureLog.objects.create(user_agent="bench", ip_address=f"10.0.0.{i}", username=f"user{i}@example.com",
                                        http_accept="*/*", path_info="/admin/login/", attempt_time=timezone.now())
        for i in range(n)
    ]  # fmt: skip
    return rows[-1]


def _devices(n):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    rows = [TOTPDevice.objects.create(user=make_staff(Role.AGENT, team="customer_service"), name="phone") for _ in range(n)]
    return rows[-1]


def axes_and_otp_cases() -> dict:
    return {
        "axes.accessattempt": _attempts,
        "axes.accesslog": _logs,
        "axes.accessfailurelog": _failures,
        "otp_totp.totpdevice": _devices,
    }
