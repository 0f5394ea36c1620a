"""The sign-in backend reads the user and the customer profile as the ORM's select_related would."""

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.backends import ProfileModelBackend
from accounts.models import CustomerProfile

User = get_user_model()


def _orm(user_id):
    return User.objects.select_related("customer_profile").get(pk=user_id)


def _values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_a_customer_comes_with_the_profile_in_one_query(alice, django_assert_num_queries):
    CustomerProfile.objects.filter(user=alice).update(
        verified=True, email_verified_at=timezone.now(), language="zh-hans", jurisdiction="DE"
    )

    with django_assert_num_queries(1):
        user = ProfileModelBackend().get_user(alice.pk)
        profile = user.customer_profile

    expected = _orm(alice.pk)
    assert _values(user) == _values(expected)
    assert _values(profile) == _values(expected.customer_profile)
    assert profile.verified is True and profile.email_verified_at.tzinfo is not None  # converted, as the ORM does
    assert profile.user is user
    assert not user._state.adding and user._state.db == "default"


def test_staff_have_no_profile_and_asking_costs_no_query(agent, django_assert_num_queries):
    user = ProfileModelBackend().get_user(agent.pk)

    with django_assert_num_queries(0):
        assert not hasattr(user, "customer_profile")
    assert _values(user) == _values(_orm(agent.pk))
    assert model_to_dict(user)["email"] == "agent@redress.test"


def test_an_unknown_or_inactive_user_is_signed_out(alice, bob):
    User.objects.filter(pk=bob.pk).update(is_active=False)

    assert ProfileModelBackend().get_user(alice.pk + bob.pk + 1000) is None
    assert ProfileModelBackend().get_user(bob.pk) is None


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_signed_in_request_carries_the_profile(alice, client, language):
    CustomerProfile.objects.filter(user=alice).update(language=language)
    client.force_login(alice, backend="accounts.backends.ProfileModelBackend")

    response = client.get("/complaints/")

    assert response.status_code == 200
    assert response.wsgi_request.user == alice
    assert response.wsgi_request.user.customer_profile.language == language
