"""Factories for bulk data. Complaints made here skip the services: use them to set up a
state, then exercise the service under test."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import CustomerProfile, StaffProfile, Team, User
from accounts.roles import Role
from complaints.audit import open_chain
from complaints.choices import Category, Channel, State
from complaints.models import Complaint
from escalation.services import clocks_recompute


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CustomerFactory(UserFactory):
    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        if create:
            CustomerProfile.objects.create(
                user=obj, exchange_uid=f"UID{obj.pk:08d}", language=kwargs.get("language", "en"),
                verified=kwargs.get("verified", False),
            )
            obj.groups.add(Group.objects.get(name=Role.CUSTOMER))


def make_staff(role: Role, *, team: str | None = None, limit: Decimal | int = 0, **fields) -> User:
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=role))
    StaffProfile.objects.create(
        user=user, team=Team.objects.get(code=team) if team else None, approval_limit=Decimal(limit)
    )
    return user


class ComplaintFactory(factory.django.DjangoModelFactory):
    """A complaint placed directly in a state, with its audit chain opened."""

    class Meta:
        model = Complaint
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"CMP-2026-{n + 9000000:07d}")
    customer = factory.SubFactory(CustomerFactory)
    channel = Channel.WEB
    category = Category.DEPOSIT_WITHDRAWAL
    subcategory = "withdrawal_missing"
    summary = "My USDT withdrawal never arrived"
    description = "I withdrew 500 USDT on TRON and it never arrived at my wallet."
    received_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, state=State.RECEIVED, with_clock=True, **kwargs):
        # A protected FSM field may be set once, at construction: tests place complaints in
        # any state, and the services are what refuse illegal moves from there.
        complaint = model_class(*args, state=state, **kwargs)
        complaint.save()
        open_chain(complaint)
        if with_clock:
            # Its due times, as the services keep them: queues and pages read the clock row.
            clocks_recompute(complaint)
        return complaint
