"""The Simplified Chinese catalogue: complete, well-formed, compiled, up to date, and used.

English and Simplified Chinese are both first-class: a customer whose profile says zh-hans
must get every e-mail entirely in Chinese, and an English customer none of it.

When a test here fails after you added or changed a string, refresh the catalogue:

    .venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests --ignore=bench
    (translate the new entries in locale/zh_Hans/LC_MESSAGES/django.po; no fuzzy, no empty msgstr)
    .venv/bin/python manage.py compilemessages -l zh_Hans --ignore=.venv
"""

import ast
import gettext
import html
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation.template import templatize

from complaints.choices import AppealOutcome, Category, ClosureReason, MessageKind, Outcome, RemedyKind, State
from complaints.models import Message, Notification, Remedy
from complaints.notifications import notification_queue, notification_render

from .factories import ComplaintFactory, CustomerFactory

BASE_DIR = Path(settings.BASE_DIR)
CATALOGUE_DIR = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = CATALOGUE_DIR / "django.po"
MO_PATH = CATALOGUE_DIR / "django.mo"
NOTIFICATION_TEMPLATES = BASE_DIR / "templates" / "notifications"

# What makemessages is run over: the project, minus these (and hidden directories).
IGNORED_DIRS = {".venv", "var", "tests", "bench", "locale", "node_modules", "__pycache__"}

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# A printf placeholder as Python's % operator reads it: %(name)s, %(size).1f, %d, %s …
PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<conv>[diouxXeEfFgGcrsa%])")


# --- Reading the catalogue ------------------------------------------------------------------------


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {context}{self.msgid!r}"


_PO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _po_string(literal: str) -> str:
    literal = literal.strip()
    assert literal.startswith('"') and literal.endswith('"'), literal
    return re.sub(r"\\(.)", lambda m: _PO_ESCAPES.get(m.group(1), m.group(1)), literal[1:-1])


def parse_po(text: str) -> list[Entry]:
    """The live entries of a .po file (obsolete #~ entries are skipped), header included."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: str | None = None

    def finish():
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            finish()
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Entry(line=number)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        keyword = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$", line)
        if keyword:
            name, index, literal = keyword.groups()
            value = _po_string(literal)
            if name == "msgctxt":
                current.msgctxt, target = value, "msgctxt"
            elif name == "msgid":
                current.msgid, target = value, "msgid"
                current.line = number
            elif name == "msgid_plural":
                current.msgid_plural, target = value, "msgid_plural"
            else:
                position = int(index or 0)
                while len(current.msgstr) <= position:
                    current.msgstr.append("")
                current.msgstr[position] = value
                target = f"msgstr:{position}"
        elif line.startswith('"') and target:
            value = _po_string(line)
            if target.startswith("msgstr:"):
                current.msgstr[int(target.split(":")[1])] += value
            else:
                setattr(current, target, getattr(current, target) + value)
        else:
            raise AssertionError(f"{PO_PATH}:{number}: can't read {line!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_PATH.exists(), f"{PO_PATH} is missing: run makemessages -l zh_Hans"
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    return [entry for entry in po_entries if entry.msgid]


def placeholders(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(sorted named placeholders as (name, conversion), sorted unnamed conversions), ignoring %%."""
    named, unnamed = [], []
    for match in PLACEHOLDER.finditer(text):
        if match.group("conv") == "%":
            continue
        if match.group("name") is not None:
            named.append((match.group("name"), match.group("conv")))
        else:
            unnamed.append(match.group("conv"))
    return sorted(set(named)), sorted(unnamed)


def test_catalogue_header_is_simplified_chinese(po_entries):
    header = next((entry for entry in po_entries if entry.msgid == "" and entry.msgctxt is None), None)
    assert header is not None, "the .po has no header entry"
    assert "fuzzy" not in header.flags, "the header is marked fuzzy: msgfmt would ignore it"
    fields = dict(line.split(": ", 1) for line in header.msgstr[0].splitlines() if ": " in line)
    assert fields.get("Language") == "zh_Hans"
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert fields.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"


