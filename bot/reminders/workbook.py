"""Spreadsheets (.xlsx, written with openpyxl): the month's workbook for the KA centre, a
customer's file (客户档案), and one person's visits over a date range.

Sheet names and column headers are in ``templates/<lang>/labels.toml`` under ``workbook``.
"""

from __future__ import annotations

import asyncio
import html
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.image import Image
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.clock import SystemClock
from bot.models import Customer, LedgerEntry, Staff
from bot.reminders import worker
from bot.reminders.rules import Rules
from bot.store import Store
from bot.store.db import Database, Row
from bot.store.files import StoredFile
from bot.store.gradings import Proposal
from bot.texts import Texts

if TYPE_CHECKING:  # summary imports this module
    from bot.reminders.summary import MonthlySummary

Cell = str | int | float | date | None


def _sheet(
    book: Workbook, texts: Texts, lang: str, name: str, rows: Iterable[Sequence[Cell]]
) -> None:
    """One sheet: bold headers, frozen, columns as wide as their text. A write-only book
    (the month's, which can hold a month of a large group) streams its rows to disk as they
    come; the rest are small and kept in memory."""
    title = texts.label(lang, f"workbook.{name}.title")
    headers = texts.label(lang, f"workbook.{name}.columns").split(",")
    rows = [list(row) for row in rows]
    widths = [len(h) * 2 + 2 for h in headers]
    for row in rows:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = min(60, max(widths[i], len(str(value or "")) + 2))
    sheet = book.create_sheet(title)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    if book.write_only:
        bold = Font(bold=True)
        sheet.append([_styled(WriteOnlyCell(sheet, h), font=bold) for h in headers])
        for row in rows:
            sheet.append([_as_text(WriteOnlyCell(sheet, value)) for value in row])
        return
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            _as_text(cell)


def _styled(cell: WriteOnlyCell, *, font: Font) -> WriteOnlyCell:
    cell.font = font
    return cell


# A cell whose text starts like this is a live formula in Excel and LibreOffice (=HYPERLINK,
# =cmd|…): what people typed — report text, names — is written as text, never as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text(cell: Any) -> Any:
    if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True  # and stays text when someone edits the cell
    return cell


def _save(book: Workbook) -> bytes:
    if not book.write_only:
        del book[book.sheetnames[0]]  # the empty sheet every new workbook starts with
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _yuan(fen: int | None) -> float | None:
    return None if fen is None else fen / 100


def _day(text: str | None) -> date | None:
    return datetime.fromisoformat(text).date() if text else None


async def _kept(store: Store, visits: list[Row]) -> dict[str, StoredFile]:
    """The files kabot keeps of these visits' photos."""
    ids = [
        str(p.get("file_unique_id"))
        for v in visits
        for p in json.loads(v["answers"]).get("photos") or []
    ]
    return await store.files.by_unique_ids(ids)


def _photos(texts: Texts, lang: str, answers: dict[str, Any], kept: dict[str, StoredFile]) -> str:
    """Where each photo is in the data folder (and so in every backup), one a line."""
    lines = []
    for photo in answers.get("photos") or []:
        found = kept.get(str(photo.get("file_unique_id")))
        if found is not None and found.relative_path:
            lines.append(found.relative_path)
        else:
            status = found.status if found else "pending"
            lines.append(html.unescape(texts.label(lang, f"workbook.photo.{status}")))
    return "\n".join(lines)


def _visit_rows(
    texts: Texts, lang: str, visits: list[Row], kept: dict[str, StoredFile]
) -> list[list[Cell]]:
    return [
        [
            datetime.fromisoformat(v["visited_at"]).strftime("%Y-%m-%d %H:%M"),
            v["staff_name"],
            v["staff_code"],
            v["unit_name"],
            v["customer_code"],
            v["customer_name"],
            texts.label(lang, f"customer_kind.{v['customer_kind']}"),
            v["grade"],
            texts.label(lang, f"choice.visit.visit_kind.{v['visit_kind']}"),
            json.loads(v["answers"]).get("business_review") or "",
            _photos(texts, lang, json.loads(v["answers"]), kept),
        ]
        for v in visits
    ]


def _issue_rows(texts: Texts, lang: str, issues: list[Row]) -> list[list[Cell]]:
    return [
        [
            f"I{i['id']}",
            _day(i["created_at"]),
            i["unit_name"],
            i["customer_name"],
            i["staff_name"],
            texts.label(lang, f"choice.issue.category.{i['category']}"),
            texts.label(lang, f"choice.issue.severity.{i['severity']}"),
            texts.label(lang, f"report.status.{i['status']}"),
            _day(i["replied_at"]),
        ]
        for i in issues
    ]


