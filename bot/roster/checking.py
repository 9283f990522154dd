"""Checking a roster row by row and as a whole. Every problem is collected, none raised early,
so the information officer sees all of them at once."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from bot.models import GRADES, Role
from bot.roster.model import (
    CustomerRow,
    Known,
    Problem,
    Roster,
    RosterError,
    SkuRow,
    StaffRow,
    StoreRow,
    UnitRow,
)
from bot.roster.reading import Sheet, check_columns, column_index, column_title, read_sheets
from bot.roster.vocabulary import (
    CUSTOMER_KIND_WORDS,
    CUSTOMER_TYPE_WORDS,
    LANGUAGE_WORDS,
    LIST_SEPARATORS,
    MARKETING_DIRECTOR_WORDS,
    ROLE_WORDS,
    SKU_CLASS_WORDS,
    STATUS_WORDS,
    UNIT_KIND_WORDS,
    USERNAME,
    VISIT_CLASS_WORDS,
)
from bot.settings import LANGUAGES


def _word(value: str, table: Mapping[Any, tuple[str, ...]]) -> Any:
    lowered = value.strip().lower()
    for result, words in table.items():
        if lowered in words:
            return result
    raise LookupError(value)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class _RowReader:
    """Reads one row's cells by column name, collecting problems instead of raising."""

    def __init__(self, sheet: Sheet, number: int, cells: list[str], problems: list[Problem]):
        self.sheet = sheet
        self.number = number
        self.cells = cells
        self.problems = problems
        self.ok = True

    def problem(self, key: str, **params: str) -> None:
        self.ok = False
        if "column" in params:
            params["column"] = column_title(self.sheet, params["column"])
        self.problems.append(Problem(self.sheet.title, self.number, key, params))

    def text(self, column: str) -> str:
        index = column_index(self.sheet, column)
        if index is None or index >= len(self.cells):
            return ""
        value = self.cells[index].strip()
        if _CONTROL.search(value):
            # A NUL or an escape in a code or a name: invisible, and it breaks what reads it.
            self.problem("roster.control_character", column=column)
            return ""
        return value

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value:
            self.problem("roster.missing_value", column=column)
        return value

    def choice(self, column: str, table: Mapping[Any, tuple[str, ...]], default: Any) -> Any:
        value = self.text(column)
        if not value:
            if default is None:
                self.problem("roster.missing_value", column=column)
            return default
        try:
            return _word(value, table)
        except LookupError:
            self.problem(
                "roster.bad_choice",
                column=column,
                value=value,
                allowed=" / ".join(
                    words[1] if len(words) > 1 else words[0] for words in table.values()
                ),
            )
            return default


def _units(sheet: Sheet, problems: list[Problem]) -> list[UnitRow]:
    out = []
    for number, cells in sheet.rows:
        r = _RowReader(sheet, number, cells, problems)
        code, name = r.required("code"), r.required("name")
        is_centre = r.choice("kind", UNIT_KIND_WORDS, False)
        chat_text = r.text("group_chat_id")
        chat_id: int | None = None
        if chat_text:
            try:
                chat_id = int(chat_text)
            except ValueError:
                chat_id = None
            if chat_id is None or chat_id >= 0:
                r.problem("roster.bad_group_chat", value=chat_text)
        responsible = r.text("responsible") or None
        if r.ok:
            out.append(UnitRow(sheet.title, number, code, name, is_centre, chat_id, responsible))
    return out


def _staff(sheet: Sheet, problems: list[Problem], default_language: str) -> list[StaffRow]:
    out = []
    for number, cells in sheet.rows:
        r = _RowReader(sheet, number, cells, problems)
        code, name = r.required("code"), r.required("name")
        role = r.choice("role", ROLE_WORDS, None)
        unit = r.text("unit") or None
        if role in (Role.FIELD, Role.MANAGER) and unit is None:
            r.problem("roster.staff_needs_unit")
        telegram_text = r.text("telegram_id")
        telegram_id: int | None = None
        if telegram_text:
            if telegram_text.isdigit() and int(telegram_text) > 0:
                telegram_id = int(telegram_text)
            else:
                r.problem("roster.bad_telegram_id", value=telegram_text)
        username_text = r.text("username")
        username: str | None = None
        if username_text:
            match = USERNAME.match(username_text)
            if match:
                username = match.group(1)
            else:
                r.problem("roster.bad_username", value=username_text)
        if not telegram_text and not username_text:
            r.problem("roster.staff_needs_account")
        language = r.choice("language", LANGUAGE_WORDS, default_language)
        active = r.choice("status", STATUS_WORDS, True)
        if r.ok:
            out.append(
                StaffRow(
                    sheet.title,
                    number,
                    code,
                    name,
                    role,
                    unit,
                    telegram_id,
                    username,
                    language,
                    active,
                    _director_of(role, r.text("role")),
                )
            )
    return out


