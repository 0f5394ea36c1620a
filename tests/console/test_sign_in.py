"""Who may enter the console: staff only, locked out after repeated guesses, and with a second
factor (TOTP) when REDRESS_STAFF_REQUIRE_2FA is on."""

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

LOGIN = "/admin/login/"
PASSWORD = "correct horse battery staple"


def code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, user, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": user.email, "password": password, "next": "/admin/", **extra})


def test_a_customer_cannot_enter_the_console(client, alice):
    response = sign_in(client, alice)
    assert response.status_code == 200  # the form again, with the admin's "staff account" error
    assert client.get("/admin/").status_code == 302


def test_staff_sign_in_with_their_password_when_no_second_factor_is_required(client, agent):
    assert sign_in(client, agent).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_five_wrong_passwords_lock_the_account_out(client, agent, settings):
    settings.AXES_ENABLED = True
    for _ in range(4):
        assert sign_in(client, agent, password="guess").status_code == 200
    assert sign_in(client, agent, password="guess").status_code == 429  # the fifth locks it
    locked = sign_in(client, agent)  # even the right password, now
    assert locked.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, agent, settings):
    settings.AXES_ENABLED = True
    for _ in range(4):
        sign_in(client, agent, password="guess")
    assert sign_in(client, agent).status_code == 302


@pytest.fixture
def two_factor(settings):
    settings.REDRESS_STAFF_REQUIRE_2FA = True


def test_with_2fa_a_password_alone_does_not_open_the_console(client, agent, two_factor):
    sign_in(client, agent)
    response = client.get("/admin/")
    assert response.status_code == 302
    # …it leads to enrolling an authenticator instead
    assert client.get(response["Location"]).headers["Location"] == "/admin/otp/enrol/"


def test_with_2fa_a_valid_code_from_the_device_opens_it(client, agent, two_factor):
    device = TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    assert sign_in(client, agent).status_code == 200  # the code is required
    assert client.get("/admin/").status_code == 302
    response = sign_in(client, agent, otp_token=code(device))
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_with_2fa_a_wrong_code_is_refused(client, agent, two_factor):
    TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    response = sign_in(client, agent, otp_token="000000")
    assert response.status_code == 200 and client.get("/admin/").status_code == 302


def test_enrolment_shows_a_qr_code_and_confirms_a_device(client, agent, two_factor):
    sign_in(client, agent)
    page = client.get("/admin/otp/enrol/")
    html = page.content.decode()
    assert page.status_code == 200 and 'src="data:image/svg+xml' in html
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    assert re.search(r'class="console-secret">[A-Z2-7]+<', html)
    response = client.post("/admin/otp/enrol/", {"token": code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200  # this session is verified


def test_a_password_alone_cannot_enrol_a_second_device(client, agent, two_factor):
    TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    client.force_login(agent)  # password only, unverified
    response = client.get("/admin/otp/enrol/")
    assert response.status_code == 302 and TOTPDevice.objects.filter(user=agent).count() == 1


def test_customers_cannot_enrol(client, alice, two_factor):
    client.force_login(alice)
    assert client.get("/admin/otp/enrol/").status_code == 302
    assert not TOTPDevice.objects.exists()


def test_an_inactive_staff_member_cannot_enter(client, db):
    gone = UserFactory(is_staff=True, is_active=False)
    sign_in(client, gone)
    assert client.get("/admin/").status_code == 302
