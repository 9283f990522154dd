"""Half-yearly customer grading (SPEC §4, 客户分级): A–D from sales, profit contribution and
purchase frequency (消费频次), weighted 40/40/20 by default (the rules file's ``[grading]``).

The KA centre sends the half-year's sheet — one row per customer: code, sales, profit, how
often it bought, the last day it did business. Sales, profit and frequency are scored by rank
among the customers on the sheet (the best 100, the least 0; equal figures share a score).
A sheet without a frequency column is graded on kabot's visits instead, and says so: how many
of the visits its visit class asks for in the last six months were made (capped at 100). The
weighted score gives the grade; a customer with no business for ``churn_months`` is flagged
as lost (流失). kabot proposes; the centre confirms, and only then do grades change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from bot.models import Customer
from bot.reminders.calendar import add_months
from bot.reminders.rules import Grading
from bot.reminders.visits import VISIT_INTERVAL_MONTHS
from bot.store import Store

HALF_YEAR_MONTHS = 6
# Column headers the sheet may use (lower-cased), Chinese first.
COLUMNS = {
    "code": ("客户编码", "编码", "code", "customer code"),
    "sales": ("销售额", "销售额(元)", "销售", "sales"),
    "profit": ("利润贡献", "利润贡献(元)", "利润", "毛利", "profit"),
    "last_business": ("最近交易日期", "最近交易", "最后交易日期", "last business", "last order"),
    "frequency": (
        "消费频次",
        "购买频次",
        "采购频次",
        "采购次数",
        "frequency",
        "purchase frequency",
    ),
}
_NUMBER = re.compile(r"^-?[\d,，]+(?:\.\d+)?$")


class SheetError(ValueError):
    """The sheet cannot be graded; ``key`` names the message, ``params`` its details."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params


@dataclass(frozen=True, slots=True)
class Line:
    customer: Customer
    sales_fen: int
    profit_fen: int
    last_business: date | None
    visits: int
    score: int
    grade: str
    churn: bool

    @property
    def changed(self) -> bool:
        return self.grade != self.customer.grade


def _column(header: list[str], name: str) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for title in COLUMNS[name]:
        if title in lowered:
            return lowered.index(title)
    return None


def _fen(text: str) -> int | None:
    cleaned = text.replace(",", "").replace("，", "").replace("¥", "").strip()
    if not cleaned:
        return 0
    if not _NUMBER.match(cleaned):
        return None
    try:
        return int(Decimal(cleaned) * 100)
    except InvalidOperation:
        return None


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10]) if text.strip() else None
    except ValueError:
        return None


def _ranks(values: list[int]) -> list[int]:
    """0–100 by rank, the best 100; equal values share the score."""
    if len(values) == 1:
        return [100]
    ordered = sorted(values)
    last = len(values) - 1
    return [round(100 * ordered.index(v) / last) for v in values]


def grade_of(score: int, settings: Grading) -> str:
    if score >= settings.a_from:
        return "A"
    if score >= settings.b_from:
        return "B"
    if score >= settings.c_from:
        return "C"
    return "D"


async def propose(
    store: Store, settings: Grading, rows: list[list[str]], today: date
) -> tuple[list[Line], list[str]]:
    """The proposed grades of the customers on the sheet, and the codes it did not know."""
    if not rows:
        raise SheetError("grading.empty")
    header, body = rows[0], [r for r in rows[1:] if any(c.strip() for c in r)]
    index = {name: _column(header, name) for name in COLUMNS}
    for name in ("code", "sales", "profit"):
        if index[name] is None:
            raise SheetError("grading.missing_column", column=COLUMNS[name][0])
    if not body:
        raise SheetError("grading.empty")
    facts: list[tuple[Customer, int, int, date | None, int]] = []
    unknown: list[str] = []
    for number, row in enumerate(body, start=2):
        cells = row + [""] * len(header)
        code = cells[index["code"] or 0].strip()
        sales, profit = _fen(cells[index["sales"] or 0]), _fen(cells[index["profit"] or 0])
        if sales is None or profit is None:
            raise SheetError("grading.bad_number", row=number)
        customer = await store.customers.by_code(code) if code else None
        if customer is None:
            unknown.append(code or f"#{number}")
            continue
        last = _day(cells[index["last_business"]]) if index["last_business"] is not None else None
        frequency = 0
        if index["frequency"] is not None:
            counted = _fen(cells[index["frequency"]])
            if counted is None or counted < 0:
                raise SheetError("grading.bad_count", row=number)
            frequency = counted // 100
        facts.append((customer, sales, profit, last, frequency))
    if not facts:
        raise SheetError("grading.no_known_customer")
    since = add_months(today, -HALF_YEAR_MONTHS)
    sales_scores = _ranks([f[1] for f in facts])
    profit_scores = _ranks([f[2] for f in facts])
    by_frequency = index["frequency"] is not None
    frequency_scores = _ranks([f[4] for f in facts])
    churn_before = add_months(today, -settings.churn_months)
    lines = []
    for (customer, sales, profit, last, _), s_score, p_score, f_score in zip(
        facts, sales_scores, profit_scores, frequency_scores, strict=True
    ):
        visits = await store.summaries.visit_count(customer.id, since, today)
        if not by_frequency:  # the sheet does not say: kabot's own visits stand in
            expected = HALF_YEAR_MONTHS // VISIT_INTERVAL_MONTHS[customer.visit_class]
            f_score = min(100, round(100 * visits / expected))
        score = round(
            (settings.sales * s_score + settings.profit * p_score + settings.frequency * f_score)
            / 100
        )
        churn = (last is None and sales == 0) or (last is not None and last < churn_before)
        lines.append(
            Line(customer, sales, profit, last, visits, score, grade_of(score, settings), churn)
        )
    return lines, unknown


def by_frequency(rows: list[list[str]]) -> bool:
    """Whether the sheet has the purchase frequency column (else visits stand in)."""
    return bool(rows) and _column(rows[0], "frequency") is not None


def half_year(today: date) -> str:
    """The half-year a grading belongs to: "2026-H2"."""
    return f"{today.year}-H{1 if today.month <= 6 else 2}"
