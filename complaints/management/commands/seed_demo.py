"""`python manage.py seed_demo`: demo log-ins and about fifty complaints in every state.

Everything goes through the service functions in complaints/services.py, so each complaint
has a real history, a real audit chain and real outbox rows. Steps that need time to pass
(deemed acceptance, closing after the appeal window, closing for no response, archiving) are
played in the past with time-machine: each complaint is filed on a day within the last half
year and its clock is moved forward step by step, so every date looks like a desk's.

The command is idempotent: existing demo accounts are kept as they are, and complaints are
seeded only while the demo customers have none. Either way it prints the log-ins.

`received` is the one state the demo does not hold: complaint_file acknowledges at once
(received → triage) and no service leaves a complaint at `received`.
"""

import struct
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import CustomerProfile, StaffProfile, Team, User
from accounts.roles import Role
from complaints import services
from complaints.choices import (
    MONETARY_REMEDIES,
    AppealOutcome,
    Category,
    Channel,
    InformationItem,
    Liability,
    Outcome,
    Priority,
    RemedyKind,
    RemedyState,
    State,
)
from complaints.models import Complaint

DEMO_PASSWORD = "redress-demo"

# key, e-mail, first name, last name, role (None: superuser), team, approval limit
STAFF = [
    ("admin", "admin@redress.test", "Demo", "Admin", None, None, 0),
    ("agent", "agent@redress.test", "Sam", "Porter", Role.AGENT, Team.Code.CUSTOMER_SERVICE, 500),
    ("specialist", "specialist@redress.test", "Priya", "Nair", Role.SPECIALIST, Team.Code.TRADE_RISK, 2_000),
    ("security", "security@redress.test", "Omar", "Haddad", Role.SPECIALIST, Team.Code.SECURITY, 1_000),
    ("supervisor", "supervisor@redress.test", "Grace", "Kim", Role.SUPERVISOR, Team.Code.CUSTOMER_SERVICE, 50_000),
    ("appeals", "appeals@redress.test", "Daniel", "Ortiz", Role.APPEALS_REVIEWER, Team.Code.APPEALS, 0),
    ("compliance", "compliance@redress.test", "Helen", "Wu", Role.COMPLIANCE_OFFICER, None, 0),
]

# key, e-mail, first name, last name, exchange UID, language, verified, jurisdiction
CUSTOMERS = [
    ("alice", "alice@example.com", "Alice", "Martin", "20481733", "en", True, "FR"),
    ("bob", "bob@example.com", "Bob", "Okafor", "20517249", "en", False, "GB"),
    ("liwei", "li.wei@example.cn", "伟", "李", "31870062", "zh-hans", True, "HK"),
    ("maria", "maria@example.com", "Maria", "Rossi", "20693318", "en", True, "IT"),
    ("zhang", "zhang.min@example.cn", "敏", "张", "31902457", "zh-hans", False, "SG"),
    ("tom", "tom@example.com", "Tom", "Becker", "20734406", "en", False, "DE"),
]

# Reference-currency (USD) prices used for approval limits and reports.
PRICES = {"USDT": Decimal("1"), "USDC": Decimal("1"), "BTC": Decimal("90000"), "ETH": Decimal("3000")}

# Complaints registered by an agent on the customer's behalf arrive by these channels.
STAFF_CHANNELS = {Channel.EMAIL, Channel.PHONE, Channel.LIVE_CHAT, Channel.SOCIAL}

RECOURSE = {
    "en": (
        "You can accept this decision, ask for one re-review, or appeal within 30 days from the "
        "complaints portal. An independent reviewer who took no part in this decision will hear "
        "the appeal. You may also refer the matter to the competent national authority or an "
        "out-of-court dispute resolution body."
    ),
    "zh-hans": (
        "您可以在投诉门户中接受本决定、申请一次复核，或在30天内提出申诉；申诉将由未参与本决定的独立"
        "复核人员处理。您也可以向主管机构或庭外争议解决机构投诉。"
    ),
}
EXTERNAL_RECOURSE = {
    "en": (
        "This is the exchange's final decision. You may still refer the complaint to the competent "
        "national authority, an alternative dispute resolution (ADR) body or arbitration, or bring "
        "it before the courts."
    ),
    "zh-hans": "这是本平台的最终决定。您仍可将投诉提交主管机构、替代性争议解决（ADR）机构或仲裁机构，或向法院提起诉讼。",
}


# --- Evidence: small PNG "screenshots" made from nothing ----------------------------------------------


def png_screenshot(accent: tuple[int, int, int], *, width: int = 240, height: int = 150, lines: int = 6) -> bytes:
    """A real PNG that looks like a tiny app screenshot: a coloured bar, then grey text lines."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    white, grey = bytes((250, 250, 250)), bytes((190, 194, 200))
    bar = bytes(accent) * width
    rows = []
    for y in range(height):
        if y < 22:
            pixels = bar
        else:
            line, offset = divmod(y - 34, 18)
            length = width - 40 - (line * 23) % 90
            if 0 <= line < lines and offset < 6:
                pixels = white * 16 + grey * length + white * (width - 16 - length)
            else:
                pixels = white * width
        rows.append(b"\x00" + pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
    )


def screenshot(name: str, accent: tuple[int, int, int]) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_screenshot(accent), content_type="image/png")


# --- Remedies ----------------------------------------------------------------------------------------------


def paid(kind: str, amount: str, asset: str, details: str = "") -> services.RemedyInput:
    amount = Decimal(amount)
    return services.RemedyInput(
        kind=kind, amount=amount, asset=asset, reference_value=(amount * PRICES[asset]).quantize(Decimal("0.01")),
        details=details,
    )  # fmt: skip


def given(kind: str, details: str = "") -> services.RemedyInput:
    return services.RemedyInput(kind=kind, details=details)


# --- Playing a complaint's life in the past ------------------------------------------------------------------


class Clock:
    """Moves one complaint's time forward, step by step; never past the real now."""

    def __init__(self, travel, start: datetime, end: datetime, label: str):
        self._travel, self.moment, self.end, self.label = travel, start, end, label

    def __call__(self, *, days: float = 0, hours: float = 0, minutes: float = 0):
        self.moment += timedelta(days=days, hours=hours, minutes=minutes)
        if self.moment >= self.end:
            raise CommandError(f"seed_demo: the story of {self.label} runs into the future; shorten it.")
        return self._travel(self.moment, tick=True)


@dataclass(frozen=True)
class Story:
    key: str
    customer: str
    days_ago: float
    category: str
    subcategory: str
    summary: str
    description: str
    channel: str = Channel.WEB
    desired_outcome: str = ""
    happened_days_before: int = 1
    order_ids: tuple[str, ...] = ()
    tx_hashes: tuple[str, ...] = ()
    tx_network: str = ""
    disputed: tuple[str, str] | None = None  # (amount, asset)
    funds_at_risk: bool = False
    evidence: tuple[tuple[str, tuple[int, int, int]], ...] = ()
    plot: Callable | None = field(default=None, compare=False)