def _director_of(role: Role | None, word: str) -> str | None:
    if role is not Role.DIRECTOR:
        return None
    return "marketing" if word.strip().lower() in MARKETING_DIRECTOR_WORDS else "centre"


def _customers(sheet: Sheet, problems: list[Problem]) -> list[CustomerRow]:
    out = []
    for number, cells in sheet.rows:
        r = _RowReader(sheet, number, cells, problems)
        code, name = r.required("code"), r.required("name")
        kind = r.choice("kind", CUSTOMER_KIND_WORDS, None)
        ctype = r.choice("type", CUSTOMER_TYPE_WORDS, None) if r.text("type") else None
        grade = r.required("grade").upper()
        if grade and grade not in GRADES:
            r.problem("roster.bad_choice", column="grade", value=grade, allowed="A / B / C / D")
        visit_class = r.choice("visit_class", VISIT_CLASS_WORDS, None)
        unit = r.required("unit")
        staff = tuple(s for s in LIST_SEPARATORS.split(r.text("staff")) if s)
        last_text = r.text("last_visit")
        last_visit: date | None = None
        if last_text:
            try:
                last_visit = date.fromisoformat(last_text.replace("/", "-"))
            except ValueError:
                r.problem("roster.bad_date", column="last_visit", value=last_text)
        active = r.choice("status", STATUS_WORDS, True)
        if r.ok:
            out.append(
                CustomerRow(
                    sheet.title,
                    number,
                    code,
                    name,
                    kind,
                    ctype,
                    grade,
                    visit_class,
                    r.text("region"),
                    r.text("route"),
                    unit,
                    staff,
                    last_visit,
                    active,
                )
            )
    return out


def _stores(sheet: Sheet, problems: list[Problem]) -> list[StoreRow]:
    out = []
    for number, cells in sheet.rows:
        r = _RowReader(sheet, number, cells, problems)
        code, name, customer = r.required("code"), r.required("name"), r.required("customer")
        region = r.text("region")
        active = r.choice("status", STATUS_WORDS, True)
        if r.ok:
            out.append(StoreRow(sheet.title, number, code, name, customer, region, active))
    return out


def _assortment(sheet: Sheet, problems: list[Problem]) -> list[SkuRow]:
    out = []
    for number, cells in sheet.rows:
        r = _RowReader(sheet, number, cells, problems)
        code, name, unit = r.required("code"), r.required("name"), r.required("unit")
        key_item = r.choice("class", SKU_CLASS_WORDS, False)
        active = r.choice("status", STATUS_WORDS, True)
        if r.ok:
            out.append(SkuRow(sheet.title, number, code, name, unit, key_item, active))
    return out


def _duplicates(rows: Iterable[Any], attr: str, key: str, problems: list[Problem]) -> None:
    rows = list(rows)
    counts = Counter(
        str(getattr(row, attr)).lower() for row in rows if getattr(row, attr) is not None
    )
    for row in rows:
        value = getattr(row, attr)
        if value is not None and counts[str(value).lower()] > 1:
            problems.append(Problem(row.sheet, row.row, key, {"value": str(value)}))


def read_roster(path: Path, known: Known, default_language: str = "zh") -> Roster:
    """Read and check a roster; raise :class:`RosterError` with every problem found."""
    if not path.exists():
        raise RosterError([Problem(path.name, 0, "roster.not_found", {"path": str(path)})])
    if default_language not in LANGUAGES:
        default_language = "zh"
    problems: list[Problem] = []
    sheets = read_sheets(path)
    if not sheets:
        raise RosterError([Problem(path.name, 0, "roster.no_sheets")])

    roster = Roster()
    for sheet in sheets:
        if not check_columns(sheet, problems):
            continue
        if sheet.kind == "units":
            roster.units.extend(_units(sheet, problems))
        elif sheet.kind == "staff":
            roster.staff.extend(_staff(sheet, problems, default_language))
        elif sheet.kind == "stores":
            roster.stores.extend(_stores(sheet, problems))
        elif sheet.kind == "assortment":
            roster.assortment.extend(_assortment(sheet, problems))
        else:
            roster.customers.extend(_customers(sheet, problems))

    _cross_check(roster, known, problems)
    if problems:
        raise RosterError(sorted(problems, key=lambda p: (p.sheet, p.row)))
    return roster


