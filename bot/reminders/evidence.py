"""The evidence pack of a fine (issue 18): everything a person contesting it, and the director
deciding, needs on one page.

From the ledger row's source (``penalties.source``: rule, subject, period, what was charged)
back to the obligation(s) it was charged under: when each was created and from what fact,
every reminder and notice with its time, whom it was for (a stand-in, during leave) and how
its message fared (delivered, waiting for a /start, refused by Telegram), the escalations,
the fact that met it and who recorded it (the audit log), the manual's clause, the amount's
arithmetic, the appeal, its attachments and the decision.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.models import LedgerEntry, Obligation
from bot.reminders import penalties, workbook
from bot.reminders.rules import Rule, Rules
from bot.store import Store
from bot.store.ledger import Evidence
from bot.texts import Texts

_SOURCE = re.compile(r"^(R\d+):(.+?):(\d{4}-\d{2}):(.*)$")
_R2 = re.compile(r"^R2:(\d+):draft:\d+$")  # recorded by the centre from R2's overdue notice

# Who met an obligation, from the audit log: (table, what was done) per rule.
MET_BY = {
    "R5": ("contracts", "contract.distribute"),
    "R6": ("local_contracts", "local.signed_on"),
    "R7": ("local_contracts", "local.copy_on"),
    "R12": ("launches", "launch.filed"),
}


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the timeline."""

    at: datetime
    what: str  # created, remind, overdue, director, fine_start, fine_stop, snooze, met,
    #            charged, appeal, waived, upheld, attached
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Pack:
    entry: LedgerEntry
    rule: Rule | None
    subjects: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # The amount's arithmetic: the charge ("day", "item", "step_up", "incomplete", "time",
    # "hand"), and for a per-day fine its days, standing and waived totals.
    charge: str = "hand"
    days: list[date] = field(default_factory=list)
    standing_fen: int = 0
    waived_fen: int = 0
    evidence: list[Evidence] = field(default_factory=list)


async def obligations_of(store: Store, entry: LedgerEntry) -> tuple[list[Obligation], str]:
    """The obligations a ledger row was charged under, and what was charged ("item", a day…)."""
    if m := _R2.match(entry.source):
        found = await store.obligations.by_id(int(m[1]))
        return ([found] if found else []), "time"
    m = _SOURCE.match(entry.source)
    if m is None:
        return [], "hand"
    rule, subject, period, key = m.groups()
    return await store.obligations.of_source(rule, subject, period), key


async def pack(store: Store, rules: Rules | None, entry: LedgerEntry) -> Pack:
    rule = rules.rules.get(entry.rule) if rules and entry.rule else None
    found = Pack(entry, rule)
    obligations, key = await obligations_of(store, entry)
    found.charge = (
        "day" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", key) else key if obligations else "hand"
    )
    for obligation in obligations:
        found.subjects.append(await penalties.describe(store, obligation))
        created = await store.obligations.created_at(obligation)
        if created is not None:
            found.events.append(Event(created, "created", await _origin(store, obligation)))
        if obligation.met_at is not None:
            found.events.append(Event(obligation.met_at, "met", await _met(store, obligation)))
    for row in await store.obligations.timeline([o.id for o in obligations]):
        found.events.append(_notice(row))
    if rule is not None and obligations and found.charge == "day":
        days = await store.ledger.under(penalties.source(rule, obligations[0]))
        found.days = [date.fromisoformat(d.source[-10:]) for d in days]
        found.standing_fen = sum(d.amount_fen for d in days if d.status != "waived")
        found.waived_fen = sum(d.amount_fen for d in days if d.status == "waived")
    found.events.append(Event(entry.created_at, "charged", {"by": entry.recorded_by_name}))
    for audit in await store.audit.for_entity("penalty_ledger", entry.id):
        action = audit.action.removeprefix("ledger.")
        if action in ("appeal", "waived", "upheld"):
            person = await store.staff.by_code(audit.actor)
            after = audit.after or {}
            note = after.get("appeal") if action == "appeal" else after.get("decision_note")
            found.events.append(
                Event(audit.at, action, {"by": person.name if person else audit.actor,
                                         "note": note})
            )  # fmt: skip
    found.evidence = await store.ledger.evidence([entry.id])
    for item in found.evidence:
        found.events.append(Event(item.created_at, "attached", {"evidence": item}))
    found.events.sort(key=lambda e: (e.at.replace(tzinfo=None), _ORDER.get(e.what, 5)))
    return found


