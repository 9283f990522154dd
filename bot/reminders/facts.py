"""What the rules engine reads of each obligation, each looked up once.

The rules engine asks about one obligation at a time and looks each fact up as asked. Two
callers read many at once: a forecast over every unit reads a hundred thousand local
contracts, so it loads them all in two queries first (``prefetch``), a shorter list reads
just the subjects it names (``prefetch_subjects``); the due work reads a
batch of obligations inside the batch's transaction, so it loads what each of them will be
asked — its contract or local contract, its issue, its notices, its snoozes come due — in one
statement each (``prefetch_batch``). Nothing else writes while that transaction is open; the
batch's own claims are checked again where they are written (a claim that was taken returns
False), so a notice is never sent twice. The same objects the store returns, read by the same
code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.models import Contract, LocalContract, Obligation
from bot.store import Store
from bot.store.obligations import IssueFact

# The subjects whose rules read a contract, a local contract or an issue (see events.met_at).
_LOCAL_SUBJECTS = ("local", "copy")
_ISSUE_SUBJECTS = ("issue", "demand", "demand_plan", "satisfaction")


class Facts:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._contracts: dict[int, Contract | None] = {}
        self._locals: dict[int, LocalContract | None] = {}
        self._issues: dict[int, IssueFact | None] = {}
        self._notices: dict[int, dict[str, str]] = {}
        self._snoozes: dict[int, list[int]] = {}
        self._complete = False  # prefetched: what is not here does not exist

    async def prefetch(self) -> Facts:
        self._contracts = {c.id: c for c in await self.store.contracts.all()}
        self._locals = {lc.id: lc for lc in await self.store.contracts.locals()}
        self._complete = True
        return self

    async def prefetch_batch(self, obligations: Sequence[Obligation], now: datetime) -> Facts:
        """Read what the due work asks of ``obligations`` at ``now``, one statement each."""
        await self.prefetch_subjects(obligations)
        ids = [o.id for o in obligations]
        self._notices = await self.store.obligations.notices_of(ids)
        self._snoozes = await self.store.obligations.due_snoozes_of(ids, now)
        return self

    async def prefetch_subjects(self, obligations: Sequence[Obligation]) -> Facts:
        """Read what ``obligations`` are about (their contracts, local contracts, issues),
        one statement each (the issues only, after :meth:`prefetch`)."""
        numbers: dict[str, set[int]] = {}
        for o in obligations:
            kind, _, number = o.subject.partition(":")
            if number.isdigit():
                numbers.setdefault(kind, set()).add(int(number))
        if not self._complete:
            local_ids = set().union(*(numbers.get(k, set()) for k in _LOCAL_SUBJECTS))
            found = await self.store.contracts.locals_by_ids(local_ids)
            self._locals.update({i: found.get(i) for i in local_ids})
            contract_ids = numbers.get("contract", set()) | {
                lc.contract_id for lc in found.values()
            }
            contracts = await self.store.contracts.by_ids(contract_ids)
            self._contracts.update({i: contracts.get(i) for i in contract_ids})
        issue_ids = set().union(*(numbers.get(k, set()) for k in _ISSUE_SUBJECTS))
        issues = await self.store.obligations.issue_facts_of(issue_ids)
        self._issues.update({i: issues.get(i) for i in issue_ids})
        return self

    async def contract(self, contract_id: int) -> Contract | None:
        if contract_id not in self._contracts and not self._complete:
            self._contracts[contract_id] = await self.store.contracts.by_id(contract_id)
        return self._contracts.get(contract_id)

    async def local(self, local_id: int) -> LocalContract | None:
        if local_id not in self._locals and not self._complete:
            self._locals[local_id] = await self.store.contracts.local_by_id(local_id)
        return self._locals.get(local_id)

    async def issue(self, issue_id: int) -> IssueFact | None:
        if issue_id not in self._issues:
            found = await self.store.obligations.issue_facts(issue_id=issue_id)
            self._issues[issue_id] = found[0] if found else None
        return self._issues[issue_id]

    def notices(self, obligation: Obligation) -> dict[str, str]:
        """The notices claimed for an obligation of the batch, as the batch began."""
        return self._notices[obligation.id]

    def due_snoozes(self, obligation: Obligation) -> list[int]:
        """The snoozed reminders of an obligation of the batch come due by its moment."""
        return self._snoozes[obligation.id]
