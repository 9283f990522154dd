"""Saved reports: visits, issues, promotions and their reports, monthly data.

Each kind has its own table; they share the columns every report has (who, which unit,
status, the answers as JSON, version) and add the facts the rules count on. Corrections keep
the replaced answers in ``report_versions``; where a card was posted is in ``report_posts``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.models import Answers, Page, Report, Staff
from bot.store import customers
from bot.store.base import Repository
from bot.store.db import Row


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    # The typed columns, each read from the answers.
    columns: dict[str, Callable[[Answers], Any]]


def _when_at(answers: Answers) -> str:
    return str(answers["visited_at"]["at"])


_TABLES = {
    "visit": _Table(
        "visits",
        {
            "customer_id": lambda a: a["customer"],
            "visited_at": _when_at,
            "visit_kind": lambda a: a["visit_kind"],
        },
    ),
    "issue": _Table(
        "issues",
        {
            "customer_id": lambda a: a["customer"],
            "category": lambda a: a["category"],
            "severity": lambda a: a["severity"],
        },
    ),
    "promotion": _Table(
        "promotions",
        {
            "title": lambda a: a["title"],
            "first_day": lambda a: a["period"]["first"],
            "last_day": lambda a: a["period"]["last"],
            "budget_fen": lambda a: a["budget"],
        },
    ),
    "promotion_report": _Table(
        "promotion_reports",
        {
            "promotion_id": lambda a: a["promotion"],
            "stage": lambda a: "closeout" if "actual_cost" in a else "update",
            "spend_fen": lambda a: a.get("actual_cost", a.get("spend")),
        },
    ),
    "data": _Table(
        "data_submissions",
        {
            "month": lambda a: a["month"],
            "store_sales_fen": lambda a: a.get("store_sales"),
        },
    ),
    "admission": _Table("admissions", {"name": lambda a: a["name"]}),
}

# What each kind of report is called in the audit log.
ENTITIES = {kind: table.name for kind, table in _TABLES.items()}


# An issue's handling by the KA centre, with the names of who did what.
_ISSUE_HANDLING = (
    ", (SELECT name FROM staff WHERE id = r.acknowledged_by) AS acknowledged_by_name"
    ", (SELECT name FROM staff WHERE id = r.replied_by) AS replied_by_name"
    ", (SELECT name FROM staff WHERE id = r.reopened_by) AS reopened_by_name"
)


def _select(kind: str) -> str:
    extra = _ISSUE_HANDLING if kind == "issue" else ""
    return (
        f"SELECT r.*, s.name AS staff_name, u.name AS unit_name{extra}"
        f" FROM {_TABLES[kind].name} r"
        " JOIN staff s ON s.id = r.staff_id JOIN business_units u ON u.id = r.unit_id"
    )


def _handling(kind: str, row: Row) -> Answers:
    if kind != "issue":
        return {}
    return {
        key: row[key]
        for key in (
            "acknowledged_by_name",
            "acknowledged_at",
            "reply",
            "replied_by_name",
            "replied_at",
            "reopened_by_name",
            "reopened_at",
            "reopen_reason",
        )
        if row[key] is not None
    }


def _report(kind: str, row: Row) -> Report:
    return Report(
        kind=kind,
        id=row["id"],
        staff_id=row["staff_id"],
        staff_name=row["staff_name"],
        unit_id=row["unit_id"],
        unit_name=row["unit_name"],
        status=row["status"],
        answers=json.loads(row["answers"]),
        version=row["version"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        handling=_handling(kind, row),
    )


def _json(answers: Answers) -> str:
    return json.dumps(answers, ensure_ascii=False, sort_keys=True)


class ReportRepository(Repository):
    async def by_id(self, kind: str, report_id: int) -> Report | None:
        if kind not in _TABLES:
            return None
        row = await self.db.fetch_one(_select(kind) + " WHERE r.id = ?", (report_id,))
        return _report(kind, row) if row else None

    async def confirm_data(self, report: Report, by: Staff) -> Report | None:
        """R1: the unit's first responsible person confirms its KA data — once."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "UPDATE data_submissions SET status = 'confirmed', confirmed_by = ?,"
                " confirmed_at = ? WHERE id = ? AND confirmed_at IS NULL",
                (by.id, self.now_text(), report.id),
            )
            if not changed:
                return None
            after = await self.by_id("data", report.id)
            await self.audit(by.code, "data.confirm", "data_submissions", report.id, report, after)
        return after

    async def add(self, kind: str, author: Staff, unit_id: int, answers: Answers) -> Report:
        """Save a new report, with what follows from it, and audit it — in one transaction."""
        table = _TABLES[kind]
        typed = {column: read(answers) for column, read in table.columns.items()}
        columns = ["staff_id", "unit_id", *typed, "answers", "created_at", "updated_at"]
        now = self.now_text()
        values = [author.id, unit_id, *typed.values(), _json(answers), now, now]
        async with self.db.transaction():
            report_id = await self.db.insert(
                f"INSERT INTO {table.name} ({', '.join(columns)})"
                f" VALUES ({', '.join('?' for _ in columns)})",
                values,
            )
            await self._follow_up(kind, report_id, answers)
            report = await self.by_id(kind, report_id)
            await self.audit(author.code, "create", table.name, report_id, after=report)
        assert report is not None
        return report

    async def correct(self, report: Report, author: Staff, answers: Answers) -> Report:
        """Replace a report's answers with corrected ones, keeping the old ones as a version."""
        table = _TABLES[report.kind]
        typed = {column: read(answers) for column, read in table.columns.items()}
        sets = ", ".join(f"{column} = ?" for column in typed)
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO report_versions (kind, report_id, version, answers, replaced_at,"
                " replaced_by) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    report.kind,
                    report.id,
                    report.version,
                    _json(report.answers),
                    self.now_text(),
                    author.id,
                ),
            )
            await self.db.execute(
                f"UPDATE {table.name} SET {sets}, answers = ?, version = version + 1,"
                " updated_at = ? WHERE id = ?",
                [*typed.values(), _json(answers), self.now_text(), report.id],
            )
            if report.kind == "promotion":
                await self.db.execute(
                    "DELETE FROM promotion_customers WHERE promotion_id = ?", (report.id,)
                )
            await self._follow_up(report.kind, report.id, answers)
            corrected = await self.by_id(report.kind, report.id)
            await self.audit(author.code, "correct", table.name, report.id, report, corrected)
        assert corrected is not None
        return corrected

    async def _follow_up(self, kind: str, report_id: int, answers: Answers) -> None:
        """What a report changes elsewhere: a customer's last visit, a promotion's state."""
        if kind == "visit":
            visited_on = _when_at(answers)[:10]
            await customers.visited(self.db, answers["customer"], visited_on)
        elif kind == "promotion":
            await self.db.execute_many(
                "INSERT INTO promotion_customers (promotion_id, customer_id)"
                " VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(report_id, customer_id) for customer_id in answers["customers"]],
            )
        elif kind == "promotion_report" and "actual_cost" in answers:
            await self.db.execute(
                "UPDATE promotions SET status = 'closed', updated_at = ? WHERE id = ?",
                (self.now_text(), answers["promotion"]),
            )

    async def versions(self, report: Report) -> list[tuple[int, Answers, datetime]]:
        """Earlier versions of a corrected report, oldest first: (version, answers, replaced)."""
        rows = await self.db.fetch_all(
            "SELECT version, answers, replaced_at FROM report_versions"
            " WHERE kind = ? AND report_id = ? ORDER BY version",
            (report.kind, report.id),
        )
        return [
            (r["version"], json.loads(r["answers"]), datetime.fromisoformat(r["replaced_at"]))
            for r in rows
        ]

    async def page(
        self,
        kind: str,
        *,
        staff_id: int | None = None,
        unit_id: int | None = None,
        statuses: tuple[str, ...] = (),
        oldest_first: bool = False,
        offset: int = 0,
        limit: int = 8,
    ) -> Page[Report]:
        """Reports of one kind by one person or unit (None: anyone, any unit)."""
        where: list[str] = ["1 = 1"]
        params: list[object] = []
        if staff_id is not None:
            where.append("r.staff_id = ?")
            params.append(staff_id)
        if unit_id is not None:
            where.append("r.unit_id = ?")
            params.append(unit_id)
        if statuses:
            where.append(f"r.status IN ({', '.join('?' for _ in statuses)})")
            params.extend(statuses)
        condition = " AND ".join(where)
        order = "ASC" if oldest_first else "DESC"
        total = await self.db.fetch_one(
            f"SELECT COUNT(*) FROM {_TABLES[kind].name} r WHERE {condition}", params
        )
        rows = await self.db.fetch_all(
            _select(kind) + f" WHERE {condition} ORDER BY r.created_at {order}, r.id {order}"
            " LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return Page(
            items=tuple(_report(kind, r) for r in rows),
            offset=offset,
            total=int(total[0]) if total else 0,
            limit=limit,
        )

    async def recent_customer_ids(self, staff_id: int, limit: int = 3) -> list[int]:
        """The customers a person reported on last, most recent first."""
        rows = await self.db.fetch_all(
            "SELECT customer_id FROM (SELECT customer_id, created_at FROM visits"
            " WHERE staff_id = ? UNION ALL SELECT customer_id, created_at FROM issues"
            " WHERE staff_id = ?) AS mine GROUP BY customer_id"
            " ORDER BY MAX(created_at) DESC LIMIT ?",
            (staff_id, staff_id, limit),
        )
        return [r["customer_id"] for r in rows]

    async def last_visit(self, customer_id: int) -> Report | None:
        """The customer's most recent visit report, by anyone ("same as last time")."""
        row = await self.db.fetch_one(
            _select("visit") + " WHERE r.customer_id = ? ORDER BY r.visited_at DESC, r.id DESC"
            " LIMIT 1",
            (customer_id,),
        )
        return _report("visit", row) if row else None

    async def running_promotions(self, unit_id: int | None) -> list[Report]:
        """Promotions running and not closed, of one unit (None: any), newest first: approved
        with their 活动确认书 signed, or run by the unit as its own activity."""
        condition = (
            "((r.status = 'approved' AND EXISTS (SELECT 1 FROM promotion_chain c"
            " WHERE c.promotion_id = r.id AND c.stage = 'confirmed'))"
            " OR r.status = 'unit_activity')"
        )
        params: list[object] = []
        if unit_id is not None:
            condition += " AND r.unit_id = ?"
            params.append(unit_id)
        rows = await self.db.fetch_all(
            _select("promotion") + f" WHERE {condition} ORDER BY r.id DESC LIMIT 20", params
        )
        return [_report("promotion", r) for r in rows]

    async def add_post(self, report: Report, chat_id: int, message_id: int) -> None:
        await self.db.execute(
            "INSERT INTO report_posts (kind, report_id, chat_id, message_id)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (report.kind, report.id, chat_id, message_id),
        )

    async def posts(self, report: Report) -> list[tuple[int, int]]:
        """(chat id, message id) of every group card of this report."""
        rows = await self.db.fetch_all(
            "SELECT chat_id, message_id FROM report_posts WHERE kind = ? AND report_id = ?",
            (report.kind, report.id),
        )
        return [(r["chat_id"], r["message_id"]) for r in rows]

    async def set_status(self, report: Report, status: str) -> None:
        """Move a report on (approved, returned …); call inside the deciding transaction."""
        await self.db.execute(
            f"UPDATE {_TABLES[report.kind].name} SET status = ?, updated_at = ? WHERE id = ?",
            (status, self.now_text(), report.id),
        )

    async def handle_issue(
        self, issue: Report, by: Staff, action: str, reply: str | None = None
    ) -> Report | None:
        """The KA centre acknowledges, answers (and so closes) or reopens an issue — each
        once: None when the issue is no longer in a state the action fits. ``reply`` is the
        written reply, or the reason for reopening."""
        now = self.now_text()
        statements = {
            "acknowledge": (
                "UPDATE issues SET status = 'acknowledged', acknowledged_by = ?,"
                " acknowledged_at = ?, updated_at = ? WHERE id = ? AND status = 'open'",
                (by.id, now, now, issue.id),
            ),
            "reply": (
                "UPDATE issues SET status = 'closed', reply = ?, replied_by = ?, replied_at = ?,"
                " updated_at = ? WHERE id = ? AND status IN ('open', 'acknowledged')",
                (reply, by.id, now, now, issue.id),
            ),
            "reopen": (
                "UPDATE issues SET status = 'open', reopened_by = ?, reopened_at = ?,"
                " reopen_reason = ?, updated_at = ? WHERE id = ? AND status = 'closed'",
                (by.id, now, reply, now, issue.id),
            ),
        }
        sql, params = statements[action]
        async with self.db.transaction():
            if await self.db.changes(sql, params) == 0:
                return None
            handled = await self.by_id("issue", issue.id)
            await self.audit(by.code, f"issue.{action}", "issues", issue.id, issue, handled)
        return handled

    async def count_since(self, kind: str, unit_id: int | None, since: datetime) -> int:
        """How many reports of ``kind`` a unit (None: every unit) filed since ``since``."""
        where = "created_at >= ?"
        params: list[object] = [since.isoformat(timespec="seconds")]
        if unit_id is not None:
            where += " AND unit_id = ?"
            params.append(unit_id)
        row = await self.db.fetch_one(
            f"SELECT COUNT(*) FROM {_TABLES[kind].name} WHERE {where}", params
        )
        return int(row[0]) if row else 0
