"""Obligations and the notices sent about them — each notice claimed once before it is sent."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.models import Obligation, Staff
from bot.store.base import Repository, month_range
from bot.store.db import Row


@dataclass(frozen=True, slots=True)
class IssueFact:
    """What the reply, complaint and demand rules (R4, R10, R11, R17, R18) need of an issue."""

    id: int
    unit_id: int
    category: str
    reported_at: datetime
    acknowledged_at: datetime | None
    replied_at: datetime | None
    severity: str = ""  # R17: an urgent customer demand
    staff_id: int = 0  # who reported it (R18: asks the customer once it is resolved)
    satisfied_at: datetime | None = None  # R18: when the customer's answer was recorded


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _obligation(row: Row) -> Obligation:
    return Obligation(
        id=row["id"],
        rule=row["rule"],
        subject=row["subject"],
        period=row["period"],
        due_on=date.fromisoformat(row["due_on"]),
        unit_id=row["unit_id"],
        met_at=datetime.fromisoformat(row["met_at"]) if row["met_at"] else None,
        staff_id=row["staff_id"],
        due_at=datetime.fromisoformat(row["due_at"]) if row["due_at"] else None,
    )


_ISSUE_FACTS = (
    "SELECT i.id, i.unit_id, i.category, i.severity, i.created_at, i.acknowledged_at,"
    " i.replied_at, i.staff_id, s.recorded_at AS satisfied_at FROM issues i"
    " LEFT JOIN satisfactions s ON s.issue_id = i.id"
)


def _issue_fact(r: Row) -> IssueFact:
    return IssueFact(
        r["id"],
        r["unit_id"],
        r["category"],
        datetime.fromisoformat(r["created_at"]),
        _moment(r["acknowledged_at"]),
        _moment(r["replied_at"]),
        r["severity"],
        r["staff_id"],
        _moment(r["satisfied_at"]),
    )


@dataclass(frozen=True, slots=True)
class Due:
    """An obligation to have: what ``ensure_all`` writes if it is not there yet."""

    rule: str
    subject: str
    period: str
    due_on: date
    unit_id: int | None
    due_at: datetime | None = None
    staff_id: int | None = None  # a person's own obligation (R8's quota)


class ObligationRepository(Repository):
    async def ensure_all(self, wanted: list[Due]) -> None:
        """Every obligation of ``wanted`` that is not there yet, in one statement: the plan
        of a hundred thousand contracts costs one round trip, not one each."""
        now = self.now_text()
        await self.db.execute_many(
            "INSERT INTO obligations (rule, subject, period, due_on, unit_id,"
            " staff_id, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [
                (
                    d.rule,
                    d.subject,
                    d.period,
                    d.due_on.isoformat(),
                    d.unit_id,
                    d.staff_id,
                    now,
                    d.due_at.isoformat(timespec="seconds") if d.due_at else None,
                )
                for d in wanted
            ],
        )

    async def subjects(self, rules: tuple[str, ...]) -> set[tuple[str, str]]:
        """(rule, subject) of every obligation of ``rules``: what a plan need not work out
        again (one read of the unique index, however long the history)."""
        marks = ", ".join("?" for _ in rules)
        rows = await self.db.fetch_all(
            f"SELECT rule, subject FROM obligations WHERE rule IN ({marks})", rules
        )
        return {(r["rule"], r["subject"]) for r in rows}

    async def ensure(
        self,
        rule: str,
        subject: str,
        period: str,
        due_on: date,
        unit_id: int | None,
        staff_id: int | None = None,
        due_at: datetime | None = None,
    ) -> None:
        await self.ensure_all([Due(rule, subject, period, due_on, unit_id, due_at, staff_id)])

    async def open(self, due_by: date | None = None) -> list[Obligation]:
        """Obligations not met yet; ``due_by``: only those due by that day (the ones whose
        reminders, notices or fines can have come — the rest have nothing to do yet)."""
        if due_by is None:
            rows = await self.db.fetch_all(
                "SELECT * FROM obligations WHERE met_at IS NULL ORDER BY due_on, id"
            )
        else:
            rows = await self.db.fetch_all(
                "SELECT * FROM obligations WHERE met_at IS NULL AND due_on <= ?"
                " ORDER BY due_on, id",
                (due_by.isoformat(),),
            )
        return [_obligation(r) for r in rows]

    async def breached_early(self) -> list[Obligation]:
        """Open obligations already breached before they come within reach: a local
        contract's copy collected incomplete (R7's 收集不全面, charged when it comes)."""
        # From the copies collected incomplete to their obligation through the (rule, subject,
        # period) index: joined the other way round SQLite compared every obligation with
        # every local contract (a minute at 100,000 of each).
        rows = await self.db.fetch_all(
            "SELECT o.* FROM local_contracts l CROSS JOIN obligations o"
            " WHERE l.copy_on IS NOT NULL AND l.copy_complete = 0 AND o.rule = 'R7'"
            " AND o.subject = 'copy:' || l.id AND o.met_at IS NULL ORDER BY o.due_on, o.id"
        )
        return [_obligation(r) for r in rows]

    async def met(self, obligation: Obligation, at: datetime) -> None:
        await self.db.execute(
            "UPDATE obligations SET met_at = ? WHERE id = ? AND met_at IS NULL",
            (at.isoformat(timespec="seconds"), obligation.id),
        )

    async def claim(
        self,
        obligation: Obligation,
        kind: str,
        outcome: str,
        *,
        receiver: Staff | None = None,
        stand_in_for: Staff | None = None,
        chat_id: int | None = None,
    ) -> bool:
        """Note a notice as sent (or skipped); False if it was already — then send nothing.
        ``receiver``: whom it is for (a stand-in, for ``stand_in_for`` on leave), in
        ``chat_id`` (a group's, or the person's): the evidence pack's timeline."""
        changed = await self.db.changes(
            "INSERT INTO notices_sent (obligation_id, kind, sent_at, outcome,"
            " receiver_id, stand_in_for, chat_id) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (
                obligation.id,
                kind,
                self.now_text(),
                outcome,
                receiver.id if receiver else None,
                stand_in_for.id if stand_in_for else None,
                chat_id,
            ),
        )
        return changed > 0

    async def carried(self, notices: list[tuple[int, str]], handle: int) -> None:
        """The outbox row (``handle``, as ``Outbox.message`` returns it) that carries these
        (obligation id, kind) notices: whether they were delivered is read from it."""
        if handle >= 0 or not notices:
            return
        await self.db.execute_many(
            "UPDATE notices_sent SET outbox_id = ? WHERE obligation_id = ? AND kind = ?",
            [(-handle, obligation_id, kind) for obligation_id, kind in notices],
        )

    async def timeline(self, obligation_ids: list[int]) -> list[Row]:
        """Every notice of these obligations, with whom it was for and how its message
        fared: the outbox row's status, Telegram's refusal, when it went."""
        if not obligation_ids:
            return []
        marks = ",".join("?" * len(obligation_ids))
        return await self.db.fetch_all(
            "SELECT n.obligation_id, n.kind, n.sent_at, n.outcome, n.chat_id,"
            " r.name AS receiver, f.name AS stand_in_for, r.first_seen_at AS receiver_seen,"
            " o.status AS delivery, o.error, o.sent_at AS delivered_at, u.name AS group_name"
            " FROM notices_sent n LEFT JOIN staff r ON r.id = n.receiver_id"
            " LEFT JOIN staff f ON f.id = n.stand_in_for"
            " LEFT JOIN outbox o ON o.id = n.outbox_id"
            " LEFT JOIN business_units u ON u.group_chat_id = n.chat_id"
            f" WHERE n.obligation_id IN ({marks}) ORDER BY n.sent_at, n.kind",
            obligation_ids,
        )

    async def of_source(self, rule: str, subject: str, period: str) -> list[Obligation]:
        """The obligations a rule's ledger source names (``penalties.source``): one, or for
        a charge shared by every waiting unit (R4's "units"), each unit's of the period."""
        if subject == "units":
            rows = await self.db.fetch_all(
                "SELECT * FROM obligations WHERE rule = ? AND period = ? ORDER BY id",
                (rule, period),
            )
        else:
            rows = await self.db.fetch_all(
                "SELECT * FROM obligations WHERE rule = ? AND subject = ? AND period = ?",
                (rule, subject, period),
            )
        return [_obligation(r) for r in rows]

    async def created_at(self, obligation: Obligation) -> datetime | None:
        row = await self.db.fetch_one(
            "SELECT created_at FROM obligations WHERE id = ?", (obligation.id,)
        )
        return datetime.fromisoformat(row["created_at"]) if row else None

    async def queued(self, kind: str) -> list[Obligation]:
        """Obligations whose ``kind`` notice is claimed but waits to go out with others of
        the run (the directors' escalations: one message a run, however many)."""
        rows = await self.db.fetch_all(
            "SELECT o.* FROM obligations o JOIN notices_sent n ON n.obligation_id = o.id"
            " WHERE n.kind = ? AND n.outcome = 'queued' ORDER BY o.due_on, o.id",
            (kind,),
        )
        return [_obligation(r) for r in rows]

    async def dequeue(self, obligations: list[Obligation], kind: str) -> None:
        """The queued ``kind`` notices of ``obligations`` went out."""
        await self.db.execute_many(
            "UPDATE notices_sent SET outcome = 'sent' WHERE obligation_id = ? AND kind = ?"
            " AND outcome = 'queued'",
            [(o.id, kind) for o in obligations],
        )

    async def notices(self, obligation: Obligation) -> dict[str, str]:
        rows = await self.db.fetch_all(
            "SELECT kind, outcome FROM notices_sent WHERE obligation_id = ?", (obligation.id,)
        )
        return {r["kind"]: r["outcome"] for r in rows}

    async def notices_of(self, ids: Collection[int]) -> dict[int, dict[str, str]]:
        """:meth:`notices` of each obligation of ``ids``, read together."""
        found: dict[int, dict[str, str]] = {i: {} for i in ids}
        for r in await self.fetch_for_ids(
            "SELECT obligation_id, kind, outcome FROM notices_sent WHERE obligation_id IN ({ids})",
            ids,
        ):
            found[r["obligation_id"]][r["kind"]] = r["outcome"]
        return found

    async def data_submitted(self, unit_id: int, month: str) -> datetime | None:
        """When a unit's KA data for ``month`` first counted (R1): confirmed by the unit's
        first responsible person."""
        row = await self.db.fetch_one(
            "SELECT MIN(confirmed_at) FROM data_submissions WHERE unit_id = ? AND month = ?",
            (unit_id, month),
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def national_report_filed(self, month: str) -> datetime | None:
        """When the centre filed its national monthly report on ``month`` (R3) — the first
        filing the director did not send back."""
        row = await self.db.fetch_one(
            "SELECT MIN(filed_at) FROM national_reports WHERE month = ? AND returned_at IS NULL",
            (month,),
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def national_report_judged(self, month: str) -> datetime | None:
        """When a director signed off the national report on ``month`` (R3's 审定)."""
        row = await self.db.fetch_one(
            "SELECT MIN(signed_at) FROM national_reports WHERE month = ?", (month,)
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def file_national_report(
        self, month: str, summary: str, file: dict[str, object] | None, by: Staff
    ) -> int:
        async with self.db.transaction():
            report_id = await self.db.insert(
                "INSERT INTO national_reports (month, summary, file, filed_by, filed_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    month,
                    summary,
                    json.dumps(file, ensure_ascii=False) if file else None,
                    by.id,
                    self.now_text(),
                ),
            )
            await self.audit(by.code, "national_report.file", "national_reports", report_id)
        return report_id

    async def national_report(self, report_id: int) -> dict[str, object] | None:
        row = await self.db.fetch_one(
            "SELECT r.*, f.name AS filed_by_name, s.name AS signed_by_name,"
            " b.name AS returned_by_name, f.telegram_id AS filed_by_telegram,"
            " f.language AS filed_by_language"
            " FROM national_reports r JOIN staff f ON f.id = r.filed_by"
            " LEFT JOIN staff s ON s.id = r.signed_by LEFT JOIN staff b ON b.id = r.returned_by"
            " WHERE r.id = ?",
            (report_id,),
        )
        return dict(row) if row else None

    async def sign_national_report(self, report_id: int, by: Staff) -> bool:
        """The director's 审定 — once, and not of a report sent back."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "UPDATE national_reports SET signed_by = ?, signed_at = ? WHERE id = ?"
                " AND signed_by IS NULL AND returned_at IS NULL",
                (by.id, self.now_text(), report_id),
            )
            if changed:
                await self.audit(by.code, "national_report.sign", "national_reports", report_id)
        return changed > 0

    async def return_national_report(self, report_id: int, by: Staff, reason: str) -> bool:
        """Not up to standard: back to the centre with the reason — once, and not once signed."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "UPDATE national_reports SET returned_by = ?, returned_at = ?, return_reason = ?"
                " WHERE id = ? AND signed_by IS NULL AND returned_at IS NULL",
                (by.id, self.now_text(), reason, report_id),
            )
            if changed:
                # The report is due again: R3's obligation of that month is open once more.
                await self.db.execute(
                    "UPDATE obligations SET met_at = NULL WHERE rule = 'R3'"
                    " AND subject = 'centre'"
                    " AND period = (SELECT month FROM national_reports WHERE id = ?)",
                    (report_id,),
                )
                await self.audit(by.code, "national_report.return", "national_reports", report_id)
        return changed > 0

    async def issues_reported(self, unit_id: int, month: str) -> datetime | None:
        """When a unit first reported for ``month`` (R2): an issue, or "none"."""
        row = await self.db.fetch_one(
            "SELECT MIN(at) FROM (SELECT created_at AS at FROM issues WHERE unit_id = ?"
            " AND created_at >= ? AND created_at < ? UNION ALL SELECT created_at FROM"
            " issue_declarations WHERE unit_id = ? AND month = ?) AS reported",
            (unit_id, *month_range(month), unit_id, month),
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def declare_no_issues(self, unit_id: int, month: str, by: Staff) -> bool:
        """Record "no issues this month"; False when the unit said so already."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "INSERT INTO issue_declarations (unit_id, month, staff_id, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (unit_id, month, by.id, self.now_text()),
            )
            if changed:
                await self.audit(
                    by.code, "issues.none", "issue_declarations", f"{unit_id}:{month}"
                )
        return changed > 0

    async def issue_facts(
        self,
        *,
        unit_id: int | None = None,
        issue_id: int | None = None,
        reported: tuple[date, date] | None = None,
        since: date | None = None,
    ) -> list[IssueFact]:
        """Issues as the rules see them; ``reported``: only those reported from the first
        day to the last (a range over the index, not the unit's whole history); ``since``:
        those reported or answered from that day on."""
        where: list[str] = ["1 = 1"]
        params: list[object] = []
        if since is not None:
            where.append("(i.created_at >= ? OR i.replied_at >= ?)")
            params += [since.isoformat(), since.isoformat()]
        if unit_id is not None:
            where.append("i.unit_id = ?")
            params.append(unit_id)
        if issue_id is not None:
            where.append("i.id = ?")
            params.append(issue_id)
        if reported is not None:
            where.append("i.created_at >= ? AND i.created_at < ?")
            params += [reported[0].isoformat(), (reported[1] + timedelta(days=1)).isoformat()]
        rows = await self.db.fetch_all(
            f"{_ISSUE_FACTS} WHERE {' AND '.join(where)} ORDER BY i.id", params
        )
        return [_issue_fact(r) for r in rows]

    async def issue_facts_of(self, ids: Collection[int]) -> dict[int, IssueFact]:
        """:meth:`issue_facts` of the issues of ``ids`` that exist, read together."""
        rows = await self.fetch_for_ids(f"{_ISSUE_FACTS} WHERE i.id IN ({{ids}})", ids)
        return {r["id"]: _issue_fact(r) for r in rows}

    async def charged(self, source_prefix: str) -> tuple[int, int, int]:
        """A rule's fines under a source: how many rows, the fen standing, the fen waived."""
        row = await self.db.fetch_one(
            "SELECT COUNT(*),"
            " COALESCE(SUM(CASE WHEN status != 'waived' THEN amount_fen END), 0),"
            " COALESCE(SUM(CASE WHEN status = 'waived' THEN amount_fen END), 0)"
            " FROM penalty_ledger WHERE kind = 'penalty' AND source >= ? AND source < ?",
            (source_prefix, source_prefix + "\U0010ffff"),
        )
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2])

    async def by_id(self, obligation_id: int) -> Obligation | None:
        row = await self.db.fetch_one("SELECT * FROM obligations WHERE id = ?", (obligation_id,))
        return _obligation(row) if row else None

    async def visits_by_kind(self, staff_id: int, month: str) -> list[tuple[str, datetime]]:
        """(customer kind, when filed) of a person's visits in ``month``, in filing order."""
        rows = await self.db.fetch_all(
            "SELECT c.kind, v.created_at FROM visits v JOIN customers c ON c.id = v.customer_id"
            " WHERE v.staff_id = ? AND v.visited_at >= ? AND v.visited_at < ?"
            " ORDER BY v.created_at",
            (staff_id, *month_range(month)),
        )
        return [(r["kind"], datetime.fromisoformat(r["created_at"])) for r in rows]

    async def snooze(self, obligation: Obligation, staff_id: int, until: datetime) -> None:
        await self.db.execute(
            "INSERT INTO snoozes (obligation_id, staff_id, until, created_at) VALUES (?, ?, ?, ?)",
            (obligation.id, staff_id, until.isoformat(timespec="seconds"), self.now_text()),
        )

    async def snoozed(self, obligation: Obligation, staff_id: int) -> bool:
        """A snooze of ``staff_id`` for this obligation still to come (one at a time)."""
        row = await self.db.fetch_one(
            "SELECT 1 FROM snoozes WHERE obligation_id = ? AND staff_id = ? AND done = 0",
            (obligation.id, staff_id),
        )
        return row is not None

    async def due_snoozes_of(self, ids: Collection[int], now: datetime) -> dict[int, list[int]]:
        """Ids of the snoozed reminders of each obligation of ``ids`` whose moment has come,
        read together."""
        found: dict[int, list[int]] = {i: [] for i in ids}
        for r in await self.fetch_for_ids(
            "SELECT id, obligation_id FROM snoozes WHERE done = 0 AND until <= ?"
            " AND obligation_id IN ({ids}) ORDER BY id",
            ids,
            (now.isoformat(timespec="seconds"),),
        ):
            found[r["obligation_id"]].append(r["id"])
        return found

    async def snooze_done(self, snooze_id: int) -> bool:
        """Claim a snoozed reminder for sending; False if another run did."""
        return (
            await self.db.changes(
                "UPDATE snoozes SET done = 1 WHERE id = ? AND done = 0", (snooze_id,)
            )
            > 0
        )

    async def claim_digest(self, staff_id: int, day: date, outcome: str) -> bool:
        """Note the day's digest for a person as sent (or empty); False if it was already."""
        changed = await self.db.changes(
            "INSERT INTO digests_sent (staff_id, day, sent_at, outcome)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (staff_id, day.isoformat(), self.now_text(), outcome),
        )
        return changed > 0
