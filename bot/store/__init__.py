"""All of kabot's SQL lives in this package; :class:`Store` gathers the repositories."""

from __future__ import annotations

from pathlib import Path

from bot.clock import Clock
from bot.models import Answers, Decision, Draft, Report, Staff
from bot.store.audit import AuditLog
from bot.store.bookkeeping import BotFacts
from bot.store.claims import ClaimRepository
from bot.store.contracts import ContractRepository
from bot.store.customers import CustomerRepository
from bot.store.db import Database
from bot.store.decisions import DecisionRepository
from bot.store.drafts import DraftRepository
from bot.store.files import FileRepository
from bot.store.gradings import GradingRepository
from bot.store.inbox import Inbox
from bot.store.inspections import InspectionRepository
from bot.store.invites import InviteRepository, Redemption
from bot.store.ka_results import KaResultRepository
from bot.store.ledger import LedgerRepository
from bot.store.meetings import MeetingRepository
from bot.store.obligations import ObligationRepository
from bot.store.outbox import OutboxRepository
from bot.store.plans import PlanRepository
from bot.store.promotion_chain import PromotionChainRepository
from bot.store.reports import ReportRepository
from bot.store.roster import RosterStore
from bot.store.satisfactions import SatisfactionRepository
from bot.store.staff import StaffRepository
from bot.store.store_events import StoreEventRepository
from bot.store.summaries import SummaryRepository
from bot.store.units import UnitRepository


class Store:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.units = UnitRepository(db, clock)
        self.staff = StaffRepository(db, clock)
        self.customers = CustomerRepository(db, clock)
        self.invites = InviteRepository(db, clock)
        self.claims = ClaimRepository(db, clock)
        self.audit = AuditLog(db, clock)
        self.roster = RosterStore(db, clock)
        self.inbox = Inbox(db, clock)
        self.outbox = OutboxRepository(db, clock)
        self.files = FileRepository(db, clock)
        self.facts = BotFacts(db, clock)
        self.drafts = DraftRepository(db, clock)
        self.reports = ReportRepository(db, clock)
        self.decisions = DecisionRepository(db, clock)
        self.ledger = LedgerRepository(db, clock)
        self.obligations = ObligationRepository(db, clock)
        self.contracts = ContractRepository(db, clock)
        self.summaries = SummaryRepository(db, clock)
        self.plans = PlanRepository(db, clock)
        self.gradings = GradingRepository(db, clock)
        self.satisfactions = SatisfactionRepository(db, clock)
        self.meetings = MeetingRepository(db, clock)
        self.store_events = StoreEventRepository(db, clock)
        self.inspections = InspectionRepository(db, clock)
        self.ka_results = KaResultRepository(db, clock)
        self.promotion_chain = PromotionChainRepository(db, clock)

    async def register_by_invite(
        self, code: str, *, telegram_id: int, username: str | None, name: str, language: str
    ) -> tuple[Redemption, Staff | None]:
        """Check the invitation, register the person and use up the code — all or nothing,
        so two people opening one link at the same moment cannot both get in."""
        async with self.db.transaction():
            status, invite = await self.invites.check(code)
            if status is not Redemption.OK or invite is None:
                return status, None
            if invite.staff_id is not None:
                # A personal link: the account becomes that roster row, nobody else's.
                row = await self.staff.by_id(invite.staff_id)
                bound = None
                if row is not None and row.active:
                    bound = await self.staff.bind_telegram(row, telegram_id, f"invite:{code}")
                if bound is None:
                    return Redemption.USED, None
                person = await self.staff.mark_seen(bound)
                await self.invites.mark_used(invite, person)
                return Redemption.OK, person
            person = await self.staff.register_from_invite(
                telegram_id=telegram_id,
                username=username,
                name=name,
                role=invite.role,
                unit_id=invite.unit_id,
                language=language,
            )
            await self.invites.mark_used(invite, person)
            return Redemption.OK, person

    async def file_report(
        self, draft: Draft, kind: str, author: Staff, unit_id: int, answers: Answers
    ) -> Report | None:
        """Turn a draft into a saved report — once: None if the draft was filed already."""
        async with self.db.transaction():
            if not await self.drafts.discard(draft.id):
                return None
            return await self.reports.add(kind, author, unit_id, answers)

    async def file_correction(
        self, draft: Draft, report: Report, author: Staff, answers: Answers
    ) -> Report | None:
        """Save a corrected report from its draft — once, like :meth:`file_report`."""
        async with self.db.transaction():
            if not await self.drafts.discard(draft.id):
                return None
            return await self.reports.correct(report, author, answers)

    async def decide(
        self,
        decision: Decision,
        by: Staff,
        outcome: str,
        comment: Answers | None,
        subject: Report,
        subject_status: str,
        next_step: tuple[str, str] | None = None,
    ) -> Decision | None:
        """Decide a step and do what follows — the next step, a new customer — at once.
        None when the step was decided already (by someone else, or by a second press)."""
        async with self.db.transaction():
            decided = await self.decisions.decide(
                decision, by, outcome, comment, subject, subject_status
            )
            if decided is None:
                return None
            if next_step is not None:
                await self.decisions.open(subject, *next_step, actor=by.code)
            if subject.kind == "admission" and subject_status == "approved":
                await self.customers.admit(subject, by.code)
            return decided

    @classmethod
    async def open(cls, target: str | Path, clock: Clock) -> Store:
        """The store on the SQLite file or PostgreSQL server ``target`` names."""
        return cls(await Database.open(target, clock.tz.key), clock)

    async def close(self) -> None:
        await self.db.close()