class Seeder:
    """The demo desk's people and the helpers the stories use. Every change is a service call."""

    def __init__(self, travel, users: dict[str, User], now: datetime):
        self.travel, self.users, self.now = travel, users, now
        self.complaints: dict[str, Complaint] = {}

    def __getattr__(self, key):
        try:
            return self.__dict__["users"][key]
        except KeyError:
            raise AttributeError(key) from None

    def lang(self, complaint) -> str:
        return "zh-hans" if complaint.language == "zh-hans" else "en"

    # Intake
    def received_at(self, story: Story) -> datetime:
        # Up to ten hours earlier than the round age, so filings fall at different times of day
        # (less than the half day between a duplicate and its original).
        spread = (STORIES.index(story) * 37) % 600
        return self.now - timedelta(days=story.days_ago, minutes=spread)

    def file(self, story: Story) -> Complaint:
        received = self.received_at(story)
        customer = self.users[story.customer]
        amount, asset = story.disputed or (None, "")
        filing = services.Filing(
            category=story.category, subcategory=story.subcategory, summary=story.summary,
            description=story.description, desired_outcome=story.desired_outcome,
            occurred_on=(received - timedelta(days=story.happened_days_before)).date(),
            order_ids=story.order_ids, tx_hashes=story.tx_hashes, tx_network=story.tx_network,
            disputed_amount=amount, disputed_asset=asset,
            disputed_reference_value=Decimal(amount) * PRICES[asset] if amount else None,
            funds_at_risk=story.funds_at_risk, channel=story.channel,
        )  # fmt: skip
        with self.travel(received, tick=True):
            complaint = services.complaint_file(
                customer=customer, filing=filing, filed_by=self.agent if story.channel in STAFF_CHANNELS else None,
                evidence_files=[screenshot(name, accent) for name, accent in story.evidence],
            )  # fmt: skip
        self.complaints[story.key] = complaint
        return complaint

    def clock(self, complaint: Complaint) -> Clock:
        return Clock(self.travel, complaint.received_at, self.now, complaint.reference)

    # Conversation
    def say(self, complaint, actor, body: str, *, internal=False, channel=""):
        return services.complaint_add_message(complaint=complaint, actor=actor, body=body, internal=internal, channel=channel)

    def attach(self, complaint, actor, name: str, accent=(52, 120, 246)):
        return services.evidence_attach(complaint=complaint, actor=actor, upload=screenshot(name, accent))

    # Triage and investigation
    def assign(self, complaint, actor, assignee, team=None):
        team = Team.objects.get(code=team) if team else None
        return services.complaint_assign(complaint=complaint, actor=actor, assignee=assignee, team=team)

    def investigate(self, complaint, actor, *, team: str, priority=Priority.P3, assignee=None):
        return services.complaint_start_investigation(
            complaint=complaint, actor=actor, priority=priority, team=Team.objects.get(code=team), assignee=assignee
        )

    def ask(self, complaint, actor, message: str, *items):
        return services.complaint_request_information(complaint=complaint, actor=actor, message=message, items=items)

    def answer(self, complaint, actor, message: str):
        return services.complaint_receive_information(complaint=complaint, actor=actor, message=message)

    def remind(self, complaint) -> Complaint:
        # No service sends information reminders yet; the escalation sweep will own them (and
        # their notification). Until then the demo records the reminder with a plain save.
        complaint = Complaint.objects.get(pk=complaint.pk)
        complaint.information_reminder_sent_at = timezone.now()
        complaint._change_reason = "information reminder (seed_demo stands in for the escalation sweep)"
        complaint.save(update_fields=["information_reminder_sent_at", "version", "updated_at"])
        return complaint

    def go_silent(self, complaint, clock: Clock) -> Complaint:
        """The customer never answers: a reminder after a week, closure once the period is over."""
        period = settings.REDRESS_NO_RESPONSE_DAYS
        with clock(days=period / 2):
            complaint = self.remind(complaint)
        with clock(days=period / 2, hours=2):
            return services.complaint_close_for_no_response(complaint=complaint)

    # Resolution
    def decision(self, complaint, outcome, liability, reasons, *remedies) -> services.Decision:
        return services.Decision(
            outcome=outcome, liability=liability, reasons=reasons, recourse=RECOURSE[self.lang(complaint)],
            remedies=tuple(remedies),
        )  # fmt: skip

    def propose(self, complaint, actor, outcome, liability, reasons, *remedies):
        decision = self.decision(complaint, outcome, liability, reasons, *remedies)
        return services.complaint_propose_resolution(complaint=complaint, actor=actor, decision=decision)

    def submit(self, complaint, actor, outcome, liability, reasons, *remedies):
        decision = self.decision(complaint, outcome, liability, reasons, *remedies)
        return services.complaint_submit_for_approval(complaint=complaint, actor=actor, decision=decision)

    def accept(self, complaint, actor=None):
        return services.complaint_accept_resolution(complaint=complaint, actor=actor)

    def execute(self, complaint, actor):
        """Record each accepted remedy's execution: a payout's ledger reference, or the
        reference of the action taken (an account unfreeze). Explanations, apologies and
        advice were already delivered with the decision."""
        for remedy in complaint.remedies.filter(state=RemedyState.ACCEPTED):
            if remedy.kind in MONETARY_REMEDIES:
                reference = f"LDG-{timezone.now():%Y%m%d}-{remedy.idempotency_key.hex[:10].upper()}"
            else:
                reference = f"ACTION-{complaint.reference}-{remedy.pk}"
            services.remedy_record_execution(remedy=remedy, actor=actor, ledger_reference=reference)

    def close_after_appeal_window(self, complaint, clock: Clock) -> Complaint:
        complaint = Complaint.objects.get(pk=complaint.pk)
        clock.moment = max(clock.moment, complaint.appeal_window_ends_at)
        with clock(hours=3):
            return services.complaint_close(complaint=complaint)

    def archive_after_period(self, complaint, clock: Clock) -> Complaint:
        complaint = Complaint.objects.get(pk=complaint.pk)
        clock.moment = max(clock.moment, complaint.closed_at + timedelta(days=settings.REDRESS_ARCHIVE_AFTER_DAYS))
        with clock(hours=4):
            return services.complaint_archive(complaint=complaint)

    def appeal(self, complaint, actor, grounds: str):
        return services.complaint_appeal(complaint=complaint, actor=actor, grounds=grounds)

    def decide_appeal(self, complaint, outcome, reasons, *remedies):
        return services.complaint_decide_appeal(
            complaint=complaint, actor=self.appeals, outcome=outcome, reasons=reasons,
            external_recourse=EXTERNAL_RECOURSE[self.lang(complaint)], remedies=remedies,
        )  # fmt: skip


# --- The stories ------------------------------------------------------------------------------------------------
# Each plot plays one complaint's life after filing. `s` is the Seeder, `c` the complaint, `t` its clock.

BLUE, GREEN, RED, AMBER, PURPLE, TEAL = (52, 120, 246), (22, 163, 74), (220, 38, 38), (217, 119, 6), (124, 58, 237), (13, 148, 136)


def _t2_reply(s, c, t):
    with t(hours=2):
        s.say(c, s.agent, "您好，我们已收到您的投诉。充值需要在TRON网络上达到20个区块确认后才会入账，我们正在核查这笔交易，24小时内给您答复。")


def _t3_assigned(s, c, t):
    with t(minutes=10):
        c = s.assign(c, s.agent, s.agent)
    with t(minutes=25):
        s.say(c, s.agent, "Caller was on hold 48 minutes on two days this week. Pull the call-queue logs before replying; likely the outage-day backlog.", internal=True)


def _t4_reply(s, c, t):
    with t(hours=3):
        s.say(c, s.agent, "Thank you for writing to us. The 0.1% you saw is the taker fee for your VIP 0 tier; the extra 1 USDT is the fixed network fee for TRC-20 withdrawals. We are checking whether the fee page showed both, and will come back to you.")
    with t(hours=5):
        s.say(c, s.maria, "Thanks. The fee page only showed 0.1% when I placed the order — I have a screenshot if you need it.")


def _t5_note(s, c, t):
    with t(hours=1):
        s.say(c, s.agent, "Crash on Android 15 when opening the futures tab — asked the technical team for the crash reports for this UID.", internal=True)


def _t6_follow_up(s, c, t):
    with t(days=1):
        s.say(c, s.zhang, "已经过去五天了，身份认证仍显示“审核中”，无法提现。请尽快处理。")
        s.attach(c, s.zhang, "kyc-status.png", PURPLE)


def _a1_ask(s, c, t):
    with t(hours=4):
        s.ask(c, s.agent, "To trace the withdrawal we need the receiving wallet address exactly as you entered it, and a screenshot of the withdrawal record in your app.",
              InformationItem.WALLET_ADDRESS, InformationItem.SCREENSHOT)  # fmt: skip


def _a2_ask(s, c, t):
    with t(hours=5):
        c = s.investigate(c, s.agent, team=Team.Code.TRADE_RISK, assignee=s.specialist)
    with t(days=1):
        s.say(c, s.specialist, "Matching-engine latency for BTC/USDT at that minute was normal (p99 38 ms). Need the customer's own timeline before concluding.", internal=True)
    with t(days=2):
        s.ask(c, s.specialist, "请告诉我们您下单、看到订单未成交以及撤单的具体时间（精确到分钟），以及当时使用的是App还是网页。", InformationItem.TIMELINE)


def _a3_ask(s, c, t):
    with t(hours=6):
        s.ask(c, s.agent, "Please send the request IDs (the X-Request-Id header) and UTC timestamps of three failed calls from your client logs, so the technical team can trace them.",
              InformationItem.OTHER)  # fmt: skip


def _a4_ask(s, c, t):
    with t(hours=3):
        c = s.investigate(c, s.agent, team=Team.Code.SECURITY, priority=Priority.P2, assignee=s.security)
    with t(days=1):
        s.ask(c, s.security, "Before we can lift the log-in restriction we must confirm it is you: please upload a photo of your identity document and a screenshot of the security alert e-mail you received.",
              InformationItem.IDENTITY_DOCUMENT, InformationItem.SCREENSHOT)  # fmt: skip


