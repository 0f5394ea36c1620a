"""Customer accounts: sign up with e-mail verification, sign in and out, password reset, profile."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import CustomerProfile, User
from accounts.roles import Role
from tests.factories import CustomerFactory

PASSWORD = "correct horse battery staple"


def sign_up(client, **overrides):
    data = {"email": "carol@example.com", "password1": "a-long-Passphrase-42", "password2": "a-long-Passphrase-42",
            "exchange_uid": "88990011", "language": "zh-hans", **overrides}  # fmt: skip
    return client.post(reverse("accounts:sign-up"), data)


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


# --- Sign up -------------------------------------------------------------------------------------------


def test_signing_up_creates_a_customer_signs_them_in_and_mails_a_link(client, db, mailoutbox):
    response = sign_up(client)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:verify-sent")
    user = User.objects.get(email="carol@example.com")
    assert not user.is_staff and user.groups.filter(name=Role.CUSTOMER).exists()
    profile = user.customer_profile
    assert (profile.exchange_uid, profile.language, profile.email_verified_at) == ("88990011", "zh-hans", None)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    [message] = mailoutbox
    assert message.to == ["carol@example.com"]
    assert "确认" in message.subject  # in the language the customer chose
    assert "carol" not in link_in(message)  # no personal data in the link


def test_the_sign_up_page_renders(client, db):
    response = client.get(reverse("accounts:sign-up"))
    assert response.status_code == 200
    assert b'name="exchange_uid"' in response.content and b'name="language"' in response.content


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"email": "not-an-address"}, "email"),
        ({"password2": "something-else-42"}, "password2"),
        ({"password1": "123", "password2": "123"}, "password1"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_sign_up_input_shows_errors_and_creates_nothing(client, db, overrides, field):
    response = sign_up(client, **overrides)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not User.objects.filter(email="carol@example.com").exists()


def test_an_address_already_registered_is_refused(client, alice):
    response = sign_up(client, email="ALICE@example.com")
    assert "already exists" in str(response.context["form"].errors["email"])
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1


def test_an_exchange_uid_already_linked_is_refused(client, alice):
    response = sign_up(client, exchange_uid=alice.customer_profile.exchange_uid)
    assert response.context["form"].errors["exchange_uid"]


def test_sign_up_is_rate_limited_per_address(client, db, settings):
    settings.REDRESS_RATE_SIGN_UP = "2/h"
    for number in range(2):
        sign_up(client, email=f"person{number}@example.com", exchange_uid="")
        client.logout()
    response = sign_up(client, email="person9@example.com", exchange_uid="")
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert not User.objects.filter(email="person9@example.com").exists()


# --- E-mail verification ------------------------------------------------------------------------------


def test_the_link_asks_for_a_click_and_the_click_confirms_the_address(client, db, mailoutbox):
    sign_up(client)
    link = link_in(mailoutbox[0])
    assert client.get(link).status_code == 200
    profile = CustomerProfile.objects.get(user__email="carol@example.com")
    assert profile.email_verified_at is None  # a mail scanner fetching the link confirms nothing
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == reverse("portal:complaint-new")
    profile.refresh_from_db()
    assert profile.email_verified_at is not None


def test_a_used_or_forged_link_is_refused(client, db, mailoutbox):
    sign_up(client)
    link = link_in(mailoutbox[0])
    client.post(link)
    assert client.post(link).status_code == 400  # used: the token covers the verification time
    assert client.get(link.rsplit("/", 2)[0] + "/forged-token/").status_code == 400


def test_a_new_link_can_be_asked_for(client, alice, mailoutbox):
    CustomerProfile.objects.filter(user=alice).update(email_verified_at=None)
    client.force_login(alice)
    response = client.post(reverse("accounts:verify-resend"))
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert client.get(reverse("accounts:verify-resend")).status_code == 405


def test_the_verify_pages_need_a_signed_in_customer(client, db):
    response = client.get(reverse("accounts:verify-sent"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign-in"))


# --- Sign in and out -----------------------------------------------------------------------------------


def test_signing_in_activates_the_profile_language(client, db):
    CustomerFactory(email="dan@example.com", profile__language="zh-hans")
    response = client.post(reverse("accounts:sign-in"), {"username": "Dan@Example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("portal:complaint-list")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "我的投诉".encode() in client.get(reverse("portal:complaint-list")).content


def test_signing_in_returns_to_the_page_asked_for(client, alice):
    target = reverse("portal:complaint-new")
    response = client.post(reverse("accounts:sign-in") + f"?next={target}",
                           {"username": "alice@example.com", "password": PASSWORD, "next": target})  # fmt: skip
    assert response["Location"] == target


def test_a_wrong_password_shows_an_error(client, alice):
    response = client.post(reverse("accounts:sign-in"), {"username": "alice@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "don't match" in response.context["form"].non_field_errors()[0]
    assert "_auth_user_id" not in client.session


def test_staff_are_sent_to_the_console(client, agent):
    response = client.post(reverse("accounts:sign-in"), {"username": agent.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "console" in str(response.context["form"].non_field_errors())


def test_sign_in_is_rate_limited(client, alice, settings):
    settings.REDRESS_RATE_SIGN_IN = "3/m"
    for _ in range(3):
        client.post(reverse("accounts:sign-in"), {"username": "nobody@example.com", "password": "x"})
    response = client.post(reverse("accounts:sign-in"), {"username": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_signing_out_needs_a_post(alice_client):
    assert alice_client.get(reverse("accounts:sign-out")).status_code == 405
    response = alice_client.post(reverse("accounts:sign-out"))
    assert response.status_code == 302
    assert "_auth_user_id" not in alice_client.session


# --- Password reset ------------------------------------------------------------------------------------


def test_a_password_reset_mail_comes_in_the_customer_language(client, db, mailoutbox):
    CustomerFactory(email="erin@example.com", profile__language="zh-hans")
    response = client.post(reverse("accounts:password-reset"), {"email": "erin@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password-reset-done")
    [message] = mailoutbox
    assert "密码" in message.subject
    link = link_in(message)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": "Another-Long-pass-77", "new_password2": "Another-Long-pass-77"})
    assert done.status_code == 302
    assert User.objects.get(email="erin@example.com").check_password("Another-Long-pass-77")


def test_a_password_reset_for_an_unknown_address_or_staff_sends_nothing(client, agent, mailoutbox):
    for email in ("nobody@example.com", agent.email):
        response = client.post(reverse("accounts:password-reset"), {"email": email})
        assert response.status_code == 302  # the same answer: no way to learn who has an account
    assert mailoutbox == []


# --- Profile -------------------------------------------------------------------------------------------


def test_the_profile_saves_name_uid_and_language(alice_client, alice):
    response = alice_client.post(reverse("accounts:profile"), {
        "first_name": "Alicia", "last_name": "Liddell", "exchange_uid": "UID-NEW-1", "language": "zh-hans"})  # fmt: skip
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.first_name, alice.customer_profile.exchange_uid, alice.customer_profile.language) == ("Alicia", "UID-NEW-1", "zh-hans")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"


def test_the_profile_refuses_a_uid_of_someone_else(alice_client, alice, bob):
    before = alice.customer_profile.exchange_uid
    response = alice_client.post(reverse("accounts:profile"), {"exchange_uid": bob.customer_profile.exchange_uid, "language": "en"})
    assert response.status_code == 200 and response.context["form"].errors["exchange_uid"]
    alice.customer_profile.refresh_from_db()
    assert alice.customer_profile.exchange_uid == before


def test_the_profile_needs_sign_in_and_refuses_other_methods(client, alice):
    assert client.get(reverse("accounts:profile"))["Location"].startswith(reverse("accounts:sign-in"))
    client.force_login(alice)
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.put(reverse("accounts:profile")).status_code == 405


def test_a_customer_without_a_profile_gets_one(client, db):
    user = User.objects.create_user(email="frank@example.com", password=PASSWORD)
    user.groups.add(Group.objects.get(name=Role.CUSTOMER))
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert CustomerProfile.objects.filter(user=user).exists()
