"""The conversations of SPEC §6 survive a restart in the middle: what was answered before
kabot went down is kept, the question it stopped at is asked again, and the saved result is
the one a person who never saw the restart would get."""

from __future__ import annotations

from tests.harness import Kabot
from tests.test_ka_results import card_of, people
from tests.test_meetings import ZHOU
from tests.test_promotion_chain import approved_plan
from tests.test_store_events import SUN


async def test_a_meeting_half_written_when_kabot_restarts_is_finished_after(org: Kabot) -> None:
    yt = await org.bound_group("YT", "液态奶KA群")
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/meeting")
    await zhou.send("永辉")
    await zhou.press("永辉超市（华南区）")
    await zhou.press("今天")
    await zhou.send("三季度销量同比增长8%，端架费用已结清")
    await org.restart()
    await zhou.send("竞品在华南大力促销，客户门店客流下降")  # the next question's answer
    await zhou.send("对账周期长：双方同意改为月结")
    await zhou.send("一季度春节礼盒联合促销，40家门店")
    await zhou.press("跳过")
    summary = zhou.last_reply()
    assert "三季度销量同比增长8%" in summary and "竞品在华南大力促销" in summary
    await zhou.press("提交")
    assert "已记录 永辉超市（华南区）" in zhou.last_reply()
    assert "对账周期长" in yt.texts()[-1]


async def test_an_annual_result_entered_across_a_restart_proposes_the_same_amount(
    org: Kabot,
) -> None:
    centre, _, _, zhang = await people(org)
    await zhang.send("/kayear")
    await zhang.press("液态奶事业本部")
    await zhang.send("1000万")
    await org.restart()
    await zhang.send("900万")
    await zhang.send("1100万")
    await zhang.press("提交")
    assert "少 10.0%" in zhang.last_reply() and "¥5,500" in zhang.last_reply()
    assert "负激励 ¥5,500" in str(card_of(centre)["text"])


async def test_an_agreement_recorded_across_a_restart_goes_to_the_marketing_director(
    org: Kabot,
) -> None:
    _, zhang, _, li = await approved_plan(org)
    await zhang.send("/promo")
    await zhang.press("商谈结果")
    await zhang.press("P1 双十二液态奶大促")
    await zhang.send("40家门店端架，12月全月，费用各半")
    await org.restart()
    await zhang.send("客户免费提供端架40个、DM海报一版")
    assert "40家门店端架" in zhang.last_reply()  # the summary kept the first answer
    await zhang.press("提交")
    assert "已报营销总监审批执行" in zhang.last_reply()
    assert "客户免费提供端架40个" in li.last_message()["text"]


async def test_an_event_registered_across_a_restart_is_the_one_registered(org: Kabot) -> None:
    sun = org.person(SUN, "孙伟")
    await sun.send("/event")
    await sun.press("登记终端活动/广告")
    await sun.send("永辉")
    await sun.press("永辉超市（华南区）")
    await sun.press("路演")
    await org.restart()
    await sun.send("春节路演·南山店")
    await sun.send("2月20日")
    assert "永辉超市（华南区）" in sun.last_reply() and "2027-02-20" in sun.last_reply()
    await sun.press("提交")
    await sun.send("/event")
    assert "春节路演·南山店" in sun.last_reply()