def _i1_theft(s, c, t):
    with t(minutes=20):
        c = s.assign(c, s.supervisor, s.security)
    with t(hours=1):
        s.say(c, s.security, "Account frozen at 09:14 UTC. Two withdrawals (0.35 BTC total) to an address first seen that morning; log-in from a new device in another country 6 minutes before. Tracing the outputs.", internal=True)
    with t(hours=2):
        s.say(c, s.security, "We have frozen your account to stop any further withdrawals and are tracing the two transactions. Please change your e-mail password and do not share any codes with anyone claiming to be from us.")
    with t(hours=5):
        s.attach(c, s.alice, "new-device-alert.png", RED)
        s.say(c, s.alice, "I attached the new-device alert I got. I never logged in from that location.")


def _i2_abnormal_login(s, c, t):
    with t(minutes=30):
        c = s.assign(c, s.supervisor, s.security)
    with t(hours=1):
        s.say(c, s.security, "我们已临时冻结您的账户以保护资产安全。请立即修改登录密码和邮箱密码，并重新绑定谷歌验证器。我们正在核查异常登录记录。")


def _i3_liquidation(s, c, t):
    with t(hours=6):
        c = s.investigate(c, s.agent, team=Team.Code.TRADE_RISK, priority=Priority.P2, assignee=s.specialist)
    with t(days=1):
        c = s.ask(c, s.specialist, "Please tell us when you last added margin to the position and whether you received the margin-call push notification.", InformationItem.TIMELINE)
    with t(days=2):
        c = s.answer(c, s.bob, "I added 200 USDT margin at 13:05 UTC. I never got a margin-call notification — notifications are on.")
    with t(days=1):
        s.attach(c, s.specialist, "mark-price-chart.png", AMBER)
        s.say(c, s.specialist, "Mark price touched the liquidation price for 2 s at 13:41; index components show one venue spiking. Checking whether the price-protection band should have applied.", internal=True)


def _i4_disputed(s, c, t):
    with t(hours=4):
        c = s.investigate(c, s.agent, team=Team.Code.TRADE_RISK, assignee=s.specialist)
    with t(days=3):
        c = s.propose(c, s.specialist, Outcome.NOT_UPHELD, Liability.CUSTOMER_ERROR,
                      "The order log shows the sell order was placed from your logged-in web session with the quantity 1.5 ETH you entered; there was no system fault.",
                      given(RemedyKind.EXPLANATION, "How the order confirmation dialog records quantity."))  # fmt: skip
    with t(days=2):
        c = services.complaint_dispute_resolution(complaint=c, actor=s.maria, reason="I typed 0.15, not 1.5. The quantity field auto-filled from my last order when I switched pairs. Please check the front-end logs.")
    with t(days=1):
        s.say(c, s.specialist, "Re-review: asked web team whether the quantity field persisted across pair switch in release 4.18.", internal=True)


def _i5_reopened_by_reply(s, c, t):
    with t(hours=2):
        c = s.investigate(c, s.agent, team=Team.Code.CUSTOMER_SERVICE, assignee=s.agent)
    with t(days=1):
        c = s.ask(c, s.agent, "To recover USDT sent on the wrong network we need the transaction hash and the address you sent it to.", InformationItem.TX_HASH, InformationItem.WALLET_ADDRESS)
    c = s.go_silent(c, t)
    with t(days=14):
        c = services.complaint_reopen(complaint=c, actor=s.tom, reason="Sorry, I was travelling. The hash is 0x4f1c…e9 on BSC and I sent it to my own deposit address on your exchange.")
    with t(hours=1):
        s.say(c, s.agent, "Customer reopened with the tx details; checking with the wallet team whether the BEP-20 deposit can be recovered.", internal=True)


def _i6_reopened_by_supervisor(s, c, t):
    with t(hours=5):
        c = services.complaint_reject_out_of_scope(
            complaint=c, actor=s.agent,
            reasons="The 15 EUR charge was made by your bank for the SEPA transfer, not by the exchange.",
            referral="Please contact your bank about its transfer charges.",
        )  # fmt: skip
    with t(days=3):
        c = services.complaint_reopen(complaint=c, actor=s.supervisor, reason="The 15 EUR is our own SEPA withdrawal fee (fee schedule v7), not the bank's. The rejection was wrong.")
    with t(hours=1):
        c = s.assign(c, s.supervisor, s.agent, team=Team.Code.CUSTOMER_SERVICE)
    with t(hours=2):
        s.say(c, s.agent, "We are sorry: the 15 EUR was our SEPA withdrawal fee, not your bank's. We have reopened your complaint and are checking why it was charged twice.")


def _i7_rework(s, c, t):
    with t(hours=3):
        c = s.investigate(c, s.agent, team=Team.Code.TRADE_RISK, priority=Priority.P2, assignee=s.specialist)
    with t(days=4):
        c = s.submit(c, s.specialist, Outcome.UPHELD, Liability.PLATFORM_FAULT,
                     "Your market order filled 4.2% below the last price because the price-protection band was disabled for SOL/USDT during the maintenance window.",
                     paid(RemedyKind.COMPENSATION, "3150", "USDT", "Full difference between the fill and the last traded price."))  # fmt: skip
    with t(days=1):
        services.complaint_return_for_rework(complaint=c, actor=s.supervisor, reason="Compensation should be the difference to the 1% protection band, not to the last price. Recompute and resubmit.")
    with t(hours=1):
        s.say(c, s.specialist, "Recomputing against the 1% band: roughly 2,400 USDT. Will resubmit after checking the other fills in that window.", internal=True)


def _p1_socialised_loss(s, c, t):
    with t(hours=4):
        c = s.investigate(c, s.agent, team=Team.Code.TRADE_RISK, priority=Priority.P2, assignee=s.specialist)
    with t(days=1):
        s.say(c, s.specialist, "ADL event: insurance fund was not exhausted, yet the profitable short was deleveraged. Engine bug ticket RISK-2291.", internal=True)
    with t(days=5):
        s.submit(c, s.specialist, Outcome.UPHELD, Liability.PLATFORM_FAULT,
                 "Your short position was auto-deleveraged although the insurance fund could have covered the loss. We compensate the profit you would have realised at the closing mark price.",
                 paid(RemedyKind.COMPENSATION, "6400", "USDT", "Unrealised profit at the mark price when the position was deleveraged."))  # fmt: skip


def _p2_over_agent_limit(s, c, t):
    with t(hours=3):
        c = s.investigate(c, s.agent, team=Team.Code.CUSTOMER_SERVICE, priority=Priority.P2, assignee=s.agent)
    with t(days=2):
        s.say(c, s.agent, "Hot wallet broadcast failed that day; the withdrawal was marked complete but never sent. Funds are back in the hot wallet.", internal=True)
    with t(days=3):
        s.submit(c, s.agent, Outcome.UPHELD, Liability.PLATFORM_FAULT,
                 "由于我们的热钱包广播故障，您的提现被标记为已完成但实际未发出。我们将重新发送1,150 USDT，并补偿提现手续费及延误损失。",
                 paid(RemedyKind.COMPENSATION, "1150", "USDT", "重新发送未到账的提现金额。"),
                 paid(RemedyKind.FEE_REFUND, "50", "USDT", "退还提现手续费并补偿延误。"))  # fmt: skip


def _r1_summary_resolution(s, c, t):
    with t(hours=2):
        c = s.assign(c, s.agent, s.agent)
    with t(days=4):
        s.propose(c, s.agent, Outcome.PARTLY_UPHELD, Liability.PLATFORM_FAULT,
                  "You were charged the taker fee on 12 limit orders that rested on the book and should have been charged the maker fee. We refund the difference. The other orders crossed the spread and were correctly charged as taker.",
                  paid(RemedyKind.FEE_REFUND, "38.40", "USDT", "Taker minus maker fee on 12 orders."))  # fmt: skip


def _r2_outage(s, c, t):
    with t(hours=3):
        c = s.investigate(c, s.agent, team=Team.Code.TECHNICAL, assignee=s.agent)
    with t(days=4):
        s.propose(c, s.agent, Outcome.UPHELD, Liability.PLATFORM_FAULT,
                  "事发当日02:10至02:55（UTC）我们的App因数据库故障无法登录，您因此无法撤销挂单。对此我们深表歉意，并向您发放20 USDT手续费抵扣券。",
                  given(RemedyKind.APOLOGY, "就App故障致歉。"),
                  paid(RemedyKind.COUPON, "20", "USDT", "手续费抵扣券，有效期90天。"))  # fmt: skip