def test_every_message_is_translated_and_none_is_fuzzy(messages):
    assert len(messages) > 100, "the catalogue is suspiciously small"
    problems = []
    for entry in messages:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.label}")
        expected_forms = 1  # nplurals=1, with or without msgid_plural
        if len(entry.msgstr) < expected_forms or not all(form.strip() for form in entry.msgstr):
            problems.append(f"untranslated: {entry.label}")
    assert not problems, "the zh_Hans catalogue is incomplete:\n" + "\n".join(problems)


def test_placeholders_survive_translation(messages):
    problems = []
    for entry in messages:
        # Chinese has one form; it stands for the plural too, so compare it with msgid_plural.
        source = entry.msgid_plural if entry.msgid_plural is not None else entry.msgid
        expected = placeholders(source)
        for form in entry.msgstr:
            if form and placeholders(form) != expected:
                problems.append(f"{entry.label}: expects {expected}, msgstr has {placeholders(form)}: {form!r}")
            if ("{{" in form or "{%" in form) and not ("{{" in source or "{%" in source):
                problems.append(f"{entry.label}: template syntax in msgstr {form!r}")
    assert not problems, "placeholders differ between msgid and msgstr:\n" + "\n".join(problems)


def test_compiled_catalogue_matches_the_po(messages):
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run compilemessages -l zh_Hans"
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.info().get("plural-forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    stale = []
    for entry in messages:
        if entry.msgid_plural is not None:
            if entry.msgctxt is not None:
                got = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 2)
            else:
                got = compiled.ngettext(entry.msgid, entry.msgid_plural, 2)
        elif entry.msgctxt is not None:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
        else:
            got = compiled.gettext(entry.msgid)
        if got != entry.msgstr[0]:
            stale.append(f"{entry.label}: .mo has {got!r}, .po has {entry.msgstr[0]!r}")
    assert not stale, "django.mo is out of date with django.po (run compilemessages):\n" + "\n".join(stale)


# --- Is every string in the code in the catalogue? --------------------------------------------------

# xgettext's keywords as makemessages passes them: name → (context arg, msgid arg, plural arg).
_KEYWORDS = {
    "_": (None, 0, None), "gettext": (None, 0, None), "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None), "ugettext": (None, 0, None),
    "ngettext": (None, 0, 1), "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None), "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2), "npgettext_lazy": (0, 1, 2),
}
_TEMPLATIZED = re.compile(
    r"\b(?P<func>n?p?gettext)\((?P<args>(?:\s*u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\s*,?)+)\s*(?:count)?\s*\)"
)
_LITERAL = re.compile(r"u?('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")")


def _source_files(suffixes):
    for root, dirs, files in os.walk(BASE_DIR):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in IGNORED_DIRS)
        for name in sorted(files):
            if name.endswith(suffixes) and not name.startswith("."):
                yield Path(root) / name


