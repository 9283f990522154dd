"""Who answers for an obligation: the person of a personal one, the director for R3's
judgement, else the first responsible person of the unit that answers for it (the KA centre
for the centre's rules). The rules engine reminds and charges them; the exposure forecast
names them."""

from __future__ import annotations

from bot.models import BusinessUnit, Obligation, Staff
from bot.reminders import monthly
from bot.reminders.rules import Rule
from bot.store import Store

# Rules the KA centre answers for, whichever unit they concern.
CENTRE_RESPONSIBLE = ("centre_head", "centre")


async def answering_unit(store: Store, rule: Rule, obligation: Obligation) -> BusinessUnit | None:
    """The unit that answers for an obligation: the KA centre for its rules, else the unit."""
    if rule.responsible in CENTRE_RESPONSIBLE:
        return await store.units.centre()
    return await store.units.by_id(obligation.unit_id) if obligation.unit_id else None


async def responsible(store: Store, rule: Rule, obligation: Obligation) -> Staff | None:
    """The person of a personal obligation (R8); else the first responsible person of the unit
    that answers for it (the KA centre's for R4, R5 …)."""
    if obligation.staff_id is not None:
        return await store.staff.by_id(obligation.staff_id)
    if obligation.rule == "R3" and obligation.subject == monthly.JUDGEMENT:
        directors = await store.staff.deciders("centre")
        return directors[0] if directors else None
    unit = await answering_unit(store, rule, obligation)
    if unit is None or unit.responsible_staff_id is None:
        return None
    return await store.staff.by_id(unit.responsible_staff_id)
