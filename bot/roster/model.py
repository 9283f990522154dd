"""What a checked roster holds, and the problems that refuse (or merely flag) an import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.models import CustomerKind, CustomerType, Role, VisitClass


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason to refuse (or, as a warning, to mention) an import. ``key`` is a label."""

    sheet: str
    row: int
    key: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UnitRow:
    sheet: str
    row: int
    code: str
    name: str
    is_centre: bool
    group_chat_id: int | None
    responsible: str | None


@dataclass(frozen=True, slots=True)
class StaffRow:
    sheet: str
    row: int
    code: str
    name: str
    role: Role
    unit: str | None
    telegram_id: int | None
    username: str | None
    language: str
    active: bool
    director_of: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerRow:
    sheet: str
    row: int
    code: str
    name: str
    kind: CustomerKind
    type: CustomerType | None
    grade: str
    visit_class: VisitClass
    region: str
    route: str
    unit: str
    staff: tuple[str, ...]
    last_visit_on: date | None
    active: bool


@dataclass(frozen=True, slots=True)
class StoreRow:
    sheet: str
    row: int
    code: str
    name: str
    customer: str  # the customer's code
    region: str
    active: bool


@dataclass(frozen=True, slots=True)
class SkuRow:
    sheet: str
    row: int
    code: str
    name: str
    unit: str
    key_item: bool
    active: bool


@dataclass(slots=True)
class Roster:
    units: list[UnitRow] = field(default_factory=list)
    staff: list[StaffRow] = field(default_factory=list)
    customers: list[CustomerRow] = field(default_factory=list)
    stores: list[StoreRow] = field(default_factory=list)
    assortment: list[SkuRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Known:
    """What the database already holds that a roster may refer to or collide with."""

    unit_codes: frozenset[str] = frozenset()
    unit_names: dict[str, str] = field(default_factory=dict)  # name → code
    staff_codes: frozenset[str] = frozenset()
    telegram_ids: dict[int, str] = field(default_factory=dict)  # telegram id → staff code
    group_chats: dict[int, str] = field(default_factory=dict)  # group chat id → unit code
    usernames: dict[str, str] = field(default_factory=dict)  # lower username → staff code
    customer_codes: frozenset[str] = frozenset()  # lower-cased
    centre_code: str | None = None


class RosterError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the roster")
        self.problems = problems