def _r3_approved(s, c, t):
    with t(hours=5):
        c = s.investigate(c, s.agent, team=Team.Code.TRADE_RISK, priority=Priority.P1, assignee=s.specialist)
    with t(days=1):
        s.say(c, s.specialist, "Two stop orders triggered 41 s late during the matching-engine failover. Loss computed against the trigger price.", internal=True)
    with t(days=10):
        c = s.submit(c, s.specialist, Outcome.UPHELD, Liability.PLATFORM_FAULT,
                     "Your two stop-loss orders triggered 41 seconds late because of a matching-engine failover that day. We compensate the difference between the trigger price and the actual fills.",
                     paid(RemedyKind.COMPENSATION, "9800", "USDT", "Difference between trigger price and fill on orders SL-88213 and SL-88214."))  # fmt: skip
    with t(days=2):
        services.complaint_approve_resolution(complaint=c, actor=s.supervisor)


def _r4_kyc(s, c, t):
    with t(hours=1):
        c = s.investigate(c, s.agent, team=Team.Code.KYC, priority=Priority.P4, assignee=s.agent)
    with t(days=3):
        s.propose(c, s.agent, Outcome.NOT_UPHELD, Liability.CUSTOMER_ERROR,
                  "Your verification was refused because the address on the utility bill did not match the address you entered. Nothing was wrong with the verification system.",
                  given(RemedyKind.EXPLANATION, "Why the document was refused."),
                  given(RemedyKind.TECHNICAL_GUIDANCE, "How to resubmit with a matching proof of address."))  # fmt: skip


def _s1_accepted(s, c, t):
    with t(hours=4):
        c = s.investigate(c, s.agent, team=Team.Code.CUSTOMER_SERVICE, assignee=s.agent)
    with t(days=2):
        s.say(c, s.agent, "Deposit stuck: BSC node fell 3 hours behind that day. Credited manually today.", internal=True)
    with t(days=3):
        c = s.propose(c, s.agent, Outcome.UPHELD, Liability.PLATFORM_FAULT,
                      "Your 2,000 USDC deposit was credited 31 hours late because our BSC node fell behind. It is now in your account; we add compensation for the delay.",
                      paid(RemedyKind.COMPENSATION, "150", "USDT", "For the delay in crediting the deposit."))  # fmt: skip
    with t(days=2):
        s.accept(c, s.maria)


def _s2_failed_payout(s, c, t):
    with t(hours=3):
        c = s.investigate(c, s.agent, team=Team.Code.TRADE_RISK, priority=Priority.P2, assignee=s.specialist)
    with t(days=5):
        c = s.propose(c, s.specialist, Outcome.PARTLY_UPHELD, Liability.PLATFORM_FAULT,
                      "The order book was thin after the delisting announcement and our price-protection band did not apply to market orders above 5 BTC. We compensate half the slippage beyond 1%.",
                      paid(RemedyKind.COMPENSATION, "0.012", "BTC", "Half the slippage beyond 1% on order 7781203345."))  # fmt: skip
    with t(days=1):
        c = s.accept(c, s.alice)
    with t(days=1):
        services.remedy_record_failure(remedy=c.remedies.get(state=RemedyState.ACCEPTED), actor=s.specialist,
                                       reason="Ledger rejected the credit: the destination sub-account is restricted pending a KYC refresh.")  # fmt: skip


def _s3_deemed(s, c, t):
    with t(hours=2):
        c = s.investigate(c, s.agent, team=Team.Code.CUSTOMER_SERVICE, assignee=s.agent)
    with t(days=3):
        c = s.propose(c, s.agent, Outcome.UPHELD, Liability.PLATFORM_FAULT,
                      "We listened to the chat transcript: the agent closed the chat without answering and was rude. This fell short of our standards; the agent has been coached.",
                      given(RemedyKind.APOLOGY),
                      paid(RemedyKind.COUPON, "10", "USDT", "Trading-fee voucher."))  # fmt: skip
    with t(days=settings.REDRESS_DEEMED_ACCEPTANCE_DAYS, hours=1):
        c = s.accept(c)  # no answer: the system deems it accepted
    with t(days=1):
        s.execute(c, s.agent)


def _s4_appeal_changed(s, c, t):
    with t(hours=4):
        c = s.investigate(c, s.agent, team=Team.Code.TRADE_RISK, priority=Priority.P2, assignee=s.specialist)
    with t(days=6):
        c = s.propose(c, s.specialist, Outcome.NOT_UPHELD, Liability.CUSTOMER_ERROR,
                      "您的ETH永续合约仓位在标记价格触及强平价格时被强制平仓，强平过程符合合约规则，保证金率低于维持保证金率。",
                      given(RemedyKind.EXPLANATION, "强平价格与标记价格的计算方式。"))  # fmt: skip
    with t(days=2):
        c = s.accept(c, s.liwei)
    with t(days=1):
        s.execute(c, s.specialist)
    with t(days=3):
        c = s.appeal(c, s.liwei, "我后来发现，强平时标记价格的成分交易所之一出现了异常插针，其他交易所价格并未触及我的强平价。请重新审查指数价格。")
    with t(days=2):
        s.say(c, s.appeals, "One of the five index components printed 6% below the others for 3 s; the outlier filter was off after last month's config change. Appeal likely well-founded.", internal=True)
    with t(days=5):
        c = s.decide_appeal(c, AppealOutcome.CHANGED,
                            "经复核，强平时指数价格的一个成分交易所出现异常报价，而异常值过滤当时未生效。若过滤正常，您的仓位不会被强平。我们变更原决定，补偿您的损失。",
                            paid(RemedyKind.COMPENSATION, "300", "USDT", "强平损失及强平手续费。"))  # fmt: skip
    with t(days=1):
        s.execute(c, s.specialist)


def _s5_appeal_confirmed(s, c, t):
    with t(hours=3):
        c = s.investigate(c, s.agent, team=Team.Code.TECHNICAL, priority=Priority.P4, assignee=s.agent)
    with t(days=2):
        c = s.propose(c, s.agent, Outcome.NOT_UPHELD, Liability.CUSTOMER_ERROR,
                      "Your API key sent 1,900 requests per 10 seconds to the order endpoint against a limit of 300; the 429 responses and the temporary ban were the documented rate limiting.",
                      given(RemedyKind.TECHNICAL_GUIDANCE, "Use the WebSocket order channel and batch endpoints; back off on 429."))  # fmt: skip
    with t(days=1):
        c = s.accept(c, s.tom)
    with t(days=1):
        s.execute(c, s.agent)
    with t(days=5):
        c = s.appeal(c, s.tom, "The limit was lowered without notice; the documentation still said 600 requests when I was banned.")
    with t(days=6):
        s.decide_appeal(c, AppealOutcome.CONFIRMED,
                        "The limit change to 300 requests per 10 s was announced with 30 days' notice and the documentation was updated on the day it took effect, before your ban. The original decision stands.")  # fmt: skip


def _s6_fraud(s, c, t):
    with t(hours=1):
        c = s.investigate(c, s.agent, team=Team.Code.SECURITY, priority=Priority.P2, assignee=s.security)
    with t(days=3):
        c = s.propose(c, s.security, Outcome.NOT_UPHELD, Liability.THIRD_PARTY,
                      "The person who contacted you on Telegram was not our staff. You sent the 800 USDT yourself to an external address; our systems worked as intended. We have reported the account to Telegram and the address to the chain-analytics blocklist.",
                      given(RemedyKind.SECURITY_ADVICE, "How to verify official channels; we never ask for transfers."),
                      given(RemedyKind.EXPLANATION))  # fmt: skip
    with t(days=1):
        c = s.accept(c, s.maria)
    with t(hours=1):
        s.execute(c, s.security)


def _y1_appeal_pending(s, c, t):
    with t(hours=4):
        c = s.investigate(c, s.agent, team=Team.Code.TRADE_RISK, assignee=s.specialist)
    with t(days=5):
        c = s.propose(c, s.specialist, Outcome.PARTLY_UPHELD, Liability.PLATFORM_FAULT,
                      "The margin-call e-mail was sent, but the push notification failed for iOS users that evening. The liquidation itself was correct; we refund the liquidation fee.",
                      paid(RemedyKind.FEE_REFUND, "85", "USDT", "Liquidation fee."))  # fmt: skip
    with t(days=2):
        c = s.accept(c, s.alice)
    with t(days=1):
        s.execute(c, s.specialist)
    with t(days=10):
        s.appeal(c, s.alice, "Without the push notification I had no chance to add margin. The fee refund does not cover the 1,240 USDT I lost; I ask for the loss to be compensated.")


