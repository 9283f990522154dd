"""Half-yearly grading: the centre's sheet in, kabot's proposal out, confirmed once."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tests.harness import TZ, Kabot
from tests.test_monthly_rules import due

ZHANG = 500100103  # 张敏, centre KA manager
WANG = 500100101  # 王建国, director
ZHOU = 500200102  # 周丽, YT field


def sheet(rows: list[list[object]]) -> bytes:
    book = Workbook()
    book.active.append(["客户编码", "销售额", "利润贡献", "最近交易日期"])
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_the_centre_sends_the_sheet_and_a_director_confirms_the_grades(
    org: Kabot,
) -> None:
    centre = await org.bound_group("KA", "KA中心群")
    zhang, wang, zhou = (
        org.person(ZHANG, "张敏"),
        org.person(WANG, "王建国"),
        org.person(ZHOU, "周丽"),
    )
    org.clock.set(datetime(2027, 1, 5, 10, 0, tzinfo=TZ))
    await zhou.send("/grading")
    assert "由KA中心" in zhou.last_reply()

    await zhang.send("/grading")
    assert "销售与利润表" in zhang.last_reply()
    await zhang.send_sticker()
    assert "贴纸" in zhang.last_reply()
    await zhang.send_document(
        "销售.xlsx",
        sheet(
            [
                ["C0001", "1,200,000", 300000, "2026-12-20"],  # 沃尔玛（华南区）, B: the best
                ["C0002", 900000, 200000, "2026-12-28"],  # 家乐福（华东区）, B
                [
                    "C0003",
                    50000,
                    5000,
                    "2025-10-01",
                ],  # 华润万家（华北区）, C: no business for a year
                ["C0004", 600000, 90000, "2026-11-30"],  # 永辉超市（华南区）, A
                ["X9999", 100, 10, ""],  # unknown
            ]
        ),
    )
    await zhang.press("提交")
    assert "已发到KA中心群" in zhang.last_reply()
    card = next(m for m in centre.bot_messages() if "客户分级提案" in (m.get("text") or ""))
    assert "沃尔玛（华南区）：B → A" in card["text"]
    assert "华润万家（华北区）：C → D" in card["text"]
    assert "流失" in card["text"] and "1 个客户编码不认识" in card["text"]
    assert "暂按本半年的拜访次数计" in card["text"]  # this sheet has no frequency column
    document = next(m for m in centre.bot_messages() if "document" in m)["document"]
    book = load_workbook(io.BytesIO(org.world.files[document["file_id"]].data))
    lines = list(book.active.iter_rows(min_row=2, values_only=True))
    assert len(lines) == 4 and lines[0][:2] == ("C0001", "沃尔玛（华南区）")

    await zhou.press_data("gr:1:ok", card["message_id"], centre)
    assert "没有权限" in zhou.alert_text()
    await wang.press("确认分级", centre)
    walmart = await org.store.customers.by_code("C0001")
    crv = await org.store.customers.by_code("C0003")
    assert walmart is not None and walmart.grade == "A"
    assert crv is not None and crv.grade == "D"
    decided = next(m for m in centre.bot_messages() if m["message_id"] == card["message_id"])
    assert "已由王建国确认" in decided["text"] and "reply_markup" not in decided
    await zhang.press_data("gr:1:no", card["message_id"], centre)
    assert "已经处理过了" in zhang.alert_text()


async def test_a_sheet_kabot_cannot_use_is_explained(org: Kabot) -> None:
    zhang = org.person(ZHANG, "张敏")
    for name, data, expected in (
        ("sales.csv", "客户编码,销售额\nC0001,100\n".encode(), "缺少“利润贡献”列"),
        (
            "sales2.csv",
            "客户编码,销售额,利润贡献\nC0001,很多,1\n".encode(),
            "第 2 行的金额不是数字",
        ),
        ("sales3.csv", "客户编码,销售额,利润贡献\nNOPE,1,1\n".encode(), "客户编码都不认识"),
        (
            "sales4.csv",
            "客户编码,销售额,利润贡献,消费频次\nC0001,1,1,每周\n".encode(),
            "第 2 行的消费频次不是整数",
        ),
        ("sales.xls", b"\xd0\xcf\x11\xe0", "另存为 .xlsx 或 .csv"),
        ("sales.xlsx", b"PK\x03\x04 broken", "无法读取该工作簿"),
    ):
        await zhang.send("/grading")
        await zhang.send_document(name, data)
        await zhang.press("提交")
        assert expected in zhang.last_reply(), (name, zhang.last_reply())
    assert await org.store.gradings.by_id(1) is None


async def test_january_and_july_ask_the_centre_for_the_sheet_once(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    centre = await org.bound_group("KA", "KA中心群")
    await due(org, monkeypatch, "2027-01-04T09:00")  # the month's first working day
    await due(org, monkeypatch, "2027-01-05T09:00")
    calls = [t for t in centre.texts() if "半年度客户分级" in t]
    assert len(calls) == 1 and "销售 40%、利润 40%、消费频次 20%" in calls[0]


async def test_the_sheets_purchase_frequency_carries_its_20_percent(org: Kabot) -> None:
    """Two customers equal in sales and profit: the one that buys more often grades higher,
    whatever kabot's own visits say."""
    centre = await org.bound_group("KA", "KA中心群")
    zhang = org.person(ZHANG, "张敏")
    org.clock.set(datetime(2027, 1, 5, 10, 0, tzinfo=TZ))
    rows = "客户编码,销售额,利润贡献,消费频次\nC0001,500000,100000,48\nC0002,500000,100000,6\n"
    await zhang.send("/grading")
    await zhang.send_document("销售.csv", rows.encode())
    await zhang.press("提交")
    proposal = await org.store.gradings.by_id(1)
    assert proposal is not None
    scores = {line.customer_id: line.score for line in proposal.lines}
    walmart = await org.store.customers.by_code("C0001")
    carrefour = await org.store.customers.by_code("C0002")
    assert walmart is not None and carrefour is not None
    # Sales and profit rank equal (100 each, 80 points); frequency 100 against 0: 20 points.
    assert scores[walmart.id] - scores[carrefour.id] == 20
    card = next(m for m in centre.bot_messages() if "客户分级提案" in (m.get("text") or ""))
    assert "拜访次数" not in card["text"]
