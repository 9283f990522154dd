"""Reading an organisation roster (.xlsx workbook or a folder of CSV files) and checking it.

Rosters come as offices keep them: Chinese or English headers, Excel dates and numbers,
CSV files saved by Excel in UTF-8 with a BOM or in GBK. Everything is checked before anything
is written; each problem names its sheet and row, and one problem refuses the whole import.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.models import GRADES, CustomerKind, CustomerType, Role, VisitClass
from bot.settings import LANGUAGES

# Sheet → the names it may go by (file stem for CSV folders, sheet title for workbooks).
SHEETS: dict[str, tuple[str, ...]] = {
    "units": ("units", "事业本部", "本部"),
    "staff": ("staff", "人员", "员工"),
    "customers": ("customers", "客户"),
}

# Column → (required, header names it may go by).
COLUMNS: dict[str, dict[str, tuple[bool, tuple[str, ...]]]] = {
    "units": {
        "code": (True, ("code", "代码", "编码")),
        "name": (True, ("name", "名称", "本部名称")),
        "kind": (False, ("kind", "类别", "类型")),
        "group_chat_id": (False, ("group_chat_id", "group chat id", "群组id", "群id")),
        "responsible": (False, ("responsible", "第一负责人", "负责人")),
    },
    "staff": {
        "code": (True, ("code", "工号", "编号")),
        "name": (True, ("name", "姓名")),
        "role": (True, ("role", "角色")),
        "unit": (False, ("unit", "所属本部", "本部")),
        "telegram_id": (False, ("telegram_id", "telegram id", "telegram")),
        "username": (False, ("username", "用户名", "telegram用户名")),
        "language": (False, ("language", "语言")),
        "status": (False, ("status", "状态")),
    },
    "customers": {
        "code": (True, ("code", "客户编码", "编码")),
        "name": (True, ("name", "客户名称", "名称")),
        "kind": (True, ("kind", "客户类别", "类别")),
        "type": (False, ("type", "客户类型", "类型")),
        "grade": (True, ("grade", "等级", "客户等级")),
        "visit_class": (True, ("visit_class", "visit class", "拜访频次", "拜访类别")),
        "region": (False, ("region", "区域")),
        "route": (False, ("route", "线路")),
        "unit": (True, ("unit", "所属本部", "本部")),
        "staff": (False, ("staff", "负责人员", "对接人员", "负责人")),
        "last_visit": (False, ("last_visit", "last visit", "上次拜访", "上次拜访日期")),
        "status": (False, ("status", "状态")),
    },
}

# Cell words → values. Lower-cased English and the Chinese an office would write.
ROLE_WORDS = {
    Role.FIELD: ("field", "一线", "一线人员", "ka人员", "本部ka人员", "客户经理", "业务员"),
    Role.MANAGER: ("manager", "经理", "ka经理", "中心ka经理", "第一负责人", "营销第一负责人"),
    Role.DIRECTOR: ("director", "总监", "主任", "中心主任", "营销总监", "重点客服中心主任"),
    Role.ADMIN: ("admin", "信息员", "管理员"),
}
UNIT_KIND_WORDS = {
    False: ("unit", "business unit", "事业本部", "本部"),
    True: ("centre", "center", "ka centre", "ka中心", "中心", "集团重点客户中心"),
}
CUSTOMER_KIND_WORDS = {
    CustomerKind.KA_RETAILER: ("ka_retailer", "ka retailer", "ka", "ka零售", "零售系统", "卖场"),
    CustomerKind.KEY_DISTRIBUTOR: ("key_distributor", "key distributor", "重点经销商", "经销商"),
    CustomerKind.SPECIAL_CHANNEL: ("special_channel", "special channel", "特通", "特殊通路"),
}
CUSTOMER_TYPE_WORDS = {
    CustomerType.INDUSTRY_LEADER: ("industry_leader", "industry leader", "行业龙头", "龙头"),
    CustomerType.SCALE: ("scale", "规模主导", "规模"),
    CustomerType.STRATEGIC_PARTNER: ("strategic_partner", "strategic partner", "战略伙伴"),
}
VISIT_CLASS_WORDS = {
    VisitClass.MONTHLY: ("monthly", "每月", "月度", "月"),
    VisitClass.BIMONTHLY: ("bimonthly", "双月", "每两月", "两月"),
    VisitClass.QUARTERLY: ("quarterly", "季度", "每季", "每季度", "季"),
}
LANGUAGE_WORDS = {"zh": ("zh", "中文", "chinese", "汉语"), "en": ("en", "english", "英文", "英语")}
STATUS_WORDS = {True: ("active", "在职", "启用", "正常"), False: ("inactive", "离职", "停用")}

USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{4,31})$")
LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")


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


@dataclass(slots=True)
class Roster:
    units: list[UnitRow] = field(default_factory=list)
    staff: list[StaffRow] = field(default_factory=list)
    customers: list[CustomerRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Known:
    """What the database already holds that a roster may refer to or collide with."""

    unit_codes: frozenset[str] = frozenset()
    unit_names: dict[str, str] = field(default_factory=dict)  # name → code
    staff_codes: frozenset[str] = frozenset()
    telegram_ids: dict[int, str] = field(default_factory=dict)  # telegram id → staff code
    usernames: dict[str, str] = field(default_factory=dict)  # lower username → staff code
    centre_code: str | None = None


class RosterError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the roster")
        self.problems = problems


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class _Sheet:
    kind: str  # units / staff / customers
    title: str  # as the file names it
    header: list[str]  # lower-cased, for matching
    titles: list[str]  # as written, for reports
    rows: list[tuple[int, list[str]]]  # (row number as Excel shows it, cells)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sheet_kind(title: str) -> str | None:
    lowered = title.strip().lower()
    for kind, names in SHEETS.items():
        if lowered in names:
            return kind
    return None


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [[c.strip() for c in row] for row in csv.reader(text.splitlines())]
    raise RosterError([Problem(path.name, 0, "roster.bad_encoding")])


def _read_sheets(path: Path) -> list[_Sheet]:
    tables: list[tuple[str, list[list[str]]]] = []
    if path.is_dir():
        for file in sorted(path.glob("*.csv")):
            tables.append((file.stem, _read_csv(file)))
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise RosterError(
                [Problem(path.name, 0, "roster.unreadable", {"reason": str(exc)})]
            ) from exc
        try:
            for ws in book.worksheets:
                rows = [[_cell_text(c) for c in row] for row in ws.iter_rows(values_only=True)]
                tables.append((ws.title, rows))
        finally:
            book.close()
    elif path.suffix.lower() == ".csv":
        raise RosterError([Problem(path.name, 0, "roster.single_csv")])
    else:
        raise RosterError([Problem(path.name, 0, "roster.unknown_format")])

    sheets = []
    for title, rows in tables:
        kind = _sheet_kind(title)
        if kind is None or not rows:
            continue
        titles = [h.strip() for h in rows[0]]
        header = [h.lower() for h in titles]
        body = [
            (number, cells)
            for number, cells in enumerate(rows[1:], start=2)
            if any(c.strip() for c in cells)
        ]
        sheets.append(_Sheet(kind, title, header, titles, body))
    return sheets


# --------------------------------------------------------------------------- checking


def _word(value: str, table: dict[Any, tuple[str, ...]]) -> Any:
    lowered = value.strip().lower()
    for result, words in table.items():
        if lowered in words:
            return result
    raise LookupError(value)


class _RowReader:
    """Reads one row's cells by column name, collecting problems instead of raising."""

    def __init__(self, sheet: _Sheet, number: int, cells: list[str], problems: list[Problem]):
        self.sheet = sheet
        self.number = number
        self.cells = cells
        self.problems = problems
        self.ok = True

    def problem(self, key: str, **params: str) -> None:
        self.ok = False
        if "column" in params:
            params["column"] = _column_title(self.sheet, params["column"])
        self.problems.append(Problem(self.sheet.title, self.number, key, params))

    def text(self, column: str) -> str:
        index = _column_index(self.sheet, column)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index].strip()

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value:
            self.problem("roster.missing_value", column=column)
        return value

    def choice(self, column: str, table: dict[Any, tuple[str, ...]], default: Any) -> Any:
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


