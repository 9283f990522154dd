"""/issue reaches the groups; /myvisits, /issues, /promos list reports; authors correct theirs."""

from __future__ import annotations

from datetime import timedelta

from tests.flows import file_visit
from tests.harness import Kabot, Person

ZHOU = 500200102  # 周丽, field, 液态奶事业本部 (YT)
SUN = 500200101  # 孙伟, manager, YT
HE = 500300101  # 何军, manager, 冰品事业本部 (BQ)
WANG = 500100101  # 王建国, director
EMILY = 500400104  # 胡佳 (Emily Hu), field, 奶粉事业本部 (NF), English


async def file_issue(zhou: Person, *, photos: int = 1) -> None:
    await zhou.send("/issue")
    await zhou.send("永辉")
    await zhou.press("永辉超市（华南区）")
    await zhou.send("深圳南山店")
    await zhou.press("断货/供货")
    await zhou.press("严重")
    await zhou.send("纯牛奶250ml断货三天，门店已投诉")
    for _ in range(photos):
        await zhou.send_photo()
    await zhou.press("完成（" if photos else "跳过")
    assert "请确认问题反馈" in zhou.last_reply()
    await zhou.press("提交")


async def test_an_issue_is_posted_to_the_unit_and_the_centre(org: Kabot) -> None:
    unit_group = await org.bound_group("YT", "液态奶KA群")
    centre_group = await org.bound_group("KA", "KA中心群")
    other_group = await org.bound_group("BQ", "冰品KA群")
    zhou = org.person(ZHOU, "周丽")
    await file_issue(zhou, photos=2)
    assert "已提交问题反馈 I1" in zhou.last_reply()
    assert "已通知本部群和KA中心群" in zhou.last_reply()

    for group in (unit_group, centre_group):
        card = next(m for m in group.bot_messages() if "I1" in (m.get("text") or ""))
        for expected in (
            "🆕",
            "问题反馈 I1",
            "周丽",
            "永辉超市（华南区）",
            "深圳南山店",
            "断货/供货",
        ):
            assert expected in card["text"], expected
        album = [m for m in group.bot_messages() if "photo" in m]
        assert len(album) == 2 and all(m.get("media_group_id") for m in album)
    assert not any("I1" in t for t in other_group.texts())

    issue = await org.store.reports.by_id("issue", 1)
    assert issue is not None and issue.status == "open"
    assert (issue.answers["category"], issue.answers["severity"]) == ("stock", "high")
    assert len(await org.store.reports.posts(issue)) == 2


