"""The monthly summary on the 1st: text, chart and workbook, once per group; /export."""

from __future__ import annotations

import io
import warnings
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.reminders import charts, summary
from bot.texts import Texts
from tests.flows import file_visit
from tests.harness import TZ, Kabot
from tests.test_issue_and_lists import file_issue
from tests.test_monthly_rules import due, only

ZHOU = 500200102  # 周丽, YT field
ZHANG = 500100103  # 张敏, the KA centre's KA manager
WANG = 500100101  # 王建国, director


def _photos(messages: list[dict]) -> list[dict]:
    return [m for m in messages if "photo" in m]


async def test_the_1st_brings_each_group_its_summary_once_with_chart_and_workbook(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1", "R8")
    yt = await org.bound_group("YT", "液态奶KA群")
    centre = await org.bound_group("KA", "KA中心群")
    zhou = org.person(ZHOU, "周丽")
    org.clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=TZ))
    await file_visit(zhou)  # 家乐福（华东区）, grade B, on the 19th
    await file_issue(zhou, photos=0)
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-01T08:59")
    assert not any(t.startswith("📊") for t in yt.texts())

    out = await due(org, monkeypatch, "2026-12-01T09:00")
    assert "月度汇总 2 份" in out  # YT and the centre; BQ and NF have no group
    text = next(t for t in yt.texts() if t.startswith("📊"))
    assert "2026-11 月度汇总 · 液态奶事业本部" in text
    assert "共 1 次 · A类 0 · B类 1" in text and "周丽：1 次" in text
    assert "新增 1 · 已解决 0" in text and "补发" not in text
    assert "液态奶事业本部 ❌ 未交" in text  # October's KA data never came
    assert "10月KA数据（R1，11-08 截止）" in text and "上月" not in text
    assert len(_photos(yt.bot_messages())) == 1
    assert not [m for m in yt.bot_messages() if "document" in m]  # the workbook: centre only

    whole = next(t for t in centre.texts() if t.startswith("📊"))
    assert "全集团" in whole and "张敏（集团重点客户中心）：0 次" in whole
    assert "重点客户 0/1、重点经销商 0/2 ⚠️ 未达标" in whole
    chart = _photos(centre.bot_messages())[0]["photo"][-1]["file_id"]
    assert org.world.files[chart].data.startswith(b"\x89PNG")
    document = next(m for m in centre.bot_messages() if "document" in m)["document"]
    assert document["file_name"] == "KA月度汇总-2026-11.xlsx"
    book = load_workbook(io.BytesIO(org.world.files[document["file_id"]].data))
    assert book.sheetnames == ["汇总", "拜访", "问题", "活动", "罚款与奖励"]
    visits = list(book["拜访"].iter_rows(values_only=True))
    assert visits[1][1:3] == ("周丽", "YT002") and visits[1][5] == "家乐福（华东区）"
    figures = {row[0]: row for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert figures["液态奶事业本部"][1:4] == (1, 1, 0)

    posted = len(yt.bot_messages()) + len(centre.bot_messages())
    await due(org, monkeypatch, "2026-12-01T09:00")
    await due(org, monkeypatch, "2026-12-02T09:00")
    assert len(yt.bot_messages()) + len(centre.bot_messages()) == posted


async def test_the_units_figures_read_together_are_each_unit_s_own_and_the_centre_goes_last(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The month's visits are counted once for every unit; each unit's figures are what it
    alone would have read, and the centre's summary (which waits for the workbook) is
    recorded after the units'."""
    only(tmp_path, monkeypatch, "R1", "R8")
    yt = await org.bound_group("YT", "液态奶KA群")
    nf = await org.bound_group("NF", "奶粉KA群")
    centre = await org.bound_group("KA", "KA中心群")
    org.clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=TZ))
    await file_visit(org.person(ZHOU, "周丽"))
    await file_visit(org.person(ZHOU, "周丽"), when="前天上午10点")
    units = [u for u in await org.store.units.all() if u.active] + [None]
    together = await summary.gather_all(org.store, org.app.bot_data.rules, "2026-11", units)
    for unit, figures in zip(units, together, strict=True):
        alone = await summary.gather(org.store, org.app.bot_data.rules, "2026-11", unit)
        assert figures == alone
    visits = {(s.unit.code if s.unit else "all"): s.visits for s in together}
    assert visits["YT"] == 2 and visits["NF"] == 0 and visits["all"] == 2

    await due(org, monkeypatch, "2026-12-01T09:00")
    order = [
        row["chat_id"]
        for row in await org.store.db.fetch_all(
            "SELECT chat_id FROM outbox WHERE method = 'sendMessage' ORDER BY id"
        )
        if row["chat_id"] in (yt.id, nf.id, centre.id)
    ]
    assert order[-1] == centre.id and {yt.id, nf.id} <= set(order[:-1])