def _y2_appeal_of_rejection(s, c, t):
    with t(hours=5):
        c = services.complaint_reject_out_of_scope(
            complaint=c, actor=s.agent,
            reasons="A request to list a token is not a complaint about a service you received from us.",
            referral="Listing requests go through the project listing form on the exchange's website.",
        )  # fmt: skip
    with t(days=3):
        s.appeal(c, s.bob, "This is not a listing request: your announcement promised the token would be listed and I bought it elsewhere because of it.")


def _y3_appeal_with_information(s, c, t):
    with t(hours=3):
        c = s.assign(c, s.agent, s.agent)
    with t(days=2):
        c = s.propose(c, s.agent, Outcome.NOT_UPHELD, Liability.CUSTOMER_ERROR,
                      "您的30天交易量为48万USDT，低于VIP 1所需的50万USDT，因此按VIP 0费率收取手续费是正确的。",
                      given(RemedyKind.EXPLANATION, "VIP等级的计算方式。"))  # fmt: skip
    with t(days=4):
        c = s.appeal(c, s.zhang, "VIP等级页面当时显示我已经是VIP 1，请核查。")
    with t(days=1):
        c = s.ask(c, s.appeals, "请上传VIP等级页面显示VIP 1的截图，并注明截图时间。", InformationItem.SCREENSHOT)
    with t(days=2):
        s.attach(c, s.zhang, "vip-tier.png", PURPLE)
        s.answer(c, s.zhang, "已上传截图，截图是在扣费当天晚上9点左右截取的。")


def _c1_decided(s, c, t):
    with t(hours=3):
        c = s.investigate(c, s.agent, team=Team.Code.CUSTOMER_SERVICE, assignee=s.agent)
    with t(days=2):
        c = s.propose(c, s.agent, Outcome.UPHELD, Liability.PLATFORM_FAULT,
                      "Your withdrawal waited 19 hours in manual review because of a rule meant for new accounts only. We refund the withdrawal fee.",
                      paid(RemedyKind.FEE_REFUND, "25", "USDT", "Withdrawal fee."))  # fmt: skip
    with t(days=1):
        c = s.accept(c, s.alice)
    with t(hours=4):
        s.execute(c, s.agent)
    s.close_after_appeal_window(c, t)


def _c2_over_limit_executed(s, c, t):
    with t(hours=2):
        c = s.investigate(c, s.agent, team=Team.Code.TRADE_RISK, priority=Priority.P1, assignee=s.specialist)
    with t(days=1):
        s.say(c, s.specialist, "Matching engine halted 12 min; her limit buy at 57,200 should have filled when the market traded through it. Loss = fill at reopen minus limit.", internal=True)
    with t(days=6):
        c = s.submit(c, s.specialist, Outcome.UPHELD, Liability.PLATFORM_FAULT,
                     "During the 12-minute matching-engine halt your limit order did not fill although the market traded through its price. We compensate the difference to the price at which it filled after the restart.",
                     paid(RemedyKind.COMPENSATION, "12500", "USDT", "Fill price after restart minus limit price, on 2.1 BTC."))  # fmt: skip
    with t(days=1):
        c = services.complaint_approve_resolution(complaint=c, actor=s.supervisor)
    with t(days=2):
        c = s.accept(c, s.maria)
    with t(days=1):
        s.execute(c, s.specialist)
    s.close_after_appeal_window(c, t)


def _c3_decided(s, c, t):
    with t(hours=2):
        c = s.investigate(c, s.agent, team=Team.Code.TECHNICAL, assignee=s.agent)
    with t(days=3):
        c = s.propose(c, s.agent, Outcome.NOT_UPHELD, Liability.CUSTOMER_ERROR,
                      "App闪退是因为您的设备使用的是已停止支持的Android 8系统。我们的系统运行正常。",
                      given(RemedyKind.EXPLANATION, "支持的系统版本。"),
                      given(RemedyKind.TECHNICAL_GUIDANCE, "升级系统或使用网页版。"))  # fmt: skip
    with t(days=1):
        c = s.accept(c, s.liwei)
    with t(hours=1):
        s.execute(c, s.agent)
    s.close_after_appeal_window(c, t)


def _c4_failed_then_retried(s, c, t):
    with t(hours=2):
        c = s.investigate(c, s.agent, team=Team.Code.KYC, assignee=s.agent)
    with t(days=5):
        c = s.propose(c, s.agent, Outcome.UPHELD, Liability.PLATFORM_FAULT,
                      "Your verification waited 16 days because it was routed to a queue that was not being worked. We apologise and credit a trading-fee voucher.",
                      given(RemedyKind.APOLOGY),
                      paid(RemedyKind.COUPON, "15", "USDT", "Trading-fee voucher."))  # fmt: skip
    with t(days=1):
        c = s.accept(c, s.tom)
    coupon = c.remedies.get(kind=RemedyKind.COUPON)
    with t(days=1):
        services.remedy_record_failure(remedy=coupon, actor=s.agent, reason="Voucher service timed out; no voucher was issued.")
    with t(days=1):
        services.remedy_retry(remedy=coupon, actor=s.supervisor)
    with t(hours=1):
        s.execute(c, s.agent)
    s.close_after_appeal_window(c, t)


def _c5_withdrawn(s, c, t):
    with t(hours=5):
        s.say(c, s.agent, "The Bitcoin network is congested: your deposit has 1 of the 2 confirmations we need. It will be credited automatically once the second arrives.")
    with t(days=1):
        services.complaint_withdraw(complaint=c, actor=s.bob, reason="It has arrived now, thank you.")


def _c6_withdrawn_while_waiting(s, c, t):
    with t(hours=3):
        c = s.ask(c, s.agent, "请提供报错时的请求时间（UTC）和返回的错误码。", InformationItem.OTHER)
    with t(days=2):
        services.complaint_withdraw(complaint=c, actor=s.zhang, reason="问题已自行解决，是我的签名时间戳不同步。")


def _c7_out_of_scope(s, c, t):
    with t(hours=4):
        services.complaint_reject_out_of_scope(
            complaint=c, actor=s.agent,
            reasons="The token you bought is not listed on our exchange and the purchase was made on a third-party website; we have no part in it and cannot decide on it.",
            referral="Report the fraud to the police (in Germany: the Onlinewache of your state police) and to the website's hosting provider.",
        )  # fmt: skip


def _c8_out_of_scope(s, c, t):
    with t(days=1):
        services.complaint_reject_out_of_scope(
            complaint=c, actor=s.agent,
            reasons="Your bank charged the 4.50 EUR for receiving the SWIFT transfer; our SEPA withdrawals are free.",
            referral="Please raise the charge with your bank (Banca di Esempio), which can explain its tariff.",
        )  # fmt: skip


def _duplicate_of(original_key: str, actor_key: str, delay_hours: float):
    def plot(s, c, t):
        with t(hours=delay_hours):
            services.complaint_close_as_duplicate(complaint=c, actor=s.users[actor_key], original=s.complaints[original_key])

    return plot


def _c11_no_response(s, c, t):
    with t(hours=3):
        c = s.investigate(c, s.agent, team=Team.Code.KYC, assignee=s.agent)
    with t(days=1):
        c = s.ask(c, s.agent, "请上传您提交的地址证明文件的完整截图（四角可见），并说明文件的开具日期。", InformationItem.SCREENSHOT, InformationItem.OTHER)
    s.go_silent(c, t)


def _c12_no_response(s, c, t):
    with t(hours=2):
        c = s.ask(c, s.agent, "Please tell us the order ID and the time you placed the order, so we can compare the fill with the order book.",
                  InformationItem.ORDER_ID, InformationItem.TIMELINE)  # fmt: skip
    s.go_silent(c, t)


def _x1_archived_decided(s, c, t):
    with t(hours=3):
        c = s.assign(c, s.agent, s.agent)
    with t(days=3):
        c = s.propose(c, s.agent, Outcome.UPHELD, Liability.PLATFORM_FAULT,
                      "The fee discount for paying fees in the exchange token was not applied to your trades for two days. We refund the difference.",
                      paid(RemedyKind.FEE_REFUND, "12.60", "USDT", "Missing 25% fee discount."))  # fmt: skip
    with t(days=1):
        c = s.accept(c, s.alice)
    with t(hours=2):
        s.execute(c, s.agent)
    c = s.close_after_appeal_window(c, t)
    s.archive_after_period(c, t)