def _promotion_rows(texts: Texts, lang: str, promotions: list[Row]) -> list[list[Cell]]:
    return [
        [
            f"P{p['id']}",
            p["title"],
            p["unit_name"],
            date.fromisoformat(p["first_day"]),
            date.fromisoformat(p["last_day"]),
            _yuan(p["budget_fen"]),
            _yuan(p["spent_fen"]),
            texts.label(lang, f"report.status.{p['status']}"),
        ]
        for p in promotions
    ]


async def month(
    store: Store,
    rules: Rules,
    texts: Texts,
    lang: str,
    month: str,
    gathered: dict[int | None, MonthlySummary] | None = None,
) -> bytes:
    """The month's workbook for the whole group: the figures per unit, then every record.
    ``gathered``: figures already worked out (unit id, None for the whole group)."""
    from bot.reminders.summary import gather_all

    known = dict(gathered or {})
    scopes = [u for u in await store.units.all() if u.active and not u.is_centre] + [None]
    missing = [unit for unit in scopes if (unit.id if unit else None) not in known]
    for unit, figured in zip(missing, await gather_all(store, rules, month, missing), strict=True):
        known[unit.id if unit else None] = figured
    figures: list[list[Cell]] = []
    for unit in scopes:
        s = known[unit.id if unit else None]
        on_time = sum(1 for _, _, ok in s.data if ok)
        figures.append(
            [
                unit.name if unit else texts.label(lang, "chart.whole_group"),
                s.visits,
                s.issues_opened,
                s.issues_resolved,
                s.issues_overdue,
                s.promotions,
                _yuan(s.budget_fen),
                _yuan(s.spent_fen),
                f"{on_time}/{len(s.data)}",
                _yuan(s.penalties_fen),
                _yuan(s.waived_fen),
                s.avoided,
                _yuan(s.avoided_fen),
            ]
        )
    # The records made into rows and written in the worker process, which reads them
    # itself: a month's tens of thousands of visits never hold up a chat.
    return await worker.run(
        _month_in_worker, (store.db.target, store.clock.tz.key), str(texts.root),
        texts.default_language, lang, month, figures,
    )  # fmt: skip


def _month_in_worker(
    where: tuple[str, str],
    root: str,
    default_language: str,
    lang: str,
    month: str,
    figures: list[list[Cell]],
) -> bytes:
    """In the worker process: the month's records read, made into rows and written.
    ``where``: the database and the clock's time zone (a server gives moments back in it)."""
    return asyncio.run(
        _month_read_and_written(where, Texts(Path(root), default_language), lang, month, figures)
    )


async def _month_read_and_written(
    where: tuple[str, str], texts: Texts, lang: str, month: str, figures: list[list[Cell]]
) -> bytes:
    from bot.reminders.summary import month_bounds

    first, last = month_bounds(month)
    target, zone = where
    db = await Database.open(target, zone)
    try:
        store = Store(db, SystemClock(ZoneInfo(zone)))  # only read: the clock is not asked
        visits = await store.summaries.visits(first, last)
        kept = await _kept(store, visits)
        issues = await store.summaries.issues(first, last, None)
        promotions = await store.summaries.promotions(first, last, None)
        entries = await store.ledger.month(month)
    finally:
        await db.close()
    return _month_book(texts, lang, figures, visits, kept, issues, promotions, entries)


def _month_book(
    texts: Texts,
    lang: str,
    figures: list[list[Cell]],
    visits: list[Row],
    kept: dict[str, Any],
    issues: list[Row],
    promotions: list[Row],
    entries: list[LedgerEntry],
) -> bytes:
    sheets: dict[str, list[list[Cell]]] = {
        "figures": figures,
        "visits": _visit_rows(texts, lang, visits, kept),
        "issues": _issue_rows(texts, lang, issues),
        "promotions": _promotion_rows(texts, lang, promotions),
        "ledger": [
            [
                e.id,
                e.staff_name,
                texts.label(lang, f"workbook.ledger_kind.{e.kind}"),
                e.rule or "",
                _yuan(e.amount_fen),
                texts.label(lang, f"ledger.status.{e.status}"),
                e.reason,
                e.created_at.date(),
            ]
            for e in entries
        ],
    }
    return write_sheets(texts, lang, sheets)


