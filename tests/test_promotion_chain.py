"""A promotion after its two approvals (seed 000 5.5): the KA centre's KA manager records the
agreement negotiated with the customer, the marketing director approves its execution (or
sends it back to be negotiated again), the 活动确认书 signed with the customer lets it run.
A plan the marketing director rejects runs as the unit's own activity. Progress updates go to
the KA centre's group; the close-out, with its unexpected events, to the centre's and the
unit's."""

from __future__ import annotations

from tests.harness import Group, Kabot, Person
from tests.test_promo_and_data import ZHOU, directors, plan_promotion

ZHANG = 500100103  # 张敏, the KA centre's KA manager


async def approved_plan(org: Kabot) -> tuple[Person, Person, Person, Person]:
    wang, li = await directors(org)
    zhou, zhang = org.person(ZHOU, "周丽"), org.person(ZHANG, "张敏")
    await zhang.send("/start")
    await plan_promotion(zhou)
    await zhou.press("提交")
    await wang.press("✅ 通过")
    await li.press("✅ 通过")
    return zhou, zhang, wang, li


async def agree(zhang: Person, conditions: str = "40家门店端架，12月全月，费用各半") -> None:
    await zhang.send("/promo")
    await zhang.press("商谈结果")
    await zhang.press("P1 双十二液态奶大促")
    await zhang.send(conditions)
    await zhang.send("客户免费提供端架40个、DM海报一版")
    await zhang.press("提交")


async def sign(zhang: Person) -> None:
    await zhang.send("/promo")
    await zhang.press("活动确认书")
    await zhang.press("P1 双十二液态奶大促")
    await zhang.press("今天")
    await zhang.send("家乐福华东采购总监 陈刚")
    await zhang.send_photo()
    await zhang.press("完成（1 张）")
    await zhang.press("提交")


async def run_chain(zhang: Person, li: Person) -> None:
    """Agreement, execution approval, confirmation: the promotion runs."""
    await agree(zhang)
    await li.press("批准执行")
    await sign(zhang)


async def test_the_plan_runs_only_once_agreed_approved_for_execution_and_signed(
    org: Kabot,
) -> None:
    centre = await org.bound_group("KA", "KA中心群")
    yt = await org.bound_group("YT", "液态奶KA群")
    zhou, zhang, _, li = await approved_plan(org)
    assert any("已通过两级审批" in t and "商谈结果" in t for t in yt.texts())
    assert any("已通过两级审批" in t for t in centre.texts())
    await zhou.send("/promo")
    assert "商谈结果" not in str(zhou.last_message()["reply_markup"])  # the centre negotiates
    await zhou.press("更新活动进展")
    assert "没有进行中的活动" in zhou.last_reply()  # approved, not yet signed

    await agree(zhang)
    assert "已报营销总监审批执行" in zhang.last_reply()
    card = li.last_reply()
    assert "40家门店端架" in card and "DM海报" in card and "张敏登记" in card
    await li.press("批准执行")
    assert "已由" not in li.last_reply() and "李志强 已批准执行" in li.last_reply()
    assert any("营销总监已批准执行" in t and "活动确认书" in t for t in yt.texts())

    await sign(zhang)
    assert "活动确认书，活动开始执行" in zhang.last_reply()
    assert any("客户方 家乐福华东采购总监 陈刚" in t for t in centre.texts())
    assert any(c["chat_id"] == centre.id for c in org.calls("sendPhoto"))
    chain = await org.store.promotion_chain.of(1)
    assert chain is not None and chain.stage == "confirmed" and chain.signed_by

    await update(zhou)
    assert any("已布置30家门店" in t for t in centre.texts())
    assert not any("已布置30家门店" in t for t in yt.texts())  # progress: the centre's
    await close_out(zhou, incidents="台风停电一天，改期至周末补做")
    for group in (centre, yt):
        assert any("台风停电一天" in t and "突发事件" in t for t in group.texts())


async def update(zhou: Person) -> None:
    await zhou.send("/promo")
    await zhou.press("更新活动进展")
    await zhou.press("P1 双十二液态奶大促")
    await zhou.send("已布置30家门店")
    await zhou.send("1.2万")
    await zhou.send("30")
    await zhou.press("跳过")
    await zhou.press("跳过")
    await zhou.press("提交")


async def close_out(zhou: Person, incidents: str | None = None) -> None:
    await zhou.send("/promo")
    await zhou.press("活动总结")
    await zhou.press("P1")
    await zhou.send("按计划执行")
    await zhou.send("销量提升23%")
    await zhou.send("4.8万")
    await zhou.send("销量和品牌曝光均有提升")
    await zhou.send("物料晚到两天")
    if incidents:
        await zhou.send(incidents)
    else:
        await zhou.press("跳过")
    await zhou.press("跳过")
    await zhou.press("提交")


async def test_the_marketing_director_sends_the_agreement_back_to_be_negotiated_again(
    org: Kabot,
) -> None:
    centre = await org.bound_group("KA", "KA中心群")
    _, zhang, _, li = await approved_plan(org)
    await agree(zhang, "客户要求我方承担全部费用")
    await li.press("重新商议")
    assert "私聊" in li.alert_text()
    await li.send("费用须双方分担，我方不超过预算的一半")
    await li.press("提交")
    assert "KA中心将重新商议" in li.last_reply()
    assert any("不超过预算的一半" in t for t in centre.texts())
    await li.press_data("px:1", 1)  # the old card: that agreement is decided
    assert "下一步" in li.alert_text()
    await agree(zhang, "费用各半，客户提供端架")
    await li.press("批准执行")
    chain = await org.store.promotion_chain.of(1)
    assert chain is not None and chain.stage == "execution_approved"
    assert chain.conditions == "费用各半，客户提供端架"


async def test_a_plan_the_marketing_director_rejects_runs_as_the_units_own_activity(
    org: Kabot,
) -> None:
    yt: Group = await org.bound_group("YT", "液态奶KA群")
    wang, li = await directors(org)
    zhou = org.person(ZHOU, "周丽")
    await plan_promotion(zhou)
    await zhou.press("提交")
    await wang.press("✅ 通过")
    await li.press("驳回")
    await li.send("集团层面本季度不做液态奶大促")
    await li.press("提交")
    promotion = await org.store.reports.by_id("promotion", 1)
    assert promotion is not None and promotion.status == "unit_activity"
    assert any("本部作为系统内的活动实施" in t for t in yt.texts())
    assert "本部作为系统内的活动实施" in zhou.private.texts()[-1]
    await update(zhou)  # the unit runs it: it reports progress
    assert "已提交活动进展" in zhou.last_reply()


async def test_only_the_marketing_director_decides_the_execution(org: Kabot) -> None:
    _, zhang, wang, li = await approved_plan(org)
    await agree(zhang)
    message_id, _, data = next(b for b in li.buttons() if "批准执行" in b[1])
    # The centre's director and its KA manager, the button forged under their own messages.
    await wang.press_data(data, int(wang.last_message()["message_id"]))
    assert "没有权限" in wang.alert_text()
    await zhang.press_data(data, int(zhang.last_message()["message_id"]))
    assert "没有权限" in zhang.alert_text()
    await li.press_data("px:99", message_id)
    assert "过期" in li.alert_text()
    await li.press_data("px:1:sideways", message_id)
    assert "过期" in li.alert_text()
    chain = await org.store.promotion_chain.of(1)
    assert chain is not None and chain.stage == "agreed"
    # The confirmation cannot come before the execution is approved.
    await zhang.send("/promo")
    await zhang.press("活动确认书")
    assert "没有待签活动确认书的活动" in zhang.last_reply()
