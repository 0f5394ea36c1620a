"""The customer pages not pinned in tests/portal cost the same number of queries whatever the
customer has: the filing form with its help articles, the confirmation after filing, the
profile, the home page (issue 8). The list and complaint pages are pinned in
tests/portal/test_pages.py."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import CustomerProfile
from complaints.choices import Category, State
from complaints.models import HelpArticle
from tests.factories import ComplaintFactory

from .makers import MANY

PINNED_FILED = 6
PINNED_PROFILE = 4


@pytest.fixture
def carol(db, django_user_model):
    from tests.factories import CustomerFactory

    customer = CustomerFactory(email="carol@example.com", first_name="Carol")
    CustomerProfile.objects.filter(user=customer).update(email_verified_at=timezone.now())
    return customer


@pytest.fixture
def carol_client(client, carol):
    cache.clear()  # rate-limit counters
    client.force_login(carol)
    return client


def _complaints_of(customer, count):
    return [ComplaintFactory(customer=customer, state=State.INVESTIGATING) for _ in range(count)]


def _help_articles(count):
    categories = [Category.DEPOSIT_WITHDRAWAL, Category.KYC, Category.FEES]
    for number in range(count):
        HelpArticle.objects.create(category=categories[number % 3], title=f"How to {number}", body="Steps.", position=number)
        HelpArticle.objects.create(category=categories[number % 3], language="zh-hans", title=f"办法 {number}", body="步骤。")


@pytest.mark.parametrize("articles", [1, MANY])
def test_the_filing_form_costs_the_same_for_one_or_many_help_articles(
    carol_client, carol, django_assert_num_queries, articles
):
    _help_articles(articles)
    _complaints_of(carol, articles)
    # session, the user with the customer profile (e-mail confirmed?), the help articles
    with django_assert_num_queries(3):
        response = carol_client.get(reverse("portal:complaint-new"))
    assert response.status_code == 200
    assert "How to 0" in response.content.decode()


@pytest.mark.parametrize("complaints", [1, MANY])
def test_the_confirmation_costs_the_same_however_many_complaints(carol_client, carol, django_assert_num_queries, complaints):
    filed = _complaints_of(carol, complaints)[-1]
    # session, user, the complaint, and what its next steps read
    with django_assert_num_queries(PINNED_FILED):
        response = carol_client.get(reverse("portal:complaint-filed", args=[filed.reference]))
    assert response.status_code == 200
    assert filed.reference in response.content.decode()


@pytest.mark.parametrize("complaints", [1, MANY])
def test_the_profile_costs_the_same_however_many_complaints(carol_client, carol, django_assert_num_queries, complaints):
    _complaints_of(carol, complaints)
    # session, user, and the customer profile with what its form shows
    with django_assert_num_queries(PINNED_PROFILE):
        response = carol_client.get(reverse("accounts:profile"))
    assert response.status_code == 200


@pytest.mark.parametrize("complaints", [1, MANY])
def test_the_home_page_costs_nothing_for_a_visitor(client, carol, django_assert_num_queries, complaints):
    _complaints_of(carol, complaints)
    with django_assert_num_queries(0):
        response = client.get(reverse("portal:home"))
    assert response.status_code == 200
