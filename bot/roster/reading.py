"""Reading rosters as offices keep them: .xlsx workbooks, or folders of CSV files saved by
Excel in UTF-8 (with a BOM) or GBK. Produces sheets of text cells with Excel's row numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.roster.model import Problem, RosterError
from bot.roster.vocabulary import COLUMNS, SHEETS


@dataclass(frozen=True, slots=True)
class Sheet:
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


def _csv_rows(raw: bytes, name: str) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [[c.strip() for c in row] for row in csv.reader(text.splitlines())]
    raise RosterError([Problem(name, 0, "roster.bad_encoding")])


def _read_csv(path: Path) -> list[list[str]]:
    return _csv_rows(path.read_bytes(), path.name)


def upload_rows(name: str, data: bytes) -> list[list[str]]:
    """An uploaded spreadsheet as text cells: a .csv file, or an .xlsx workbook's first sheet."""
    if name.lower().endswith(".csv"):
        return _csv_rows(data, name)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise RosterError([Problem(name, 0, "roster.unreadable", {"reason": str(exc)})]) from exc
    try:
        sheet = book.worksheets[0]
        return [[_cell_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def read_sheets(path: Path) -> list[Sheet]:
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
        sheets.append(Sheet(kind, title, header, titles, body))
    return sheets


def column_index(sheet: Sheet, column: str) -> int | None:
    _, names = COLUMNS[sheet.kind][column]
    for name in names:
        if name in sheet.header:
            return sheet.header.index(name)
    return None


def column_title(sheet: Sheet, column: str) -> str:
    """The column's header as the roster writes it (or its usual Chinese name)."""
    index = column_index(sheet, column)
    if index is not None:
        return sheet.titles[index]
    return COLUMNS[sheet.kind][column][1][1]


def check_columns(sheet: Sheet, problems: list[Problem]) -> bool:
    ok = True
    for column, (required, names) in COLUMNS[sheet.kind].items():
        if required and column_index(sheet, column) is None:
            problems.append(Problem(sheet.title, 1, "roster.missing_column", {"column": names[1]}))
            ok = False
    return ok