async def test_a_summary_missed_while_down_comes_once_marked_late(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1")
    yt = await org.bound_group("YT", "液态奶KA群")
    await due(org, monkeypatch, "2026-12-03T14:00")
    summaries = [t for t in yt.texts() if t.startswith("📊")]
    assert len(summaries) == 1 and "（补发）" in summaries[0]


def test_the_chart_draws_chinese_with_a_font_that_has_it() -> None:
    texts = Texts()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts.monthly(
            texts,
            "zh",
            title="2026-11 月度汇总 · 液态奶事业本部",
            people=[
                charts.Bar("胡佳 (Emily Hu)", 3, 3, False),
                charts.Bar("郑芳", 0, None, False),
            ],
            by_grade={"A": 1, "B": 2, "C": 0, "D": 0},
        )
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert not [w for w in caught if "missing from" in str(w.message)]


async def test_export_gives_the_workbook_a_customer_file_and_a_persons_visits(
    org: Kabot,
) -> None:
    zhou, zhang = org.person(ZHOU, "周丽"), org.person(ZHANG, "张敏")
    org.clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=TZ))
    await file_visit(zhou)
    await zhou.send("/export")
    assert "月度汇总表" not in str(zhou.last_message().get("reply_markup"))  # centre's only
    await zhou.press_data("ex:m:2026-11", zhou.last_message()["message_id"])
    assert "没有权限" in zhou.alert_text()

    await zhou.send("/export 家乐福（华东区）")
    sent = zhou.last_message()["document"]
    assert sent["file_name"] == "客户档案-C0002.xlsx"
    book = load_workbook(io.BytesIO(org.world.files[sent["file_id"]].data))
    assert book.sheetnames == ["客户档案", "拜访", "问题", "活动", "合同"]
    assert len(list(book["拜访"].iter_rows())) == 2
    await zhou.send("/export 冰品")  # another unit's customers are not hers
    assert "没有找到" in zhou.last_reply()
    await zhou.send("/export 华东")
    assert "要导出哪一个" in zhou.last_reply()

    await zhou.send("/export 周丽 2026-11")
    sent = zhou.last_message()["document"]
    assert sent["file_name"] == "拜访记录-YT002-2026-11-01至2026-11-30.xlsx"
    await zhou.send("/export 孙伟 2026-11")  # field staff export their own visits only
    assert "没有找到您可以导出的人员" in zhou.last_reply()
    await zhou.send("/export " + "长" * 80)
    assert "太长了" in zhou.last_reply()
    await zhou.send_sticker()  # not an export: the usual answer, no crash
    await zhou.press_data("ex:c:99999", zhou.last_message()["message_id"])
    assert "没有权限" in zhou.alert_text()

    await zhang.send("/start")
    await zhang.send("/export")
    await zhang.press("2026-10 月度汇总表")
    sent = zhang.last_message()["document"]
    assert sent["file_name"] == "KA月度汇总-2026-10.xlsx"
