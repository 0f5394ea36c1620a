"""Portal forms. They check what a person can fix at the field (formats, files, lengths); the
services check everything again and have the last word."""

import re
import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import services
from ..choices import SUBCATEGORIES, Category
from ..evidence import ALLOWED_TYPES, MB, check_upload
from ..identifiers import TX_HASH_FORMATS, normalise_order_id, normalise_tx_hash

MAX_FILES = 10
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_SPLIT = re.compile(r"[\s,;，；]+")

# A plain-language line under each category, so a customer can tell them apart.
CATEGORY_HELP = {
    Category.TRADE_DISPUTE: _("An order filled at a bad price, late, not at all, or wrongly."),
    Category.ACCOUNT_SECURITY: _("Someone else got into your account, or funds left it without you."),
    Category.DEPOSIT_WITHDRAWAL: _("Money or crypto you sent in or took out did not arrive as expected."),
    Category.LIQUIDATION: _("A position was liquidated or deleveraged and you think it was wrong."),
    Category.KYC: _("Checking your identity was refused or is taking too long."),
    Category.API: _("Errors or limits when you trade through the API."),
    Category.FEES: _("You were charged more than expected, or a fee was not explained."),
    Category.SERVICE_QUALITY: _("How our support answered you, or how long it took."),
    Category.TECHNICAL_FAULT: _("The app or website was down or did not work."),
    Category.FRAUD: _("Phishing, someone pretending to be us, or a scam project."),
    Category.OTHER: _("Anything else."),
}


def evidence_limits() -> list[tuple[str, int]]:
    """(label, megabytes) for each allowed type, as shown beside the upload field."""
    return [(kind.extension.lstrip(".").upper(), kind.max_size // MB) for kind in ALLOWED_TYPES.values()]


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, each checked like a single upload (type sniffed, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > MAX_FILES:
            raise ValidationError(_("Attach at most %(count)d files at a time.") % {"count": MAX_FILES})
        errors = []
        for upload in files:
            try:
                check_upload(upload)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return files


def _single_upload(upload):
    if upload:
        try:
            check_upload(upload)
        except ValidationError as error:
            raise ValidationError(error.messages) from error
    return upload


def _accept_attribute() -> str:
    return ",".join([kind.extension for kind in ALLOWED_TYPES.values()] + [".jpeg"])


def _split(value: str) -> list[str]:
    return [part for part in _SPLIT.split(value or "") if part]


def _category_choices():
    return [("", _("Choose a category"))] + list(Category.choices)


def _subcategory_choices():
    groups = [(Category(code).label, list(options)) for code, options in SUBCATEGORIES.items()]
    return [("", _("Choose what happened (optional)"))] + groups


def _network_choices():
    return [("", _("Detect from the hash"))] + [(code, code) for code in TX_HASH_FORMATS]


def _textarea(rows: int, **attrs):
    return forms.Textarea(attrs={"rows": rows, **attrs})


class FilingForm(forms.Form):
    form_token = forms.CharField(widget=forms.HiddenInput)
    category = forms.ChoiceField(label=_("What is your complaint about?"), choices=_category_choices)
    subcategory = forms.ChoiceField(label=_("What happened?"), choices=_subcategory_choices, required=False)
    summary = forms.CharField(
        label=_("Summary"), max_length=200,
        help_text=_("One line, for example: “My USDT withdrawal on 3 May never arrived”."),
    )  # fmt: skip
    description = forms.CharField(
        label=_("Describe what happened"), max_length=20000, widget=_textarea(7),
        help_text=_("In your own words: what you did, what you expected, and what went wrong."),
    )  # fmt: skip
    desired_outcome = forms.CharField(
        label=_("What would put it right for you? (optional)"), max_length=5000, required=False, widget=_textarea(3)
    )
    occurred_on = forms.DateField(
        label=_("When did it happen? (optional)"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The date of the order, transfer or event; the first one if there were several."),
    )  # fmt: skip
    order_ids = forms.CharField(
        label=_("Order IDs (optional)"), required=False, max_length=2000, widget=_textarea(2, spellcheck="false"),
        help_text=_("One per line. 4–64 letters, digits, - or _."),
    )  # fmt: skip
    tx_network = forms.ChoiceField(label=_("Blockchain network"), choices=_network_choices, required=False)
    tx_hashes = forms.CharField(
        label=_("Transaction hashes (optional)"), required=False, max_length=5000,
        widget=_textarea(2, spellcheck="false"),
        help_text=_("One per line, as shown by the block explorer (for example 0x… on Ethereum)."),
    )  # fmt: skip
    disputed_amount = forms.DecimalField(
        label=_("Amount in dispute (optional)"), required=False, min_value=0, max_digits=38, decimal_places=18,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )  # fmt: skip
    disputed_asset = forms.CharField(
        label=_("Asset (for example USDT or BTC)"), required=False, max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )  # fmt: skip
    funds_at_risk = forms.BooleanField(
        label=_("Funds are still at risk right now (someone else may still be in my account)"), required=False
    )
    evidence = MultipleFileField(label=_("Evidence (optional)"), required=False)
    on_behalf = forms.BooleanField(label=_("I am filing on behalf of someone else, as their representative"), required=False)
    represented_person = forms.CharField(label=_("Full name of the person you represent"), max_length=200, required=False)
    power_of_attorney = forms.FileField(
        label=_("Power of attorney"), required=False,
        help_text=_("A signed document that lets you act for this person (PDF or image)."),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        accept = _accept_attribute()
        self.fields["evidence"].widget.attrs["accept"] = accept
        self.fields["power_of_attorney"].widget.attrs["accept"] = accept
        today = timezone.localdate().isoformat()
        self.fields["occurred_on"].widget.attrs["max"] = today

    def clean_form_token(self):
        token = self.cleaned_data["form_token"]
        if not _TOKEN.match(token):
            raise ValidationError(_("This form has expired. Please reload the page."))
        return token

    def clean_subcategory(self):
        return self.cleaned_data.get("subcategory", "")

    def clean_occurred_on(self):
        day = self.cleaned_data.get("occurred_on")
        if day and day > timezone.localdate():
            raise ValidationError(_("The date it happened can't be in the future."))
        return day

    def clean_order_ids(self):
        values, errors = _split(self.cleaned_data.get("order_ids")), []
        for value in values:
            try:
                normalise_order_id(value)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return tuple(values)

    def clean_disputed_asset(self):
        return self.cleaned_data.get("disputed_asset", "").strip().upper()

    def clean_power_of_attorney(self):
        return _single_upload(self.cleaned_data.get("power_of_attorney"))

    def clean(self):
        cleaned = super().clean()
        category, subcategory = cleaned.get("category"), cleaned.get("subcategory")
        if category and subcategory and subcategory not in {code for code, _label in SUBCATEGORIES.get(category, [])}:
            self.add_error("subcategory", _("Choose a subcategory of the category you picked."))
        self._clean_tx_hashes(cleaned)
        if cleaned.get("disputed_amount") is not None and not cleaned.get("disputed_asset"):
            self.add_error("disputed_asset", _("Name the asset of the disputed amount."))
        if cleaned.get("on_behalf"):
            if not (cleaned.get("represented_person") or "").strip():
                self.add_error("represented_person", _("Give the name of the person you represent."))
            if not cleaned.get("power_of_attorney") and "power_of_attorney" not in self.errors:
                self.add_error("power_of_attorney", _("Attach the power of attorney that lets you act for this person."))
        return cleaned

    def _clean_tx_hashes(self, cleaned):
        values, errors = _split(cleaned.get("tx_hashes")), []
        for value in values:
            try:
                normalise_tx_hash(value, cleaned.get("tx_network") or "")
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            self.add_error("tx_hashes", errors)
        cleaned["tx_hashes"] = tuple(values)

    def filing(self, language: str) -> services.Filing:
        data = self.cleaned_data
        on_behalf = data["on_behalf"]
        return services.Filing(
            category=data["category"], subcategory=data["subcategory"], summary=data["summary"],
            description=data["description"], desired_outcome=data["desired_outcome"],
            occurred_on=data["occurred_on"], order_ids=data["order_ids"], tx_hashes=data["tx_hashes"],
            tx_network=data["tx_network"], disputed_amount=data["disputed_amount"],
            disputed_asset=data["disputed_asset"], funds_at_risk=data["funds_at_risk"],
            language=language, represented_person=data["represented_person"] if on_behalf else "",
        )  # fmt: skip


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=20000, widget=_textarea(5))
    files = MultipleFileField(label=_("Attach files (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs["accept"] = _accept_attribute()


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("What do you disagree with?"), max_length=20000, widget=_textarea(4),
        help_text=_("We look at the case again once. After that you can accept the decision or appeal."),
    )  # fmt: skip


class AppealForm(forms.Form):
    grounds = forms.CharField(
        label=_("Grounds of your appeal"), max_length=20000, widget=_textarea(5),
        help_text=_("Why the decision is wrong. Someone who did not take the decision will review it."),
    )  # fmt: skip


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing? (optional)"), max_length=5000, required=False, widget=_textarea(3)
    )


class RatingForm(forms.Form):
    SCORES = [(5, _("5 — very good")), (4, _("4 — good")), (3, _("3 — fair")), (2, _("2 — poor")), (1, _("1 — very poor"))]

    score = forms.TypedChoiceField(
        label=_("How did we handle your complaint?"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Comment (optional)"), max_length=5000, required=False, widget=_textarea(3))