def _python_msgids(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in _KEYWORDS:
            continue
        context_at, msgid_at, _plural_at = _KEYWORDS[name]
        args = node.args
        if len(args) <= msgid_at or not all(
            isinstance(args[i], ast.Constant) and isinstance(args[i].value, str)
            for i in (context_at, msgid_at) if i is not None
        ):
            continue
        context = args[context_at].value if context_at is not None else None
        yield context, args[msgid_at].value, f"{path.relative_to(BASE_DIR)}:{node.lineno}"


def _template_msgids(path: Path):
    """The msgids makemessages would take from a template, found with Django's own templatize."""
    source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    for match in _TEMPLATIZED.finditer(source):
        literals = [ast.literal_eval(literal) for literal in _LITERAL.findall(match.group("args"))]
        context = literals.pop(0) if match.group("func").startswith(("pgettext", "npgettext")) else None
        line = source.count("\n", 0, match.start()) + 1
        yield context, literals[0], f"{path.relative_to(BASE_DIR)}:{line}"


def source_msgids():
    for path in _source_files((".py",)):
        yield from _python_msgids(path)
    for path in _source_files((".html", ".txt")):
        yield from _template_msgids(path)


def test_the_catalogue_covers_every_string_in_the_code(messages):
    translated = {(entry.msgctxt, entry.msgid) for entry in messages if entry.msgstr and all(entry.msgstr)}
    found = list(source_msgids())
    assert any(location.startswith("templates/notifications/") for *_, location in found)
    missing = sorted({f"{location}: {msgid!r}" for context, msgid, location in found if (context, msgid) not in translated})
    assert not missing, "strings missing from (or untranslated in) the zh_Hans catalogue:\n" + "\n".join(missing)


# --- The e-mails customers receive ----------------------------------------------------------------

TEXTS = {
    "en": {
        "name": "Alice",
        "summary": "My USDT withdrawal never arrived",
        "description": "I withdrew 500 USDT on TRON and it never arrived at my wallet.",
        "desired_outcome": "Credit the 500 USDT to my wallet.",
        "request": "Please send the transaction hash of the withdrawal.",
        "reply": "We are checking the withdrawal with our wallet team.",
        "reasons": "The withdrawal was held by our risk engine for longer than our terms allow.",
        "recourse": "You may ask for one re-review or appeal within 30 days.",
        "referral": "Contact the wallet provider that received the funds.",
        "appeal": "We have reviewed the case again and now refund the withdrawal fee as well.",
        "extension": "We are waiting for the receiving exchange to confirm where the funds went.",
    },
    "zh-hans": {
        "name": "张伟",
        "summary": "我的 USDT 提现一直未到账",
        "description": "我在 TRON 网络上提现了 500 USDT，但一直没有到账。",
        "desired_outcome": "请将 500 USDT 退回我的钱包。",
        "request": "请提供该笔提现的交易哈希。",
        "reply": "我们正在与钱包团队核查这笔提现。",
        "reasons": "该笔提现被风控系统冻结的时间超出了我们条款允许的范围。",
        "recourse": "您可以在 30 天内申请一次重新审查或提出申诉。",
        "referral": "请联系接收这笔资金的钱包服务商。",
        "appeal": "我们重新审查了此案，现决定一并退还提现手续费。",
        "extension": "我们正在等待接收方交易所确认资金去向。",
    },
}
CASES = [
    "acknowledgement",
    "information_request",
    "resolution_proposed",
    "reply",
    "closure-out_of_scope",
    "closure-duplicate",
    "closure-no_response",
    "appeal_decision",
    "deadline_extension",
    "deemed_acceptance",
    "reminder-information",
    "reminder-acceptance",
]
# Notices to staff, rendered in the desk's language (LANGUAGE_CODE) rather than the customer's.
STAFF_NOTICES = {"escalation_alert", "security_page"}
# Sentence fragments from the English templates and labels: none may reach a Chinese customer.
ENGLISH_FRAGMENTS = [
    "Dear", "We received your complaint", "What happens next", "Follow your complaint",
    "A copy of your complaint", "Category", "Summary", "What happened", "The outcome you asked for",
    "To continue with your complaint", "Please answer", "We have finished", "Our decision", "What we offer",
    "Your options", "Please sign in", "independent reviewer", "Outcome of your appeal", "What we will now do",
    "final decision", "unable to handle", "Where you can turn", "If you disagree", "repeats your complaint",
    "We closed your complaint", "You can reopen", "has been closed", "more information", "A new message",
    "decision on your appeal", "Do not share", "password", "Complaint CMP", "Deposit or withdrawal",
    "We are sorry", "Why we need more time", "You do not need to do anything", "treated as accepted",
    "What we are now carrying out", "Reminder", "we have not heard from you", "Please answer by",
    "Partly upheld", "Decision changed", "Fee refund", "Compensation", "Apology", "days",
]
ENGLISH_MONTH = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d")
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}(?:[ ,;:.'’-]+[A-Za-z]{2,})+")


def notify(case: str, customer, staff, texts: dict):
    """Queue the notification a case stands for, as the services would, and return it."""
    now = timezone.now()
    kind, _, variant = case.partition("-")
    fields = {"customer": customer, "summary": texts["summary"], "description": texts["description"],
              "desired_outcome": texts["desired_outcome"], "category": Category.DEPOSIT_WITHDRAWAL}
    context = {}

    def message(body, message_kind):
        return Message.objects.create(complaint=complaint, author=staff, body=body, kind=message_kind)

    def remedy(remedy_kind, amount=None):
        return Remedy.objects.create(complaint=complaint, kind=remedy_kind, amount=amount,
                                     asset="USDT" if amount else "", reference_value=amount or 0, proposed_by=staff)

    if kind == "acknowledgement":
        complaint = ComplaintFactory(state=State.TRIAGE, **fields)
        context = {"first_response_due": complaint.received_at + timedelta(hours=24),
                   "decision_due": complaint.received_at + timedelta(days=60)}
    elif kind == "information_request":
        complaint = ComplaintFactory(state=State.AWAITING_CUSTOMER, **fields)
        context = {"message": message(texts["request"], MessageKind.INFORMATION_REQUEST)}
    elif kind == "resolution_proposed":
        complaint = ComplaintFactory(state=State.RESOLUTION_PROPOSED, outcome=Outcome.PARTLY_UPHELD,
                                     liability="platform_fault", reasons=texts["reasons"],
                                     recourse=texts["recourse"], decided_at=now, **fields)
        context = {"remedies": [remedy(RemedyKind.FEE_REFUND, Decimal("12.5")), remedy(RemedyKind.APOLOGY)]}
    elif kind == "reply":
        complaint = ComplaintFactory(state=State.INVESTIGATING, **fields)
        context = {"message": message(texts["reply"], MessageKind.COMMENT)}
    elif kind == "closure":
        closed = {"state": State.CLOSED, "closure_reason": variant, "closed_at": now, **fields}
        if variant == ClosureReason.OUT_OF_SCOPE:
            complaint = ComplaintFactory(reasons=texts["reasons"], recourse=texts["referral"], decided_at=now, **closed)
        elif variant == ClosureReason.DUPLICATE:
            original = ComplaintFactory(state=State.INVESTIGATING, **fields)
            complaint = ComplaintFactory(duplicate_of=original, decided_at=now, **closed)
            context = {"original": original}
        else:
            complaint = ComplaintFactory(**closed)
    elif kind == "appeal_decision":
        complaint = ComplaintFactory(state=State.RESOLVED, outcome=Outcome.NOT_UPHELD,
                                     appeal_outcome=AppealOutcome.CHANGED, appeal_decided_at=now, **fields)
        context = {"message": message(texts["appeal"], MessageKind.APPEAL_DECISION),
                   "remedies": [remedy(RemedyKind.COMPENSATION, Decimal("100"))]}
    elif kind == "deadline_extension":
        complaint = ComplaintFactory(state=State.INVESTIGATING, **fields)
        previous_due = complaint.received_at + timedelta(days=60)
        context = {"extension": {"reason": texts["extension"]}, "previous_due": previous_due,
                   "new_due": previous_due + timedelta(days=30), "regime_name": "MiCA"}
    elif kind == "deemed_acceptance":
        complaint = ComplaintFactory(state=State.RESOLVED, outcome=Outcome.UPHELD, reasons=texts["reasons"],
                                     recourse=texts["recourse"], decided_at=now - timedelta(days=14), resolved_at=now,
                                     **fields)
        context = {"remedies": [remedy(RemedyKind.FEE_REFUND, Decimal("12.5"))]}
    elif kind == "reminder" and variant == "information":
        complaint = ComplaintFactory(state=State.AWAITING_CUSTOMER, information_requested_at=now - timedelta(days=10),
                                     **fields)
        context = {"about": "information", "answer_by": now + timedelta(days=4)}
    elif kind == "reminder" and variant == "acceptance":
        complaint = ComplaintFactory(state=State.RESOLUTION_PROPOSED, outcome=Outcome.PARTLY_UPHELD,
                                     reasons=texts["reasons"], recourse=texts["recourse"],
                                     decided_at=now - timedelta(days=10), **fields)
        context = {"about": "acceptance", "answer_by": complaint.deemed_acceptance_at}
    else:
        raise AssertionError(case)
    if kind == "acknowledgement":  # rendered by the worker that sends it, from its stored context
        queued = notification_queue(complaint=complaint, kind=kind, context=context, render_when_sent=True)
        return notification_render(Notification.objects.get(pk=queued.pk))
    return notification_queue(complaint=complaint, kind=kind, context=context)


def visible_text(markup: str) -> str:
    markup = re.sub(r"<(style|script)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def customer_for(language: str):
    return CustomerFactory(first_name=TEXTS[language]["name"], profile__language=language)


@pytest.mark.parametrize("case", CASES)
def test_a_chinese_customer_gets_the_email_entirely_in_chinese(db, agent, case):
    notification = notify(case, customer_for("zh-hans"), agent, TEXTS["zh-hans"])
    assert notification.language == "zh-hans"
    parts = {"subject": notification.subject, "body_text": notification.body_text,
             "body_html": visible_text(notification.body_html)}
    problems = []
    for part, text in parts.items():
        if not CJK.search(text):
            problems.append(f"{part} has no Chinese at all: {text!r}")
        leaks = [fragment for fragment in ENGLISH_FRAGMENTS if fragment in text]
        leaks += ENGLISH_MONTH.findall(text)
        scrubbed = text.replace(settings.REDRESS_PORTAL_URL, " ").replace(settings.REDRESS_DESK_EMAIL, " ")
        leaks += ENGLISH_PHRASE.findall(scrubbed)
        if leaks:
            problems.append(f"{part} leaks English {sorted(set(leaks))}:\n{text}")
    assert 'lang="zh-hans"' in notification.body_html
    assert notification.complaint.reference in notification.subject
    assert not problems, f"{case}:\n" + "\n".join(problems)


@pytest.mark.parametrize("case", CASES)
def test_an_english_customer_gets_no_chinese(db, agent, case):
    notification = notify(case, customer_for("en"), agent, TEXTS["en"])
    assert notification.language == "en"
    for part in (notification.subject, notification.body_text, notification.body_html):
        assert not CJK.search(part), f"{case}: Chinese in an English e-mail:\n{part}"
    assert notification.body_text.startswith("Dear Alice,")
    assert 'lang="en"' in notification.body_html
    assert notification.complaint.reference in notification.subject


def test_every_customer_notification_has_a_case_here():
    """A new customer e-mail needs a case in CASES, so that it is checked in both languages."""
    covered = {case.partition("-")[0] for case in CASES} | STAFF_NOTICES
    kinds = {path.name.split(".")[0].removesuffix("_subject") for path in NOTIFICATION_TEMPLATES.iterdir()}
    missing = sorted(kind for kind in kinds if not kind.startswith("_") and kind not in covered)
    assert not missing, f"notification kinds with no case in tests/test_translations.py: {missing}"


def test_every_notification_string_is_rendered_in_chinese(db, agent, messages):
    """Each msgid of the customer notification templates shows up, translated, in some Chinese
    e-mail: the catalogue's translations are the ones the templates use, no branch left out."""
    translations = {(entry.msgctxt, entry.msgid): entry.msgstr[0] for entry in messages}
    customer = customer_for("zh-hans")
    rendered = []
    for case in CASES:
        notification = notify(case, customer, agent, TEXTS["zh-hans"])
        rendered += [notification.subject, notification.body_text, visible_text(notification.body_html)]
    everything = "\n".join(rendered)
    unused = []
    for path in sorted(NOTIFICATION_TEMPLATES.iterdir()):
        if path.name.split(".")[0].removesuffix("_subject") in STAFF_NOTICES:
            continue
        for context, msgid, location in _template_msgids(path):
            msgstr = translations.get((context, msgid), "")
            # The longest stretch of the translation between placeholders must appear verbatim.
            pieces = sorted(PLACEHOLDER.sub("\0", msgstr).split("\0"), key=len)
            if not msgstr or pieces[-1].strip() not in everything:
                unused.append(f"{location}: {msgid!r} → {msgstr!r}")
    assert not unused, "notification strings not seen translated in any Chinese e-mail:\n" + "\n".join(sorted(set(unused)))