# On the same moment: the fact before what it caused.
_ORDER = {"created": 0, "met": 1, "charged": 6}


async def _origin(store: Store, obligation: Obligation) -> dict[str, Any]:
    """The fact an obligation was created from, and its day."""
    number = obligation.subject.partition(":")[2]
    day: date | None = None
    match obligation.rule:
        case "R5":
            contract = await store.contracts.by_id(int(number))
            day = contract.completed_on if contract else None
        case "R6":
            local = await store.contracts.local_by_id(int(number))
            parent = await store.contracts.by_id(local.contract_id) if local else None
            day = parent.distributed_on if parent else None
        case "R7":
            local = await store.contracts.local_by_id(int(number))
            day = local.signed_on if local else None
    return {
        "rule": obligation.rule,
        "day": day,
        "due": obligation.due_on,
        "subject": await penalties.describe(store, obligation),
    }


async def _met(store: Store, obligation: Obligation) -> dict[str, Any]:
    """Who recorded the fact that met it, and when, as the audit log has it."""
    table, action = MET_BY.get(obligation.rule, ("", ""))
    if not table:
        return {}
    number = obligation.subject.partition(":")[2]
    for audit in reversed(await store.audit.for_entity(table, number)):
        if audit.action == action:
            person = await store.staff.by_code(audit.actor)
            return {"by": person.name if person else audit.actor, "recorded": audit.at}
    return {}


def _notice(row: Any) -> Event:
    kind = str(row["kind"])
    what, _, arg = kind.partition(":")
    if kind.startswith("fine:"):
        what, arg = f"fine_{arg}", ""
    return Event(
        datetime.fromisoformat(row["sent_at"]),
        what,
        {
            "days": arg if what == "remind" else "",
            "outcome": row["outcome"],
            "receiver": row["receiver"],
            "stand_in_for": row["stand_in_for"],
            "group": row["group_name"],
            "never_wrote": row["receiver"] is not None and not row["receiver_seen"],
            "delivery": row["delivery"],
            "error": row["error"],
            "delivered_at": (
                datetime.fromisoformat(row["delivered_at"]) if row["delivered_at"] else None
            ),
        },
    )


_TAGS = re.compile(r"<[^>]+>")


def plain(texts: Texts, lang: str, event: Event) -> str:
    """One timeline line as text (a workbook cell): the message's own words, without HTML."""
    return html.unescape(_TAGS.sub("", texts.render(lang, "_evidence_event.html", e=event)))


async def month_packs(store: Store, rules: Rules | None, month: str) -> list[Pack]:
    """Every fine of ``month`` with its pack (the centre's export)."""
    return [
        await pack(store, rules, entry)
        for entry in await store.ledger.month(month)
        if entry.kind == "penalty"
    ]


def book(texts: Texts, lang: str, packs: list[Pack]) -> bytes:
    """The packs as one workbook sheet: a row per line of each timeline. Blocking."""
    rows: list[list[workbook.Cell]] = []
    for p in packs:
        status = texts.label(lang, f"ledger.status.{p.entry.status}")
        head: list[workbook.Cell] = [
            p.entry.id, p.entry.staff_name, p.entry.rule or "", p.entry.amount_fen / 100, status
        ]  # fmt: skip
        clause = f"{p.rule.clause} “{p.rule.quote}”" if p.rule else p.entry.reason
        rows.append([*head, None, clause])
        rows += [[*head, e.at.replace(tzinfo=None), plain(texts, lang, e)] for e in p.events]

    return workbook.write_sheets(texts, lang, {"evidence": rows})
