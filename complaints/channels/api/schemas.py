"""The intake API's request and response bodies. Unknown fields are refused, not ignored."""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, field_validator

from complaints.choices import Category

Text = Field(min_length=1, max_length=20_000)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_text(value):
    """Only YYYY-MM-DD: pydantic's lax mode would read 0 or "1700000000" as a timestamp."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise ValueError("Give the date as YYYY-MM-DD.")


IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value):
        """PostgreSQL text can't hold NUL; refused here as bad input, not a server error."""
        values = value if isinstance(value, list) else [value]
        if any(isinstance(item, str) and "\x00" in item for item in values):
            raise ValueError("Text may not contain NUL characters.")
        return value


class CustomerIn(Strict):
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                       description="Matched to an existing customer, or a new unverified customer is created.")
    name: str = Field("", max_length=150)
    language: Literal["en", "zh-hans"] | None = Field(None, description="For a new customer; e-mails follow it.")


class ComplaintIn(Strict):
    customer: CustomerIn
    category: Category
    subcategory: str = Field("", max_length=32)
    summary: str = Field(min_length=1, max_length=200)
    description: str = Text
    desired_outcome: str = Field("", max_length=5_000)
    occurred_on: IsoDate | None = None
    order_ids: list[str] = Field(default_factory=list, max_length=20)
    tx_hashes: list[str] = Field(default_factory=list, max_length=20)
    tx_network: str = Field("", max_length=16)
    disputed_amount: Decimal | None = Field(None, ge=0, max_digits=38, decimal_places=18)
    disputed_asset: str = Field("", max_length=16)
    funds_at_risk: bool = Field(False, strict=True)


class ReplyIn(Strict):
    body: str = Text


class TimelineEntryOut(Schema):
    at: datetime
    kind: Literal["event", "message"]
    by_customer: bool
    text: str
    title: str
    body: str


class ComplaintOut(Schema):
    reference: str
    state: str = Field(description="The lifecycle state code, e.g. triage or awaiting_customer.")
    status: str = Field(description="The state in the customer's words and language.")
    channel: str
    received_at: datetime
    timeline: list[TimelineEntryOut]


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []
