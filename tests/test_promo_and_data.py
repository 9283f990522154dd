"""/promo (plan, progress updates, close-out) and /data (a unit's monthly KA data)."""

from __future__ import annotations

from tests.harness import Kabot, Person

ZHOU = 500200102  # 周丽, field, 液态奶事业本部 (YT)
SUN = 500200101  # 孙伟, manager, YT
HE = 500300101  # 何军, manager, 冰品事业本部 (BQ)
EMILY = 500400104  # 胡佳 (Emily Hu), field, 奶粉事业本部 (NF), English
WANG = 500100101  # 王建国, KA centre director (中心主任)
LI = 500100102  # 李志强, marketing director (营销总监)


async def directors(kabot: Kabot) -> tuple[Person, Person]:
    """The two directors, having written to kabot once (so it may write to them)."""
    wang, li = kabot.person(WANG, "王建国"), kabot.person(LI, "李志强")
    await wang.send("/start")
    await li.send("/start")
    return wang, li


async def plan_promotion(zhou: Person) -> None:
    await zhou.send("/promo")
    await zhou.press("新活动方案")
    await zhou.send("双十二液态奶大促")
    await zhou.send("家乐福")
    await zhou.press("家乐福（华东区）")
    await zhou.send("沃尔玛")
    await zhou.press("沃尔玛（华南区）")
    assert "当前：家乐福（华东区）" in zhou.last_reply()
    await zhou.press("选好了")
    await zhou.send("提升12月销量20%")
    await zhou.send("温暖过冬，好奶相伴")
    await zhou.press("跳过")  # creative
    await zhou.send("12月1日至12月31日")
    await zhou.send("华东、华南两区共40家门店")
    await zhou.press("跳过")  # slogan
    await zhou.send("堆头40个，海报200张")
    await zhou.send("5万")
    await zhou.send("增量销售额30万元")


async def test_a_promotion_from_plan_to_close_out(org: Kabot) -> None:
    from tests.test_promotion_chain import ZHANG, run_chain

    wang, li = await directors(org)
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/promo")
    await zhou.press("更新活动进展")
    assert "没有进行中的活动" in zhou.last_reply()  # nothing approved to run yet
    await plan_promotion(zhou)
    summary = zhou.last_reply()
    for expected in (
        "双十二液态奶大促",
        "家乐福（华东区）、沃尔玛（华南区）",
        "2026-12-01 至 2026-12-31（31 天）",
        "¥50,000",
    ):
        assert expected in summary, expected
    await zhou.press("提交")
    assert "已提交活动方案 P1" in zhou.last_reply()
    promotion = await org.store.reports.by_id("promotion", 1)
    assert promotion is not None and promotion.answers["budget"] == 5_000_000  # fen
    linked = await org.store.db.fetch_all(
        "SELECT customer_id FROM promotion_customers WHERE promotion_id = 1 ORDER BY 1"
    )
    assert len(linked) == 2
    await wang.press("✅ 通过")
    await li.press("✅ 通过")
    zhang = org.person(ZHANG, "张敏")
    await zhang.send("/start")
    await run_chain(zhang, li)  # agreed, execution approved, confirmation signed

    await zhou.send("/promo")
    await zhou.press("更新活动进展")
    await zhou.press("P1 双十二液态奶大促")
    await zhou.send("已布置30家门店")
    await zhou.send("一万二")
    assert "请写金额" in zhou.last_reply()
    await zhou.send("1.2万")
    await zhou.send("很多")
    assert "请写一个整数" in zhou.last_reply()
    await zhou.send("30家")
    await zhou.press("跳过")
    await zhou.press("跳过")
    assert "¥12,000" in zhou.last_reply() and "30" in zhou.last_reply()
    await zhou.press("提交")
    assert "已提交活动进展 PR1" in zhou.last_reply()  # not R1: that is a rule

    await zhou.send("/promo")
    await zhou.press("活动总结")
    await zhou.press("P1")
    await zhou.send("按计划执行，40家门店全部覆盖")
    await zhou.send("销量提升23%，超出目标")
    await zhou.send("¥48,500.50")
    await zhou.send("销量和品牌曝光均有提升")
    await zhou.send("物料晚到两天；下次提前一周下单")
    await zhou.press("跳过")  # no unexpected events
    await zhou.press("跳过")  # photos
    assert "¥48,500.50" in zhou.last_reply()
    await zhou.press("提交")
    assert "已提交活动总结 PR2" in zhou.last_reply()
    promotion = await org.store.reports.by_id("promotion", 1)
    assert promotion is not None and promotion.status == "closed"

    # A closed promotion takes no more updates.
    await zhou.send("/promo")
    await zhou.press("更新活动进展")
    assert "没有进行中的活动" in zhou.last_reply()
    await zhou.send("/promos")
    assert "P1" in zhou.last_reply() and "已结束" in zhou.last_reply()