def _column_index(sheet: _Sheet, column: str) -> int | None:
    _, names = COLUMNS[sheet.kind][column]
    for name in names:
        if name in sheet.header:
            return sheet.header.index(name)
    return None


def _column_title(sheet: _Sheet, column: str) -> str:
    """The column's header as the roster writes it (or its usual Chinese name)."""
    index = _column_index(sheet, column)
    if index is not None:
        return sheet.titles[index]
    return COLUMNS[sheet.kind][column][1][1]


def _check_columns(sheet: _Sheet, problems: list[Problem]) -> bool:
    ok = True
    for column, (required, names) in COLUMNS[sheet.kind].items():
        if required and _column_index(sheet, column) is None:
            problems.append(Problem(sheet.title, 1, "roster.missing_column", {"column": names[1]}))
            ok = False
    return ok


def _units(sheet: _Sheet, problems: list[Problem]) -> list[UnitRow]:
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


def _staff(sheet: _Sheet, problems: list[Problem], default_language: str) -> list[StaffRow]:
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
                )
            )
    return out


def _customers(sheet: _Sheet, problems: list[Problem]) -> list[CustomerRow]:
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
    sheets = _read_sheets(path)
    if not sheets:
        raise RosterError([Problem(path.name, 0, "roster.no_sheets")])

    roster = Roster()
    for sheet in sheets:
        if not _check_columns(sheet, problems):
            continue
        if sheet.kind == "units":
            roster.units.extend(_units(sheet, problems))
        elif sheet.kind == "staff":
            roster.staff.extend(_staff(sheet, problems, default_language))
        else:
            roster.customers.extend(_customers(sheet, problems))

    _cross_check(roster, known, problems)
    if problems:
        raise RosterError(sorted(problems, key=lambda p: (p.sheet, p.row)))
    return roster


def _cross_check(roster: Roster, known: Known, problems: list[Problem]) -> None:
    _duplicates(roster.units, "code", "roster.duplicate_code", problems)
    _duplicates(roster.units, "name", "roster.duplicate_name", problems)
    _duplicates(roster.staff, "code", "roster.duplicate_code", problems)
    _duplicates(roster.staff, "telegram_id", "roster.duplicate_telegram_id", problems)
    _duplicates(roster.staff, "username", "roster.duplicate_username", problems)
    _duplicates(roster.customers, "code", "roster.duplicate_code", problems)

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


def warnings(roster: Roster) -> list[Problem]:
    """What the manual asks for that a roster may not meet yet — told, not refused."""
    found = []
    active_staff = {s.code.lower() for s in roster.staff if s.active}
    for c in roster.customers:
        if not c.active:
            continue
        serving = [code for code in c.staff if code.lower() in active_staff]
        if c.grade == "A" and len(serving) < 2:
            found.append(Problem(c.sheet, c.row, "roster.a_grade_contacts", {"name": c.name}))
    return found
