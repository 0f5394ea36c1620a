"""The deadlines a complaint is told about at acknowledgement.

The legal clock runs from receipt (MiCA: a decision within two months); the first-response
target is the desk's own. Regimes and SLA policies managed in the admin refine these.
"""

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings


def decision_due_at(received_at: datetime) -> datetime:
    return received_at + relativedelta(months=settings.REDRESS_DECISION_DEADLINE_MONTHS)


def first_response_due_at(received_at: datetime) -> datetime:
    return received_at + timedelta(hours=settings.REDRESS_FIRST_RESPONSE_HOURS)