async def test_promotion_period_and_customers_are_checked(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/promo")
    await zhou.press("新活动方案")
    await zhou.send("元旦活动")
    assert "选好了" not in str(zhou.last_message()["reply_markup"])  # none chosen yet
    await zhou.send("家乐福")
    await zhou.press("家乐福（华东区）")
    await zhou.press("家乐福（华东区）")  # a second tap takes it out again
    assert "选好了" not in str(zhou.last_message()["reply_markup"])
    await zhou.press("家乐福（华东区）")
    await zhou.press("选好了")
    await zhou.send("提升销量")
    await zhou.send("新年")
    await zhou.press("跳过")
    await zhou.send("12月31日至12月1日")
    assert "没看懂活动时间" in zhou.last_reply()
    await zhou.send("12/28-1/3")
    assert "活动范围" in zhou.last_reply()
    zhou_staff = await org.store.staff.by_code("YT002")
    assert zhou_staff is not None
    draft = await org.store.drafts.of(zhou_staff.id)
    assert draft is not None
    assert draft.answers["period"] == {"first": "2026-12-28", "last": "2027-01-03"}


async def test_a_promotion_of_another_unit_cannot_be_updated(org: Kabot) -> None:
    wang, li = await directors(org)
    zhou = org.person(ZHOU, "周丽")
    await plan_promotion(zhou)
    await zhou.press("提交")
    await wang.press("✅ 通过")
    await li.press("✅ 通过")
    he = org.person(HE, "何军")
    await he.send("/promo")
    await he.press("更新活动进展")
    assert "没有进行中的活动" in he.last_reply()
    await he.send("/promos")
    assert "还没有活动" in he.last_reply()


async def test_monthly_data_with_a_spreadsheet(org: Kabot) -> None:
    sun = org.person(SUN, "孙伟")
    await sun.send("/data")
    reply = sun.last_reply()
    assert "提交哪个月的KA数据" in reply
    await sun.send("十月")
    assert "请点下面的按钮" in sun.last_reply()
    await sun.press("2026-10")
    await sun.send_document("报告.pdf", mime_type="application/pdf")
    assert "不是数据表" in sun.last_reply()
    await sun.send("没有文件")
    assert "这里需要数据表文件，您发来的是文字" in sun.last_reply()
    await sun.send_document("YT_KA_2026-10.xlsx")
    await sun.send("128.6万")
    for _ in range(4):
        await sun.press("跳过")
    summary = sun.last_reply()
    assert "YT_KA_2026-10.xlsx" in summary and "¥1,286,000" in summary
    await sun.press("提交")
    assert "已提交月度数据 D1" in sun.last_reply()
    row = await org.store.db.fetch_one(
        "SELECT unit_id, month, store_sales_fen FROM data_submissions"
    )
    assert row is not None and (row["month"], row["store_sales_fen"]) == ("2026-10", 128_600_000)
    unit = await org.store.units.by_code("YT")
    assert unit is not None and row["unit_id"] == unit.id


async def test_monthly_data_needs_a_file_or_figures(org: Kabot) -> None:
    sun = org.person(SUN, "孙伟")
    await sun.send("/data")
    await sun.press("2026-10")
    for _ in range(5):
        await sun.press("跳过")
    # The last place to put something says so, and cannot be skipped: no empty submission.
    reply = sun.last_reply()
    assert "至少要有一部分内容" in reply
    assert not [t for _, t, _ in sun.buttons() if "跳过" in t]
    await sun.send("伊利买一赠一，蒙牛降价5%")
    assert "请确认月度数据" in sun.last_reply()


async def test_english_monthly_data(org: Kabot) -> None:
    emily = org.person(EMILY, "Emily", language_code="en")
    await emily.send("/data")
    assert "Which month's KA data" in emily.last_reply()
    await emily.press("2026-10")
    await emily.press("Skip")
    await emily.send("860k")
    await emily.send("Display fully executed in 18 of 20 stores")
    for _ in range(3):
        await emily.press("Skip")
    assert "¥860,000" in emily.last_reply()
    await emily.press("Submit")
    assert "Monthly data D1 submitted" in emily.last_reply()
    submission = await org.store.reports.by_id("data", 1)
    assert submission is not None and submission.answers["month"] == "2026-10"
    assert "file" not in submission.answers