def _x2_archived_btc(s, c, t):
    with t(hours=2):
        c = s.investigate(c, s.agent, team=Team.Code.TRADE_RISK, assignee=s.specialist)
    with t(days=4):
        c = s.propose(c, s.specialist, Outcome.PARTLY_UPHELD, Liability.PLATFORM_FAULT,
                      "Your order filled 9 seconds late during a load spike. Part of the price move in those seconds is ours to make good.",
                      paid(RemedyKind.COMPENSATION, "0.004", "BTC", "Half the price move during the delay."))  # fmt: skip
    with t(days=2):
        c = s.accept(c, s.bob)
    with t(days=1):
        s.execute(c, s.specialist)
    c = s.close_after_appeal_window(c, t)
    s.archive_after_period(c, t)


def _x3_archived_withdrawn(s, c, t):
    with t(hours=5):
        s.say(c, s.agent, "Your documents are in the queue; verification currently takes up to 5 working days.")
    with t(days=2):
        c = services.complaint_withdraw(complaint=c, actor=s.maria, reason="Verified this morning, thanks.")
    s.archive_after_period(c, t)


def _x4_archived_out_of_scope(s, c, t):
    with t(days=1):
        c = services.complaint_reject_out_of_scope(
            complaint=c, actor=s.agent,
            reasons="How your crypto gains are taxed is for the tax authority to decide, not the exchange. Your annual transaction report is available under Account → Reports.",
            referral="Ask a tax adviser or your local tax office (Finanzamt).",
        )  # fmt: skip
    s.archive_after_period(c, t)


def _x5_archived_duplicate(s, c, t):
    with t(hours=2):
        c = services.complaint_close_as_duplicate(complaint=c, actor=s.agent, original=s.complaints["x6"])
    s.archive_after_period(c, t)


def _x6_archived_no_response(s, c, t):
    with t(hours=3):
        c = s.ask(c, s.agent, "请提供充值的交易哈希和发送方地址，以便我们查询链上记录。", InformationItem.TX_HASH, InformationItem.WALLET_ADDRESS)
    c = s.go_silent(c, t)
    s.archive_after_period(c, t)