async def test_an_issue_without_bound_groups_is_still_saved(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await file_issue(zhou, photos=0)
    assert "I1" in zhou.last_reply()
    issue = await org.store.reports.by_id("issue", 1)
    assert issue is not None and await org.store.reports.posts(issue) == []


async def test_issues_are_listed_oldest_first_with_their_age_per_unit(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await file_issue(zhou, photos=0)
    org.clock.advance(timedelta(days=2))
    await file_issue(zhou, photos=0)
    org.clock.advance(timedelta(hours=5))

    sun = org.person(SUN, "孙伟")
    await sun.send("/issues")
    listing = sun.last_reply()
    assert "待处理的问题" in listing and "共 2 条" in listing
    assert listing.index("I1") < listing.index("I2")
    assert "2 天前" in listing and "5 小时前" in listing

    he = org.person(HE, "何军")  # another unit's manager sees none of YT's issues
    await he.send("/issues")
    assert "没有待处理的问题" in he.last_reply()

    wang = org.person(WANG, "王建国")  # the director sees every unit's
    await wang.send("/issues")
    assert "共 2 条" in wang.last_reply()
    await wang.press("I2 ·")
    card = wang.last_message()["text"]  # the list turns into the card
    assert "问题反馈 I2" in card and "纯牛奶250ml断货三天" in card
    assert not [b for b in wang.buttons() if "修改" in b[1]]  # not his to correct
    await wang.press("返回列表")
    assert "共 2 条" in wang.last_message()["text"]


async def test_the_author_corrects_a_visit_within_the_window(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou, when="now", business_review="销量持平")

    org.clock.advance(timedelta(hours=3))
    await zhou.send("/myvisits")
    assert "我的拜访报告" in zhou.last_reply() and "V1" in zhou.last_reply()
    await zhou.press("V1 ·")
    await zhou.press("修改")
    assert "修改拜访报告" in zhou.last_reply()
    await zhou.press("✏️ 业绩")
    await zhou.send("销量同比增长5%")
    await zhou.press("提交")
    assert "已修改拜访报告 V1（第 2 版）" in zhou.last_reply()

    report = await org.store.reports.by_id("visit", 1)
    assert report is not None and report.version == 2
    assert report.answers["business_review"] == "销量同比增长5%"
    versions = await org.store.reports.versions(report)
    assert [(v, a["business_review"]) for v, a, _ in versions] == [(1, "销量持平")]
    audit = await org.store.db.fetch_all(
        "SELECT action FROM audit_log WHERE entity = 'visits' ORDER BY id"
    )
    assert [r["action"] for r in audit] == ["create", "correct"]
    await zhou.send("/myvisits")
    assert "已修改" in zhou.last_reply()

    # A day after saving, the report stands as it is.
    org.clock.advance(timedelta(hours=22))
    await zhou.send("/myvisits")
    stale = zhou.buttons()
    await zhou.press("V1 ·")
    card = zhou.last_message()
    assert "（已修改 · 第 2 版）" in card["text"]
    assert "修改" not in str(card["reply_markup"])
    await zhou.press_data("rc:V:1", stale[0][0])
    assert "不能修改" in zhou.alert_text()


async def test_a_correction_reaches_the_posted_cards_and_keeps_others_out(org: Kabot) -> None:
    unit_group = await org.bound_group("YT", "液态奶KA群")
    zhou = org.person(ZHOU, "周丽")
    await file_issue(zhou, photos=0)
    await zhou.send("/issues")
    await zhou.press("I1 ·")
    await zhou.press("修改")
    await zhou.press("✏️ 程度")
    await zhou.press("紧急")
    await zhou.press("提交")
    card = next(m for m in unit_group.bot_messages() if "I1" in (m.get("text") or ""))
    assert "紧急" in card["text"] and "已修改 · 第 2 版" in card["text"]

    # Someone else pressing a correction button, forged or forwarded, changes nothing.
    sun = org.person(SUN, "孙伟")
    await sun.send("/issues")
    await sun.press_data("rc:I:1", sun.last_message()["message_id"])
    assert "不能修改" in sun.alert_text()
    emily = org.person(EMILY, "Emily", language_code="en")
    await emily.send("/issues")
    await emily.press_data("ro:I:1:is:0", emily.last_message()["message_id"])
    assert "not allowed" in emily.alert_text()
    await emily.press_data("ro:X:1:is:0", emily.last_message()["message_id"])
    assert "not allowed" in emily.alert_text()
    for code in ("YT001", "NF004"):
        person = await org.store.staff.by_code(code)
        assert person is not None and await org.store.drafts.of(person.id) is None


async def test_lists_page_through_many_reports(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    for _ in range(10):
        await file_issue(zhou, photos=0)
        org.clock.advance(timedelta(minutes=10))
    await zhou.send("/issues")
    assert "共 10 条，第 1–8 条" in zhou.last_reply()
    await zhou.press("下一页")
    assert "第 9–10 条" in zhou.last_message()["text"]
    await zhou.press("上一页")
    assert "第 1–8 条" in zhou.last_message()["text"]
    await zhou.press_data("rl:is:x", zhou.last_message()["message_id"])
    assert "过期" in zhou.alert_text()


async def test_photos_of_a_report_are_one_tap_from_its_card(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await file_issue(zhou, photos=3)
    await zhou.send("/issues")
    await zhou.press("I1 ·")
    before = len(zhou.private.bot_messages())
    await zhou.press("看照片")
    album = zhou.private.bot_messages()[before:]
    assert len(album) == 3 and all("photo" in m for m in album)
    issue = await org.store.reports.by_id("issue", 1)
    assert issue is not None
    sent = [m["photo"][0]["file_id"] for m in album]
    assert sent == [p["file_id"] for p in issue.answers["photos"]]
