"""R13 (seed 000 5.7.1): what a store inspection (巡查) charges. Each SKU of the unit's A-class
standard missing from the store proposes the rule's amount (a key SKU's is its own setting,
both within the manual's 50–100 CNY a SKU a store); the KA centre confirms the fine into the
ledger, or finds force majeure (不可抗因素) and charges nothing."""

from __future__ import annotations

from bot.delivery.outbox import Outbox
from bot.forms.present import money
from bot.models import LedgerEntry, Staff
from bot.reminders import penalties
from bot.reminders.rules import Rule, Rules
from bot.store import Store
from bot.store.inspections import Finding, Inspection, ShopFloor, Sku
from bot.texts import Texts

RULE = "R13"


def findings(rule: Rule, missing: list[Sku]) -> list[Finding]:
    """The amount each missing SKU proposes."""
    key_fen = int(rule.settings.get("key_sku", rule.fine.amount_fen // 100)) * 100
    return [Finding(sku, key_fen if sku.key_item else rule.fine.amount_fen) for sku in missing]


async def responsible(store: Store, rule: Rule, shop: ShopFloor) -> Staff | None:
    """Who answers for the store's shelf: the customer's staff, or the unit's first
    responsible person (the rule's ``responsible``)."""
    if rule.responsible == "assigned_staff":
        for staff_id in await store.customers.serving(shop.customer_id):
            person = await store.staff.by_id(staff_id)
            if person is not None:
                return person
    unit = await store.units.by_id(shop.unit_id)
    if unit is None or unit.responsible_staff_id is None:
        return None
    return await store.staff.by_id(unit.responsible_staff_id)


def itemised(texts: Texts, lang: str, inspection: Inspection) -> str:
    """The arithmetic: each SKU with its amount, then the total."""
    parts = [
        f"{f.sku.code} {f.sku.name} {money(texts, lang, f.amount_fen)}"
        for f in inspection.findings
    ]
    return ("、" if lang == "zh" else ", ").join(parts)


async def charge(
    outbox: Outbox,
    store: Store,
    rules: Rules,
    texts: Texts,
    inspection: Inspection,
    by: Staff,
) -> LedgerEntry | None:
    """The confirmed fine: one ledger entry for the store's inspection (the SKUs and their
    amounts in its reason), posted like every fine, with its appeal and waiver."""
    person = (
        await store.staff.by_id(inspection.responsible_id) if inspection.responsible_id else None
    )
    rule = rules.rules.get(RULE)
    if person is None or rule is None or not inspection.findings:
        return None
    lang = texts.default_language
    entry = await store.ledger.record(
        person=person,
        kind="penalty",
        amount_fen=inspection.total_fen,
        reason=texts.label(
            lang,
            "fine.reason.inspection",
            rule=RULE,
            store=inspection.store.label,
            day=inspection.inspected_on,
            count=len(inspection.findings),
            items=itemised(texts, lang, inspection),
        ),
        period=f"{inspection.inspected_on:%Y-%m}",
        source=f"{RULE}:inspection:{inspection.id}",
        rule=RULE,
        by=by,
    )
    if entry is not None:
        await penalties.publish(outbox, store, texts, rules, entry)
    return entry
