"""R13 (seed 000 5.7.1): a KA customer's stores carry at least their unit's A-class assortment
standard. /inspect records a store's missing SKUs, one tap each; a store short of its standard
goes to the KA centre's group proposing 50–100 CNY a SKU (key SKUs at the higher amount); the
centre confirms it into the ledger, or finds force majeure and charges nothing."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from tests.harness import Group, Kabot, Person
from tests.test_monthly_rules import only, site_rule

ZHANG = 500100103  # 张敏, the KA centre's KA manager
SUN = 500200101  # 孙伟, YT's first responsible person
ZHOU = 500200102  # 周丽, YT field, serves 沃尔玛（华南区）


async def people(org: Kabot) -> tuple[Group, Group, Person, Person]:
    centre = await org.bound_group("KA", "KA中心群")
    yt = await org.bound_group("YT", "液态奶KA群")
    zhang, zhou = org.person(ZHANG, "张敏"), org.person(ZHOU, "周丽")
    for person in (zhang, zhou, org.person(SUN, "孙伟")):
        await person.send("/start")
    return centre, yt, zhang, zhou


async def inspect_nanshan(zhou: Person, *ticks: str, photo: bool = True) -> None:
    await zhou.send("/inspect")
    assert "巡查的是哪家门店" in zhou.last_reply()
    await zhou.send("南山")
    assert "找到 1 家门店" in zhou.last_reply()
    await zhou.press("沃尔玛深圳南山店")
    assert "⭐ 为重点品" in zhou.last_reply()
    for tick in ticks:
        await zhou.press(tick)
    if ticks:
        await zhou.press(f"缺这 {len(ticks)} 个")
    else:
        await zhou.press("跳过")
    if photo:
        await zhou.send_photo()
        await zhou.press("完成（1 张）")
    else:
        await zhou.press("跳过")
    await zhou.send("店方说总仓断货两周")


def card_of(group: Group) -> dict[str, object]:
    return next(m for m in reversed(group.bot_messages()) if "门店巡查" in (m.get("text") or ""))


async def test_missing_skus_propose_the_fine_the_centre_confirms_into_the_ledger(
    org: Kabot,
) -> None:
    centre, yt, zhang, zhou = await people(org)
    await inspect_nanshan(zhou, "6901001 纯牛奶", "6901002 高钙低脂奶")
    summary = zhou.last_reply()
    assert "6901001 纯牛奶250ml×24、6901002 高钙低脂奶250ml×12" in summary
    assert "沃尔玛（华南区） · 沃尔玛深圳南山店（S0001）" in summary
    await zhou.press("提交")
    assert "缺 2 个单品，拟考核 ¥150，已报KA中心确认" in zhou.last_reply()

    card = card_of(centre)
    text = str(card["text"])
    assert "⭐6901001 纯牛奶250ml×24 ¥100" in text and "6901002 高钙低脂奶250ml×12 ¥50" in text
    assert "孙伟 ¥150" in text and "周丽巡查" in text and "总仓断货" in text
    assert any(c["chat_id"] == centre.id for c in org.calls("sendPhoto"))
    assert not await org.store.ledger.month("2026-11")  # proposed, not charged

    # The field person cannot decide; the centre's KA manager confirms, once.
    await zhou.press("确认考核", chat=centre)
    assert "没有权限" in zhou.alert_text()
    await zhang.press("确认考核", chat=centre)
    assert "记入罚款台账第 1 号" in zhang.alert_text()
    [entry] = await org.store.ledger.month("2026-11")
    assert (entry.amount_fen, entry.rule, entry.staff_name) == (15000, "R13", "孙伟")
    assert "沃尔玛深圳南山店" in entry.reason and "6901001" in entry.reason
    assert "已确认考核" in str(card_of(centre)["text"])
    assert not card_of(centre).get("reply_markup")
    assert any("¥150" in t and "R13" in t for t in yt.texts())  # the penalty notice
    await zhang.press_data("in:1", int(str(card["message_id"])), centre)
    assert "已经处理过了" in zhang.alert_text()
    assert len(await org.store.ledger.month("2026-11")) == 1


async def test_force_majeure_charges_nothing_and_tells_the_unit_why(org: Kabot) -> None:
    centre, yt, zhang, zhou = await people(org)
    await inspect_nanshan(zhou, "6901003 原味酸奶", photo=False)
    await zhou.press("提交")
    await zhang.press("不可抗因素", chat=centre)
    assert "私聊" in zhang.alert_text()
    assert "什么不可抗因素" in zhang.last_reply()
    await zhang.send("台风导致华南仓库停运三天")
    await zhang.press("提交")
    assert "不予考核" in zhang.last_reply()
    assert not await org.store.ledger.month("2026-11")
    assert "台风导致华南仓库停运三天" in str(card_of(centre)["text"])
    assert not card_of(centre).get("reply_markup")
    assert any("不予考核" in t and "台风" in t for t in yt.texts())
    inspection = await org.store.inspections.by_id(1)
    assert inspection is not None and inspection.status == "force_majeure"


async def test_everything_on_the_shelf_is_recorded_and_nobody_is_asked(org: Kabot) -> None:
    centre, _, _, zhou = await people(org)
    await inspect_nanshan(zhou, photo=False)
    assert "缺品：全部在架" in zhou.last_reply()
    await zhou.press("提交")
    assert "A类标准单品全部在架" in zhou.last_reply()
    assert not any("门店巡查" in t for t in centre.texts())
    inspection = await org.store.inspections.by_id(1)
    assert inspection is not None and inspection.status == "clear"


async def test_typed_codes_unknown_stores_forged_ticks_and_other_units(org: Kabot) -> None:
    _, _, _, zhou = await people(org)
    await zhou.send("/inspect")
    await zhou.send("不存在的店")
    assert "没有找到门店“不存在的店”" in zhou.last_reply()
    await zhou.send("欧尚")  # BQ's customer: not YT's to inspect
    assert "没有找到门店" in zhou.last_reply()
    await zhou.send("S0003")
    await zhou.press("永辉深圳福田店")
    await zhou.send("9999999，6901004")
    reply = zhou.last_reply()
    assert "没有这些单品编码：9999999" in reply
    assert any(text.startswith("✅ 6901004") for _, text, _ in zhou.buttons())
    # A tick forged for BQ's SKU (not this store's standard) does nothing.
    message_id, _, data = next(b for b in zhou.buttons() if b[1].startswith("✅ 6901004"))
    bq = await org.store.db.fetch_one("SELECT id FROM assortment_skus WHERE code = '6902001'")
    assert bq is not None
    forged = data.rsplit(":", 1)[0] + f":{bq['id']}"
    await zhou.press_data(forged, message_id)
    assert "过期" in zhou.alert_text() or "失效" in zhou.alert_text()
    await zhou.press("缺这 1 个")
    await zhou.press("跳过")
    await zhou.send("说" * 501)
    assert "太长" in zhou.last_reply()
    await zhou.press("跳过")
    await zhou.press("提交")
    inspection = await org.store.inspections.by_id(1)
    assert inspection is not None and [f.sku.code for f in inspection.findings] == ["6901004"]


async def test_a_stale_card_and_people_without_the_right(org: Kabot) -> None:
    centre, _, _, zhou = await people(org)
    await zhou.press_data("in:99", 1, centre)
    assert "过期" in zhou.alert_text() or "失效" in zhou.alert_text()
    await zhou.press_data("in:abc:fm", 1, centre)
    assert "过期" in zhou.alert_text() or "失效" in zhou.alert_text()


async def test_the_office_sets_who_answers_and_what_a_key_sku_costs(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R13")
    site_rule(tmp_path, 'responsible = "unit_head"', 'responsible = "assigned_staff"')
    site_rule(tmp_path, "key_sku = 100", "key_sku = 80")
    assert org.settings is not None
    org.settings = replace(org.settings, rules_path=tmp_path / "site-rules.toml")
    await org.restart()
    centre, _, zhang, zhou = await people(org)
    await inspect_nanshan(zhou, "6901001 纯牛奶", "6901002 高钙低脂奶", photo=False)
    await zhou.press("提交")
    assert "拟考核 ¥130" in zhou.last_reply()
    assert "周丽 ¥130" in str(card_of(centre)["text"])
    await zhang.press("确认考核", chat=centre)
    [entry] = await org.store.ledger.month("2026-11")
    assert (entry.amount_fen, entry.staff_name) == (13000, "周丽")


def test_the_rules_file_keeps_r13_within_the_manual(tmp_path: Path) -> None:
    from bot.reminders.rules import RulesError, load_rules

    base = (Path(__file__).parent.parent / "rules.toml").read_text(encoding="utf-8")
    for old, new, words in (
        ("key_sku = 100", "key_sku = 120", "from 50 to 100"),
        (
            'fine = { per = "item", amount = 50 }\nescalate_to = []',
            'fine = { per = "item", amount = 30 }\nescalate_to = []',
            "from 50 to 100 CNY",
        ),
        (
            'responsible = "unit_head"\ndeadline = { on',
            'responsible = "centre"\ndeadline = { on',
            "is not one of",
        ),
        (
            'deadline = { on = "inspection" }',
            'deadline = { on = "visit" }',
            "on = one of inspection",
        ),
    ):
        assert old in base, old
        path = tmp_path / "rules.toml"
        path.write_text(base.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(RulesError, match=words):
            load_rules(path)


async def test_a_restart_in_the_middle_keeps_the_ticks(org: Kabot) -> None:
    _, _, _, zhou = await people(org)
    await zhou.send("/inspect")
    await zhou.send("南山")
    await zhou.press("沃尔玛深圳南山店")
    await zhou.press("6901003 原味酸奶")
    await org.restart()
    await zhou.press("6901004 儿童成长奶")
    await zhou.press("缺这 2 个")
    await zhou.press("跳过")
    await zhou.press("跳过")
    assert "6901003 原味酸奶200g×16、6901004 儿童成长奶190ml×15" in zhou.last_reply()
    await zhou.press("提交")
    assert "拟考核 ¥150" in zhou.last_reply()


async def test_the_roster_refuses_a_store_of_an_unknown_customer(
    kabot: Kabot, tmp_path: Path
) -> None:
    folder = tmp_path / "roster"
    shutil.copytree(Path(__file__).parent.parent / "examples" / "roster", folder)
    with (folder / "stores.csv").open("a", encoding="utf-8") as sheet:
        sheet.write("S0099,无名店,C9999,华南,正常\n")
    with (folder / "assortment.csv").open("a", encoding="utf-8") as sheet:
        sheet.write("6909999,神秘单品,XX,重点,正常\n6909998,普通单品,YT,特级,正常\n")
    code, output = await kabot.import_roster(folder)
    assert code == 1
    assert "stores 第8行：" in output and "客户编码“C9999”不存在" in output
    assert "本部“XX”不存在" in output and "“类别”的值“特级”无效" in output
    code, output = await kabot.import_roster()
    assert code == 0 and "门店：新增 6" in output and "A类标准单品：新增 8" in output