def _cross_check(roster: Roster, known: Known, problems: list[Problem]) -> None:
    _duplicates(roster.units, "code", "roster.duplicate_code", problems)
    _duplicates(roster.units, "name", "roster.duplicate_name", problems)
    _duplicates(roster.units, "group_chat_id", "roster.duplicate_group_chat", problems)
    for u in roster.units:
        holder = known.group_chats.get(u.group_chat_id) if u.group_chat_id else None
        if holder is not None and holder.lower() != u.code.lower():
            problems.append(
                Problem(
                    u.sheet,
                    u.row,
                    "roster.group_chat_taken",
                    {"value": str(u.group_chat_id), "holder": holder},
                )
            )
    _duplicates(roster.staff, "code", "roster.duplicate_code", problems)
    _duplicates(roster.staff, "telegram_id", "roster.duplicate_telegram_id", problems)
    _duplicates(roster.staff, "username", "roster.duplicate_username", problems)
    _duplicates(roster.customers, "code", "roster.duplicate_code", problems)
    _duplicates(roster.stores, "code", "roster.duplicate_code", problems)
    _duplicates(roster.assortment, "code", "roster.duplicate_code", problems)

    centres = [u for u in roster.units if u.is_centre]
    for extra in centres[1:]:
        problems.append(Problem(extra.sheet, extra.row, "roster.two_centres"))
    if centres and known.centre_code and centres[0].code.lower() != known.centre_code.lower():
        problems.append(Problem(centres[0].sheet, centres[0].row, "roster.two_centres"))

    unit_codes = {c.lower() for c in known.unit_codes} | {u.code.lower() for u in roster.units}
    unit_names = {n: c for n, c in known.unit_names.items()} | {
        u.name: u.code for u in roster.units
    }
    staff_codes = {c.lower() for c in known.staff_codes} | {s.code.lower() for s in roster.staff}

    def unit_known(text: str) -> bool:
        return text.lower() in unit_codes or text in unit_names

    for s in roster.staff:
        if s.unit is not None and not unit_known(s.unit):
            problems.append(Problem(s.sheet, s.row, "roster.unknown_unit", {"value": s.unit}))
        holder = known.telegram_ids.get(s.telegram_id) if s.telegram_id else None
        if holder is not None and holder.lower() != s.code.lower():
            problems.append(
                Problem(
                    s.sheet,
                    s.row,
                    "roster.telegram_id_taken",
                    {"value": str(s.telegram_id), "holder": holder},
                )
            )
        holder = known.usernames.get(s.username.lower()) if s.username else None
        if holder is not None and holder.lower() != s.code.lower():
            problems.append(
                Problem(
                    s.sheet,
                    s.row,
                    "roster.username_taken",
                    {"value": s.username or "", "holder": holder},
                )
            )
    for u in roster.units:
        if u.responsible and u.responsible.lower() not in staff_codes:
            problems.append(
                Problem(u.sheet, u.row, "roster.unknown_staff", {"value": u.responsible})
            )
    for c in roster.customers:
        if not unit_known(c.unit):
            problems.append(Problem(c.sheet, c.row, "roster.unknown_unit", {"value": c.unit}))
        for code in c.staff:
            if code.lower() not in staff_codes:
                problems.append(Problem(c.sheet, c.row, "roster.unknown_staff", {"value": code}))
    customer_codes = set(known.customer_codes) | {c.code.lower() for c in roster.customers}
    for store in roster.stores:
        if store.customer.lower() not in customer_codes:
            problems.append(
                Problem(
                    store.sheet, store.row, "roster.unknown_customer", {"value": store.customer}
                )
            )
    for sku in roster.assortment:
        if not unit_known(sku.unit):
            problems.append(
                Problem(sku.sheet, sku.row, "roster.unknown_unit", {"value": sku.unit})
            )
