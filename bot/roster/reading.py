"""Reading rosters as offices keep them: .xlsx workbooks, or folders of CSV files saved by
Excel in UTF-8 (with a BOM) or GBK. Produces sheets of text cells with Excel's row numbers."""

from __future__ import annotations

import csv
import io
import zipfile
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


# A spreadsheet kabot reads is a roster or a sales sheet, not a database: a few thousand rows
# at most. A crafted 5 KB file that declares A1:XFD1048576 grew to 2.7 GB in openpyxl; these
# caps refuse such a file, naming the cap, before it can hold anyone up.
MAX_ROWS = 20_000
MAX_COLUMNS = 64
MAX_CELLS = 400_000
MAX_UNPACKED = 50 * 1024 * 1024  # bytes, all the workbook's parts together


def _sheet_rows(name: str, ws: Any) -> list[list[str]]:
    """A sheet's rows as text, within the caps; the sheet's declared size is ignored."""
    ws.reset_dimensions()  # read-only mode trusts the file's <dimension> otherwise
    rows: list[list[str]] = []
    cells = 0
    for row in ws.iter_rows(values_only=True):
        if len(rows) >= MAX_ROWS:
            raise RosterError([Problem(name, 0, "roster.too_many_rows", {"limit": str(MAX_ROWS)})])
        values = [_cell_text(c) for c in row[: MAX_COLUMNS + 1]]
        while values and not values[-1]:
            values.pop()
        if len(values) > MAX_COLUMNS:
            limit = {"limit": str(MAX_COLUMNS)}
            raise RosterError([Problem(name, len(rows) + 1, "roster.too_many_columns", limit)])
        cells += len(values)
        if cells > MAX_CELLS:
            raise RosterError(
                [Problem(name, 0, "roster.too_many_cells", {"limit": str(MAX_CELLS)})]
            )
        rows.append(values)
    return rows


def _open_workbook(name: str, source: Path | bytes) -> Any:
    """openpyxl's read-only workbook, after a look at how large it unpacks."""
    from openpyxl import load_workbook

    stream: Any = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED:
            limit = f"{MAX_UNPACKED // (1024 * 1024)} MB"
            raise RosterError([Problem(name, 0, "roster.too_large", {"limit": limit})])
        if isinstance(stream, io.BytesIO):
            stream.seek(0)
        return load_workbook(stream, read_only=True, data_only=True)
    except RosterError:
        raise
    except Exception as exc:  # openpyxl and zipfile raise many kinds for a damaged file
        raise RosterError([Problem(name, 0, "roster.unreadable", {"reason": str(exc)})]) from exc


def upload_rows(name: str, data: bytes) -> list[list[str]]:
    """An uploaded spreadsheet as text cells: a .csv file, or an .xlsx workbook's first sheet.
    Slow for a big file: call it off the event loop."""
    if name.lower().endswith(".csv"):
        return _csv_rows(data, name)
    book = _open_workbook(name, data)
    try:
        return _sheet_rows(name, book.worksheets[0])
    finally:
        book.close()


def read_sheets(path: Path) -> list[Sheet]:
    tables: list[tuple[str, list[list[str]]]] = []
    if path.is_dir():
        for file in sorted(path.glob("*.csv")):
            tables.append((file.stem, _read_csv(file)))
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        book = _open_workbook(path.name, path)
        try:
            for ws in book.worksheets:
                tables.append((ws.title, _sheet_rows(f"{path.name}:{ws.title}", ws)))
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
