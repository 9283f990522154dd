"""Plain data objects the repositories return. Names follow the manual's terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Role(StrEnum):
    FIELD = "field"  # 本部KA人员, 客户经理
    MANAGER = "manager"  # 中心KA经理, 事业本部营销第一负责人
    DIRECTOR = "director"  # 重点客服中心主任, 营销总监
    ADMIN = "admin"  # 信息员


class CustomerKind(StrEnum):
    KA_RETAILER = "ka_retailer"  # KA零售系统
    KEY_DISTRIBUTOR = "key_distributor"  # 重点经销商
    SPECIAL_CHANNEL = "special_channel"  # 特通


class CustomerType(StrEnum):
    INDUSTRY_LEADER = "industry_leader"  # 行业龙头
    SCALE = "scale"  # 规模主导
    STRATEGIC_PARTNER = "strategic_partner"  # 战略伙伴


class VisitClass(StrEnum):
    MONTHLY = "monthly"
    BIMONTHLY = "bimonthly"
    QUARTERLY = "quarterly"


GRADES = ("A", "B", "C", "D")


@dataclass(frozen=True, slots=True)
class BusinessUnit:
    id: int
    code: str
    name: str
    is_centre: bool
    group_chat_id: int | None
    responsible_staff_id: int | None
    active: bool


@dataclass(frozen=True, slots=True)
class Staff:
    id: int
    code: str
    name: str
    role: Role
    unit_id: int | None
    telegram_id: int | None
    username: str | None
    language: str
    active: bool
    first_seen_at: datetime | None = None
    director_of: str | None = None  # "centre" (中心主任) or "marketing" (营销总监)

    @property
    def sees_all_units(self) -> bool:
        """Directors and the information officer work across the whole group."""
        return self.role in (Role.DIRECTOR, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    code: str
    name: str
    kind: CustomerKind
    type: CustomerType | None
    grade: str
    visit_class: VisitClass
    region: str
    route: str
    unit_id: int
    unit_name: str
    last_visit_on: date | None
    active: bool
    staff_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    role: Role
    unit_id: int | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: int | None
    staff_id: int | None = None  # a personal link: the roster row it binds


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, object] | None
    after: dict[str, object] | None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    offset: int
    total: int
    limit: int

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.total


# What a report's answers look like once read from JSON: a field's key → its answer.
Answers = dict[str, Any]

# Report numbers people quote: V12 is visit report 12.
REPORT_PREFIXES = {
    "visit": "V",
    "issue": "I",
    "promotion": "P",
    "promotion_report": "R",
    "data": "D",
    "admission": "A",
}
# Shown numbers where the one-letter key (kept in buttons' data) would mislead.
NUMBER_PREFIXES = {"promotion_report": "PR"}


def report_number(kind: str, report_id: int) -> str:
    """How people name a report: V12, P3, PR7."""
    return f"{NUMBER_PREFIXES.get(kind, REPORT_PREFIXES[kind])}{report_id}"


@dataclass(frozen=True, slots=True)
class Draft:
    """A report being written: which form, where the person is, what they answered so far."""

    id: int
    staff_id: int
    form: str
    step: str  # a field's key, or SUMMARY
    seq: int
    answers: Answers
    returning: bool  # answering a field picked from the summary: go back there after it
    report_id: int | None  # correcting a saved report
    prompt_message_id: int | None
    media_group: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Report:
    kind: str
    id: int
    staff_id: int
    staff_name: str
    unit_id: int
    unit_name: str
    status: str
    answers: Answers
    version: int
    created_at: datetime
    updated_at: datetime
    # What others did with it: an issue's acknowledgement and written reply.
    handling: Answers = field(default_factory=dict)

    @property
    def number(self) -> str:
        """How people name it: V12, P3 … A promotion's reports are PR7, not R7, which
        would read as one of the rules (R1–R18)."""
        return report_number(self.kind, self.id)

    @property
    def edited(self) -> bool:
        return self.version > 1


@dataclass(frozen=True, slots=True)
class Decision:
    """One step of a review or approval: pending until someone with the right role decides."""

    id: int
    subject_kind: str  # visit, promotion, admission
    subject_id: int
    subject_version: int
    step: str  # review, centre, marketing
    approver: str  # centre, marketing: which directors decide it
    status: str  # pending, approved, returned, withdrawn
    decided_by: int | None
    decided_by_name: str | None
    decided_at: datetime | None
    comment: Answers | None
    created_at: datetime

    @property
    def pending(self) -> bool:
        return self.status == "pending"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A fine or a positive incentive in the penalty ledger."""

    id: int
    staff_id: int
    staff_name: str
    unit_id: int | None
    kind: str  # penalty, incentive
    rule: str | None
    period: str
    amount_fen: int
    reason: str
    source: str
    status: str  # posted, appealed, waived, upheld
    recorded_by_name: str | None
    created_at: datetime
    appeal: str | None
    decided_by_name: str | None
    decided_at: datetime | None
    decision_note: str | None


@dataclass(frozen=True, slots=True)
class Obligation:
    """Something a rule requires by a date: R1's data of one unit for one month, say."""

    id: int
    rule: str
    subject: str
    period: str
    due_on: date
    unit_id: int | None
    met_at: datetime | None
    staff_id: int | None = None  # an obligation of one person (R8)
    due_at: datetime | None = None  # a deadline in hours (R10): the moment it is due


@dataclass(frozen=True, slots=True)
class Contract:
    """A national contract (联采合同) with one KA customer, and where it stands."""

    id: int
    customer_id: int
    customer_name: str
    title: str
    completed_on: date
    distributed_on: date | None


@dataclass(frozen=True, slots=True)
class LocalContract:
    """A business unit's local contract (地采合同) under a national one."""

    id: int
    contract_id: int
    contract_title: str
    unit_id: int
    title: str
    signed_on: date | None
    copy_on: date | None
    copy_complete: bool = True  # R7: a copy collected incomplete is a breach of its own


# R14's in-store events and advertising (seed 000 5.7.4): 路演, 广告位, 花车, 收银台陈列.
EVENT_KINDS = ("road_show", "ad_position", "cart", "checkout_display")


@dataclass(frozen=True, slots=True)
class Launch:
    """A new product's launch in a business unit, and when its information was filed."""

    id: int
    unit_id: int
    product: str
    launch_on: date
    filed_on: date | None
    received: bool = False  # the centre confirmed it has the information (R12)
