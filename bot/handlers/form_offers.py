"""What a form's questions offer to pick from, each re-checked when picked: the records kabot
lists (contracts, launches, events, promotions at a step), the customers and stores a person
may see, and the A-class standard a store is held to."""

from __future__ import annotations

from bot.context import KabotContext
from bot.models import Customer, Draft, report_number
from bot.policy import customer_scope, may_see_customer
from bot.store.inspections import ShopFloor, Sku


async def records(context: KabotContext, source: str) -> list[tuple[int, str]]:
    """What a RECORD question offers, as (id, label): the contracts, local contracts or
    launches still waiting for the fact the form records, in the person's scope."""
    store, person = context.store, context.person
    scope = customer_scope(person, await store.units.centre())
    match source:
        case "undistributed" | "distributed":
            found = await store.contracts.all(distributed=source == "distributed")
            return [(c.id, f"{c.customer_name} · {c.title}") for c in found]
        case "unsigned" | "uncopied":
            unsigned = source == "unsigned"
            units = {u.id: u.name for u in await store.units.all()}
            return [
                (lc.id, f"{units.get(lc.unit_id, '')} · {lc.contract_title} · {lc.title}")
                for lc in await store.contracts.locals(
                    unit_id=scope, signed=not unsigned, copied=None if unsigned else False
                )
            ]
        case "unfiled":
            units = {u.id: u.name for u in await store.units.all()}
            return [
                (la.id, f"{units.get(la.unit_id, '')} · {la.product} · {la.launch_on:%m-%d}")
                for la in await store.contracts.launches(unit_id=scope, filed=False)
            ]
        case "to_negotiate" | "to_confirm":
            stages = (None, "returned") if source == "to_negotiate" else ("execution_approved",)
            return [
                (number, f"{report_number('promotion', number)} {title}")
                for number, title in await store.promotion_chain.waiting(stages)
            ]
        case "unplanned_events":
            return [
                (e.id, f"{e.customer_name} · {e.title} · {e.event_on:%m-%d}")
                for e in await store.store_events.all(unit_id=scope, planned=False)
            ]
    raise ValueError(source)


async def visible_customer(context: KabotContext, customer_id: int) -> Customer | None:
    store = context.store
    customer = await store.customers.by_id(customer_id)
    if customer is None or not customer.active:
        return None
    if not may_see_customer(context.person, await store.units.centre(), customer):
        return None
    return customer


async def visible_store(context: KabotContext, store_id: int) -> ShopFloor | None:
    """A store of a customer the person may see (R13 inspections)."""
    shop = await context.store.inspections.store(store_id)
    if shop is None:
        return None
    return shop if await visible_customer(context, shop.customer_id) is not None else None


async def standard_of(context: KabotContext, draft: Draft) -> list[Sku]:
    """The A-class standard the draft's store is held to: its customer's unit's."""
    store_id = draft.answers.get("store")
    shop = await visible_store(context, int(store_id)) if store_id is not None else None
    return await context.store.inspections.standard(shop.unit_id) if shop else []