def write_sheets(texts: Texts, lang: str, sheets: dict[str, list[list[Cell]]]) -> bytes:
    """A write-only workbook of these sheets (name → rows), its headers from the labels."""
    book = Workbook(write_only=True)
    for name, rows in sheets.items():
        _sheet(book, texts, lang, name, rows)
    return _save(book)


def _pictures(
    book: Workbook, texts: Texts, lang: str, files: Path, visits: list[Row], kept: dict[str, Any]
) -> None:
    """The visits' photos themselves, one a row with the visit they belong to."""
    sheet: Worksheet = book.create_sheet(html.unescape(texts.label(lang, "workbook.pictures")))
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 48
    row = 1
    for visit in visits:
        for photo in json.loads(visit["answers"]).get("photos") or []:
            found = kept.get(str(photo.get("file_unique_id")))
            path = files.parent / found.relative_path if found and found.relative_path else None
            sheet.cell(row, 1, datetime.fromisoformat(visit["visited_at"]).strftime("%Y-%m-%d"))
            sheet.cell(row, 2, found.relative_path if found and found.relative_path else "")
            try:
                if path is None:
                    raise FileNotFoundError
                picture = Image(str(path))
            except Exception:  # not kept yet, or not a picture Pillow can read: the path stays
                row += 1
                continue
            scale = 200 / max(picture.width, picture.height, 1)
            picture.width, picture.height = picture.width * scale, picture.height * scale
            sheet.add_image(picture, f"C{row}")
            sheet.row_dimensions[row].height = 155
            row += 1


async def customer_file(
    store: Store, texts: Texts, lang: str, customer: Customer, files: Path | None = None
) -> bytes:
    """Everything about one customer: the card, visits (and, with ``files``, the folder kabot
    keeps photos in, the pictures themselves), issues, promotions, contracts."""
    book = Workbook()
    _sheet(
        book,
        texts,
        lang,
        "customer",
        [
            [
                customer.code,
                customer.name,
                texts.label(lang, f"customer_kind.{customer.kind.value}"),
                customer.grade,
                texts.label(lang, f"visit_class.{customer.visit_class.value}"),
                customer.region,
                customer.last_visit_on,
            ]
        ],
    )
    visits = await store.summaries.visits(date.min, date.max, customer_id=customer.id)
    kept = await _kept(store, visits)
    _sheet(book, texts, lang, "visits", _visit_rows(texts, lang, visits, kept))
    if files is not None and kept:
        await asyncio.to_thread(_pictures, book, texts, lang, files, visits, kept)
    _sheet(
        book,
        texts,
        lang,
        "issues",
        _issue_rows(texts, lang, await store.summaries.customer_issues(customer.id)),
    )
    _sheet(
        book,
        texts,
        lang,
        "promotions",
        _promotion_rows(texts, lang, await store.summaries.customer_promotions(customer.id)),
    )
    contracts = [c for c in await store.contracts.all() if c.customer_id == customer.id]
    rows: list[list[Cell]] = []
    for contract in contracts:
        head: list[Cell] = [contract.title, contract.completed_on, contract.distributed_on]
        locals_ = await store.contracts.locals(contract_id=contract.id)
        rows += [[*head, lc.title, lc.signed_on, lc.copy_on] for lc in locals_]
        if not locals_:
            rows.append([*head, None, None, None])
    _sheet(book, texts, lang, "contracts", rows)
    return _save(book)


async def person_visits(
    store: Store, texts: Texts, lang: str, person: Staff, first: date, last: date
) -> bytes:
    visits = await store.summaries.visits(first, last, staff_id=person.id)
    book = Workbook()
    visit_rows = _visit_rows(texts, lang, visits, await _kept(store, visits))
    _sheet(book, texts, lang, "visits", visit_rows)
    return _save(book)


async def grading(store: Store, texts: Texts, lang: str, proposal: Proposal) -> bytes:
    """Every line of a grading proposal: the figures, the score, the grade before and after."""
    rows: list[list[Cell]] = []
    for line in proposal.lines:
        customer = await store.customers.by_id(line.customer_id)
        rows.append(
            [
                customer.code if customer else "",
                customer.name if customer else "",
                _yuan(line.sales_fen),
                _yuan(line.profit_fen),
                line.visits,
                line.score,
                line.old_grade,
                line.new_grade,
                texts.label(lang, "workbook.churn") if line.churn else "",
            ]
        )
    book = Workbook()
    _sheet(book, texts, lang, "grading", rows)
    return _save(book)