ORDER = "7781203345"
STORIES = [
    # --- triage --------------------------------------------------------------------------------------------
    Story("t1", "alice", 0.15, Category.TRADE_DISPUTE, "slippage", "Market buy of ETH filled 3% above the quoted price",
          "I bought 4 ETH with a market order at 14:02 UTC. The order ticket quoted 3,012 USDT but the average fill was 3,104. The book looked deep enough on the screen. I attach the order confirmation.",
          desired_outcome="Refund of the difference (about 368 USDT).", order_ids=("ETH-MKT-55120934",),
          disputed=("368", "USDT"), evidence=(("order-confirmation.png", BLUE),)),  # fmt: skip
    Story("t2", "liwei", 0.6, Category.DEPOSIT_WITHDRAWAL, "deposit_not_credited", "USDT充值已过6小时仍未到账",
          "我从另一个钱包通过TRON网络向我的充值地址转入3,000 USDT，链上显示已确认，但交易所账户至今没有到账。",
          channel=Channel.IN_APP, desired_outcome="尽快到账。",
          tx_hashes=("9f2b6c0de54a1187b3e8a0f24c1d7e95b6a3f0c8d2e1b4a79c5f3e2d1a0b9c87",), tx_network="TRON",
          disputed=("3000", "USDT")),  # fmt: skip
    Story("t3", "tom", 1.1, Category.SERVICE_QUALITY, "slow_response", "Nobody answers the phone line",
          "Caller says he waited on hold for 48 minutes twice this week to ask about a frozen withdrawal and was disconnected both times.",
          channel=Channel.PHONE, desired_outcome="A call back and an answer about his withdrawal."),  # fmt: skip
    Story("t4", "maria", 1.6, Category.FEES, "fee_unclear", "Withdrawal fee higher than shown",
          "I withdrew 500 USDT on TRC-20. The withdrawal page said the fee was 0.1% but 1.5 USDT was deducted. Where does the extra come from?",
          channel=Channel.EMAIL),  # fmt: skip
    Story("t5", "bob", 0.9, Category.TECHNICAL_FAULT, "app_error", "App crashes when opening futures",
          "Tweet to @exchange_support: the Android app crashes every time I open the futures tab since the last update. I can't close my position!",
          channel=Channel.SOCIAL),  # fmt: skip
    Story("t6", "zhang", 2.2, Category.KYC, "kyc_delayed", "身份认证审核超过5天仍未完成",
          "我五天前提交了身份证和人脸识别，页面一直显示“审核中”，客服说48小时内完成，但已经超过5天，无法提现。",
          desired_outcome="尽快完成审核。"),  # fmt: skip
    # --- awaiting the customer --------------------------------------------------------------------------------
    Story("a1", "bob", 6, Category.DEPOSIT_WITHDRAWAL, "withdrawal_missing", "USDT withdrawal never arrived",
          "I withdrew 1,200 USDT to my hardware wallet on TRON. Your site shows it completed with a hash, but my wallet shows nothing.",
          tx_hashes=("4c1e9a7b2d3f6e8a0b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a",), tx_network="TRON",
          disputed=("1200", "USDT"), evidence=(("withdrawal-record.png", GREEN),), plot=_a1_ask),  # fmt: skip
    Story("a2", "zhang", 9, Category.TRADE_DISPUTE, "delayed_fill", "限价单价格已触及但未成交",
          "BTC价格已经跌到我的限价买单价格以下，但我的订单一直没有成交，之后价格反弹，我错过了买入机会。",
          channel=Channel.IN_APP, order_ids=("BTC-LMT-88104412",), plot=_a2_ask),  # fmt: skip
    Story("a3", "maria", 4, Category.API, "api_error", "Order API returns 500 errors",
          "Since Tuesday about one in twenty calls to the place-order endpoint returns HTTP 500 and my bot misses trades.",
          channel=Channel.LIVE_CHAT, plot=_a3_ask),  # fmt: skip
    Story("a4", "tom", 8, Category.ACCOUNT_SECURITY, "abnormal_login", "Account locked after a log-in I didn't make",
          "I got an e-mail about a log-in from Singapore that wasn't me, and now my account is locked. No funds seem to be missing.",
          channel=Channel.EMAIL, plot=_a4_ask),  # fmt: skip
    # --- investigating -------------------------------------------------------------------------------------------
    Story("i1", "alice", 3, Category.ACCOUNT_SECURITY, "theft", "Someone withdrew my BTC",
          "Two withdrawals of 0.2 and 0.15 BTC I did not make left my account this morning. I have 2FA on. Please freeze my account!",
          disputed=("0.35", "BTC"), funds_at_risk=True, happened_days_before=0, plot=_i1_theft),  # fmt: skip
    Story("i2", "liwei", 1, Category.ACCOUNT_SECURITY, "abnormal_login", "账户出现异地登录，担心资产被盗",
          "我收到了来自陌生设备的登录提醒，我本人没有登录。账户里还有约8,000 USDT，请立即冻结账户。",
          channel=Channel.IN_APP, funds_at_risk=True, happened_days_before=0, plot=_i2_abnormal_login),  # fmt: skip
    Story("i3", "bob", 12, Category.LIQUIDATION, "forced_liquidation", "Liquidated although the price never reached my level",
          "My 10x BTC long was liquidated at 13:41 UTC. On every chart I can find, the price never went below 58,900, and my liquidation price was 58,420.",
          order_ids=("BTCUSDT-PERP-30021877",), disputed=("2350", "USDT"), plot=_i3_liquidation),  # fmt: skip
    Story("i4", "maria", 20, Category.TRADE_DISPUTE, "wrong_order", "Sold 1.5 ETH instead of 0.15",
          "I entered 0.15 ETH in the sell form but 1.5 ETH was sold. I want the trade reversed.",
          order_ids=("ETH-LMT-77012345",), plot=_i4_disputed),  # fmt: skip
    Story("i5", "tom", 40, Category.DEPOSIT_WITHDRAWAL, "wrong_network", "Sent USDT on BSC to my TRON deposit address",
          "Caller sent 900 USDT over BNB Smart Chain to his TRC-20 deposit address and asks whether it can be recovered.",
          channel=Channel.PHONE, disputed=("900", "USDT"), plot=_i5_reopened_by_reply),  # fmt: skip
    Story("i6", "alice", 15, Category.FEES, "fee_overcharged", "Charged 15 EUR twice for one SEPA withdrawal",
          "E-mail: my SEPA withdrawal of 2,000 EUR was charged 15 EUR, and then another 15 EUR the next day. I was told SEPA was free.",
          channel=Channel.EMAIL, plot=_i6_reopened_by_supervisor),  # fmt: skip
    Story("i7", "maria", 18, Category.TRADE_DISPUTE, "slippage", "SOL market sell filled 4% below market",
          "During the maintenance window my SOL market sell filled 4.2% under the last price. The exchange said protection bands prevent this.",
          order_ids=("SOL-MKT-61200981",), disputed=("3150", "USDT"), plot=_i7_rework),  # fmt: skip
    # --- awaiting approval ----------------------------------------------------------------------------------------
    Story("p1", "bob", 14, Category.LIQUIDATION, "socialised_loss", "My profitable short was auto-deleveraged",
          "My short was closed by auto-deleveraging although the insurance fund was large. I lost about 6,400 USDT of profit.",
          order_ids=("ETHUSDT-PERP-40011873",), disputed=("6400", "USDT"),
          evidence=(("adl-notice.png", AMBER),), plot=_p1_socialised_loss),  # fmt: skip
    Story("p2", "liwei", 16, Category.DEPOSIT_WITHDRAWAL, "withdrawal_missing", "提现显示已完成但未收到",
          "我提现1,150 USDT（ERC-20），页面显示已完成，但链上查不到这笔交易。",
          channel=Channel.IN_APP, tx_hashes=("0x7a3f9c2e1b4d6a8f0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a",), tx_network="ETH",
          disputed=("1150", "USDT"), plot=_p2_over_agent_limit),  # fmt: skip
    # --- resolution proposed -----------------------------------------------------------------------------------------
    Story("r1", "alice", 8, Category.FEES, "fee_overcharged", "Charged taker fees on maker orders",
          "My resting limit orders were charged the taker fee of 0.10% instead of the maker fee of 0.02%.", plot=_r1_summary_resolution),  # fmt: skip
    Story("r2", "zhang", 10, Category.TECHNICAL_FAULT, "outage", "App无法登录，导致无法撤单",
          "前几天凌晨App一直无法登录，我无法撤销挂单，结果订单以不利价格成交。",
          channel=Channel.IN_APP, plot=_r2_outage),  # fmt: skip
    Story("r3", "tom", 25, Category.TRADE_DISPUTE, "delayed_fill", "Stop-loss orders triggered 40 seconds late",
          "Both my stop-loss orders triggered 41 seconds after the price crossed the trigger, during the matching-engine incident. I lost about 9,800 USDT more than I should have.",
          order_ids=("SL-88213", "SL-88214"), disputed=("9800", "USDT"), plot=_r3_approved),  # fmt: skip
    Story("r4", "bob", 7, Category.KYC, "kyc_rejected", "Verification refused for no reason",
          "Chat: my proof of address was refused three times and nobody tells me why.", channel=Channel.LIVE_CHAT, plot=_r4_kyc),  # fmt: skip
    # --- resolved -------------------------------------------------------------------------------------------------------
    Story("s1", "maria", 20, Category.DEPOSIT_WITHDRAWAL, "deposit_not_credited", "USDC deposit on BSC not credited for a day",
          "My 2,000 USDC deposit over BSC has 60 confirmations but is still not in my account after 24 hours.",
          tx_hashes=("0x2b4d6f8a0c2e4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c",), tx_network="BSC",
          disputed=("2000", "USDC"), evidence=(("bscscan-confirmations.png", TEAL),), plot=_s1_accepted),  # fmt: skip
    Story("s2", "alice", 28, Category.TRADE_DISPUTE, "slippage", "6 BTC market sell slipped 3.5%",
          "After the delisting announcement I sold 6 BTC at market and the average price was 3.5% under the last trade.",
          order_ids=(ORDER,), disputed=("0.024", "BTC"), plot=_s2_failed_payout),  # fmt: skip
    Story("s3", "bob", 30, Category.SERVICE_QUALITY, "staff_conduct", "Chat agent was rude and closed the chat",
          "E-mail: the live-chat agent told me to 'read the FAQ' and closed the chat while I was typing.", channel=Channel.EMAIL, plot=_s3_deemed),  # fmt: skip
    Story("s4", "liwei", 45, Category.LIQUIDATION, "forced_liquidation", "ETH永续合约被异常强平",
          "我的ETH永续合约多仓在价格没有明显下跌的情况下被强平，损失约300 USDT。", channel=Channel.IN_APP,
          order_ids=("ETHUSDT-PERP-30077120",), disputed=("300", "USDT"), plot=_s4_appeal_changed),  # fmt: skip
    Story("s5", "tom", 40, Category.API, "api_rate_limit", "API key banned for rate limiting",
          "My API key was banned for an hour for exceeding rate limits, but I stayed under the documented 600 requests per 10 seconds.", plot=_s5_appeal_confirmed),  # fmt: skip
    Story("s6", "maria", 22, Category.FRAUD, "impersonation", "Scammed by a fake support agent on Telegram",
          "Caller was contacted on Telegram by 'exchange support', told her account would be closed unless she moved 800 USDT to a 'safe wallet', and did so.",
          channel=Channel.PHONE, disputed=("800", "USDT"), plot=_s6_fraud),  # fmt: skip
    # --- appealed -------------------------------------------------------------------------------------------------------
    Story("y1", "alice", 30, Category.LIQUIDATION, "margin_call", "No margin call before liquidation",
          "My position was liquidated without the margin-call push notification I have always received before.",
          disputed=("1240", "USDT"), plot=_y1_appeal_pending),  # fmt: skip
    Story("y2", "bob", 20, Category.OTHER, "other", "Token was never listed as announced",
          "Twitter DM: you announced NOVA would be listed on the 10th. I bought it on a DEX because of that and it was never listed.",
          channel=Channel.SOCIAL, plot=_y2_appeal_of_rejection),  # fmt: skip
    Story("y3", "zhang", 20, Category.FEES, "fee_overcharged", "VIP 1用户被按VIP 0收取手续费",
          "我的账户是VIP 1，但最近的交易都是按VIP 0的费率收取手续费。", channel=Channel.IN_APP, plot=_y3_appeal_with_information),  # fmt: skip
    # --- closed ------------------------------------------------------------------------------------------------------------
    Story("c1", "alice", 70, Category.DEPOSIT_WITHDRAWAL, "withdrawal_delayed", "Withdrawal stuck in review for 19 hours",
          "My ETH withdrawal sat in 'under review' for 19 hours with no explanation.", plot=_c1_decided),  # fmt: skip
    Story("c2", "maria", 80, Category.TRADE_DISPUTE, "delayed_fill", "Limit order not filled during the engine halt",
          "My 2.1 BTC limit buy at 57,200 did not fill during the engine halt although the price traded well below it.",
          order_ids=("BTC-LMT-44019020",), disputed=("12500", "USDT"), evidence=(("trade-history.png", BLUE),),
          plot=_c2_over_limit_executed),  # fmt: skip
    Story("c3", "liwei", 65, Category.TECHNICAL_FAULT, "app_error", "App频繁闪退", "每次打开行情页面App就会闪退。",
          channel=Channel.IN_APP, plot=_c3_decided),  # fmt: skip
    Story("c4", "tom", 75, Category.KYC, "kyc_delayed", "Verification took 16 days",
          "E-mail: my identity verification took 16 days and I missed the market move I wanted to trade.", channel=Channel.EMAIL, plot=_c4_failed_then_retried),  # fmt: skip
    Story("c5", "bob", 25, Category.DEPOSIT_WITHDRAWAL, "deposit_not_credited", "BTC deposit not credited",
          "I deposited 0.05 BTC two hours ago and it is not in my account.",
          tx_hashes=("a3c5e7f9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5",), tx_network="BTC",
          happened_days_before=0, plot=_c5_withdrawn),  # fmt: skip
    Story("c6", "zhang", 12, Category.API, "api_error", "API下单返回签名错误",
          "在线客服：调用下单接口一直返回“签名无效”错误。", channel=Channel.LIVE_CHAT, plot=_c6_withdrawn_while_waiting),  # fmt: skip
    Story("c7", "tom", 15, Category.FRAUD, "scam_project", "Lost money in a fake token presale",
          "Facebook message: I paid 2,000 USDT into a presale for a token promoted as 'listing on your exchange soon'. The site has disappeared.",
          channel=Channel.SOCIAL, disputed=("2000", "USDT"), plot=_c7_out_of_scope),  # fmt: skip
    Story("c8", "maria", 33, Category.OTHER, "other", "Charged for receiving my withdrawal",
          "I was charged 4.50 EUR when my EUR withdrawal arrived at my bank.", channel=Channel.EMAIL, plot=_c8_out_of_scope),  # fmt: skip
    Story("c9", "alice", 2.5, Category.ACCOUNT_SECURITY, "theft", "Re: my BTC was stolen",
          "E-mail follow-up: the same two BTC withdrawals I reported yesterday in the portal — please freeze my account.",
          channel=Channel.EMAIL, funds_at_risk=True, happened_days_before=0, plot=_duplicate_of("i1", "security", 1)),  # fmt: skip
    Story("c10", "bob", 5, Category.DEPOSIT_WITHDRAWAL, "withdrawal_missing", "Still no USDT withdrawal",
          "Filing again: the 1,200 USDT withdrawal to my hardware wallet has still not arrived.",
          plot=_duplicate_of("a1", "agent", 2)),  # fmt: skip
    Story("c11", "liwei", 40, Category.KYC, "kyc_rejected", "地址证明被拒绝", "我上传的地址证明被拒绝了，没有说明原因。",
          channel=Channel.IN_APP, plot=_c11_no_response),  # fmt: skip
    Story("c12", "tom", 50, Category.TRADE_DISPUTE, "slippage", "Bad fill on a DOGE market order",
          "A market order for DOGE filled well above the displayed price.", plot=_c12_no_response),  # fmt: skip
    # --- archived -------------------------------------------------------------------------------------------------------------
    Story("x1", "alice", 165, Category.FEES, "fee_overcharged", "Fee discount not applied",
          "The 25% discount for paying fees in the exchange token was not applied for two days.", plot=_x1_archived_decided),  # fmt: skip
    Story("x2", "bob", 158, Category.TRADE_DISPUTE, "delayed_fill", "Market order filled 9 seconds late",
          "Caller says his market buy took 9 seconds to fill during a busy minute and the price moved against him.",
          channel=Channel.PHONE, order_ids=("BTC-MKT-10022871",), plot=_x2_archived_btc),  # fmt: skip
    Story("x3", "maria", 130, Category.KYC, "kyc_delayed", "Verification pending for a week",
          "My verification has been pending for 7 days.", plot=_x3_archived_withdrawn),  # fmt: skip
    Story("x4", "tom", 125, Category.OTHER, "other", "How are my crypto gains taxed?",
          "E-mail: please confirm whether my trading gains are tax-free after one year.", channel=Channel.EMAIL, plot=_x4_archived_out_of_scope),  # fmt: skip
    Story("x5", "zhang", 139, Category.DEPOSIT_WITHDRAWAL, "deposit_not_credited", "充值未到账（重复提交）",
          "昨天提交过的ETH充值问题，仍未到账，再次提交。", channel=Channel.IN_APP, plot=_x5_archived_duplicate),  # fmt: skip
    Story("x6", "zhang", 140, Category.DEPOSIT_WITHDRAWAL, "deposit_not_credited", "ETH充值未到账",
          "我从其他平台提币0.8 ETH到我的充值地址，已经过去一天仍未到账。", channel=Channel.IN_APP,
          disputed=("0.8", "ETH"), plot=_x6_archived_no_response),  # fmt: skip
]


# --- The command ------------------------------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Create demo log-ins (one per role) and about fifty complaints in every state. Safe to run again."

    def handle(self, *args, **options):
        try:
            import time_machine  # a dev dependency: the demo installs it (pip install -e '.[dev]')
        except ImportError as error:
            raise CommandError("seed_demo needs time-machine: pip install -e '.[dev]'") from error

        broker_ok = _broker_reachable()
        with transaction.atomic():
            users, created_users = self._users()
            seeded = not Complaint.objects.filter(customer__email__in=[row[1] for row in CUSTOMERS]).exists()
            if seeded:
                seeder = Seeder(time_machine.travel, users, timezone.now())
                for story in sorted(STORIES, key=seeder.received_at):  # references follow receipt
                    seeder.file(story)
                for story in STORIES:
                    if story.plot:
                        complaint = seeder.complaints[story.key]
                        story.plot(seeder, complaint, seeder.clock(complaint))
            if not broker_ok:
                held = _hold_notifications()
                self.stderr.write(self.style.WARNING(
                    f"The Celery broker is unreachable: {held} e-mail(s) stay pending in the outbox "
                    "(Notification rows) instead of being queued now."
                ))  # fmt: skip

        if created_users or seeded:
            self.stdout.write(self.style.SUCCESS(
                f"Seeded {len(created_users)} user(s) and {len(STORIES) if seeded else 0} complaint(s)."
            ))  # fmt: skip
        else:
            self.stdout.write("Demo data already present: nothing created.")
        self._print_states()
        self._print_logins(created_users)

    def _users(self) -> tuple[dict[str, User], list[str]]:
        emails = [row[1] for row in STAFF] + [row[1] for row in CUSTOMERS]
        users = {user.email: user for user in User.objects.filter(email__in=emails)}
        created = []
        # One hash for every demo account: the password is shared anyway, and hashing it once
        # keeps the command fast.
        password = make_password(DEMO_PASSWORD)
        for key, email, first, last, role, team, limit in STAFF:
            if email not in users:
                user = User.objects.create(
                    email=email, first_name=first, last_name=last, password=password,
                    is_staff=True, is_superuser=role is None,
                )  # fmt: skip
                if role is not None:
                    user.groups.add(Group.objects.get(name=role))
                StaffProfile.objects.create(
                    user=user, team=Team.objects.get(code=team) if team else None, approval_limit=Decimal(limit)
                )
                users[email], created = user, [*created, email]
        for key, email, first, last, uid, language, verified, jurisdiction in CUSTOMERS:
            if email not in users:
                user = User.objects.create(email=email, first_name=first, last_name=last, password=password)
                user.groups.add(Group.objects.get(name=Role.CUSTOMER))
                CustomerProfile.objects.create(
                    user=user, exchange_uid=uid, language=language, verified=verified, jurisdiction=jurisdiction
                )
                users[email], created = user, [*created, email]
        keyed = {row[0]: users[row[1]] for row in STAFF + CUSTOMERS}
        return keyed, created

    def _print_states(self):
        complaints = Complaint.objects.filter(customer__email__in=[row[1] for row in CUSTOMERS])
        counts = Counter(complaints.values_list("state", flat=True))
        closures = Counter(complaints.filter(state=State.CLOSED).values_list("closure_reason", flat=True))
        parts = [f"{state.value} {counts[state.value]}" for state in State if counts[state.value]]
        self.stdout.write(f"Demo complaints: {sum(counts.values())} — " + ", ".join(parts))
        if closures:
            self.stdout.write("  closed as: " + ", ".join(f"{reason} {n}" for reason, n in sorted(closures.items())))

    def _print_logins(self, created: list[str]):
        portal = settings.REDRESS_PORTAL_URL
        admin = urljoin(portal, reverse("admin:index"))
        rows = [
            ("superuser" if role is None else str(role.label).lower() + (f" ({str(Team.Code(team).label).lower()})" if team else ""), email)
            for _k, email, _f, _l, role, team, _limit in STAFF
        ]
        rows += [(f"customer ({language})", email) for _k, email, _f, _l, _u, language, *_ in CUSTOMERS]
        role_width = max(len(role) for role, _email in rows)
        width = max(len(email) for _role, email in rows)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo log-ins"))
        self.stdout.write(f"  {'role':<{role_width}}  {'e-mail':<{width}}  password")
        for role, email in rows:
            self.stdout.write(f"  {role:<{role_width}}  {email:<{width}}  {DEMO_PASSWORD}")
        if len(created) < len(rows):
            self.stdout.write("  (accounts that already existed keep whatever password they have now)")
        self.stdout.write("")
        self.stdout.write(f"  customer portal:  {portal}")
        self.stdout.write(f"  agent desk:       {admin}  (staff sign in here)")
        self.stdout.write("")


def _broker_reachable() -> bool:
    """The outbox hands e-mails to Celery after commit. filesystem:// always answers; a Redis or
    RabbitMQ that is down must not make the command hang or fail."""
    from config.celery import app

    if app.conf.task_always_eager or str(app.conf.broker_url).startswith("filesystem://"):
        return True
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
    except Exception:  # noqa: BLE001 — any failure to connect means "not reachable"
        return False
    return True


def _hold_notifications() -> int:
    """Drop the after-commit hand-over of the outbox rows to the (unreachable) broker; the rows
    themselves stay pending in the database."""
    from complaints.tasks import send_notification

    connection = transaction.get_connection()
    dispatch = send_notification.delay
    kept = [entry for entry in connection.run_on_commit if getattr(entry[1], "func", None) != dispatch]
    held = len(connection.run_on_commit) - len(kept)
    connection.run_on_commit[:] = kept
    return held
