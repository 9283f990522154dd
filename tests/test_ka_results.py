"""R15 (seed 000 5.7.6): the annual KA result. The KA centre enters a unit's year — sales, last
year's, the budget — with /kayear; kabot proposes the manual's amounts for the unit's first
responsible person (short of last year: −3,000 to −8,000 CNY by the shortfall ratio; the budget
reached: +5,000 to +20,000 by the excess ratio) and a director confirms them into the ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import pytest

from bot.reminders import ka_result
from bot.reminders.rules import RulesError, load_rules
from tests.harness import TZ, Group, Kabot, Person
from tests.test_monthly_rules import only, site_rule

WANG = 500100101  # 王建国, the KA centre's director
ZHANG = 500100103  # 张敏, the KA centre's KA manager
SUN = 500200101  # 孙伟, YT's first responsible person
ROOT = Path(__file__).parent.parent


async def people(org: Kabot) -> tuple[Group, Group, Person, Person]:
    org.clock.set(datetime(2027, 1, 18, 10, 0, tzinfo=TZ))
    centre = await org.bound_group("KA", "KA中心群")
    yt = await org.bound_group("YT", "液态奶KA群")
    wang, zhang = org.person(WANG, "王建国"), org.person(ZHANG, "张敏")
    for person in (wang, zhang, org.person(SUN, "孙伟")):
        await person.send("/start")
    return centre, yt, wang, zhang


async def enter(zhang: Person, unit: str, last_year: str, sales: str, budget: str) -> None:
    await zhang.send("/kayear")
    await zhang.press(unit)
    await zhang.send(last_year)
    await zhang.send(sales)
    await zhang.send(budget)
    await zhang.press("提交")


def card_of(group: Group) -> dict[str, object]:
    return next(m for m in reversed(group.bot_messages()) if "年度KA业绩" in (m.get("text") or ""))


async def test_a_year_short_of_last_year_is_a_negative_incentive_the_director_confirms(
    org: Kabot,
) -> None:
    centre, yt, wang, zhang = await people(org)
    # 10% short of last year: 3,000 + 5,000 × 10/20 = 5,500.
    await enter(zhang, "液态奶事业本部", "1000万", "900万", "1100万")
    assert "少 10.0%" in zhang.last_reply() and "¥5,500" in zhang.last_reply()
    text = str(card_of(centre)["text"])
    assert "液态奶事业本部 · 2026 年" in text and "负激励 ¥5,500" in text
    await zhang.press("确认记入", chat=centre)  # a KA manager does not decide
    assert "没有权限" in zhang.alert_text()
    await wang.press("确认记入", chat=centre)
    [entry] = await org.store.ledger.month("2027-01")
    assert (entry.kind, entry.amount_fen, entry.staff_name, entry.rule) == (
        "penalty",
        550000,
        "孙伟",
        "R15",
    )
    assert "已确认" in str(card_of(centre)["text"]) and not card_of(centre).get("reply_markup")
    assert any("¥5,500" in t for t in yt.texts())
    await wang.press_data("kr:1", int(str(card_of(centre)["message_id"])), centre)
    assert "已经处理过了" in wang.alert_text()
    await enter(zhang, "液态奶事业本部", "1000万", "1000万", "900万")
    assert "已经处理过了" in zhang.alert_text()


async def test_a_budget_beaten_is_an_incentive_and_a_figure_entered_again_replaces_the_card(
    org: Kabot,
) -> None:
    centre, _, wang, zhang = await people(org)
    await enter(zhang, "冰品事业本部", "500万", "560万", "600万")  # up on last year, under budget
    assert "不奖不罚" in zhang.last_reply()
    assert not any("年度KA业绩" in t for t in centre.texts())
    # Corrected: 660 against a budget of 600 is 10% over: 5,000 + 15,000 × 10/20 = 12,500.
    await enter(zhang, "冰品事业本部", "500万", "660万", "600万")
    assert "超额 10.0%" in zhang.last_reply() and "奖励 ¥12,500" in zhang.last_reply()
    org.clock.set(datetime(2027, 1, 19, 9, 30, tzinfo=TZ))
    await enter(zhang, "冰品事业本部", "500万", "720万", "600万")  # 20% over: the most
    row = await org.store.db.fetch_one("SELECT created_at, updated_at FROM ka_results")
    assert row is not None  # first entered on the 18th, corrected on the 19th
    assert (row["created_at"][:10], row["updated_at"][:10]) == ("2027-01-18", "2027-01-19")
    cards = [m for m in centre.bot_messages() if "年度KA业绩" in (m.get("text") or "")]
    assert len(cards) == 2 and "以新的一条为准" in str(cards[0]["text"])
    assert not cards[0].get("reply_markup") and "¥20,000" in str(cards[1]["text"])
    await wang.press("不记", chat=centre)
    assert not await org.store.ledger.month("2027-01")
    assert "决定不记入台账" in str(card_of(centre)["text"])


async def test_only_the_centre_enters_results_and_bad_figures_are_asked_again(
    org: Kabot,
) -> None:
    _, _, _, zhang = await people(org)
    sun = org.person(SUN, "孙伟")
    await sun.send("/kayear")
    assert "KA中心" in sun.last_reply()
    await zhang.send("/kayear")
    await zhang.press("液态奶事业本部")
    await zhang.send("很多")
    assert "金额" in zhang.last_reply()
    await zhang.send("-5")
    assert "金额" in zhang.last_reply()


def test_the_bands_follow_the_shortfall_and_the_excess() -> None:
    rule = load_rules(ROOT / "rules.toml").rules["R15"]
    yuan = 100 * 100  # 1 CNY in fen × 100: amounts below are in hundreds of yuan
    cases = {
        (1000, 1000, 1000): (0, 5000),  # last year and the budget exactly: the least incentive
        (1000, 999, 2000): (3000, 0),  # 0.1% short: the least
        (1000, 800, 2000): (8000, 0),  # 20% short: the most
        (1000, 500, 2000): (8000, 0),  # further short: still the most
        (1000, 1050, 1000): (0, 8800),  # 5% over: 5,000 + 15,000 / 4 = 8,750 → 8,800
        (1000, 900, 800): (5500, 14400),  # 10% short, yet 12.5% over a lower budget: both
        (0, 100, 0): (0, 0),  # nothing to compare with
    }
    for (last, sales, budget), (penalty, incentive) in cases.items():
        found = ka_result.propose(rule, last * yuan, sales * yuan, budget * yuan)
        assert (found.penalty_fen // 100, found.incentive_fen // 100) == (penalty, incentive), (
            last,
            sales,
            budget,
        )
    assert ka_result.percent(Fraction(1, 8)) == "12.5%"


def test_the_rules_file_keeps_the_bands_within_the_manual(tmp_path: Path) -> None:
    base = (ROOT / "rules.toml").read_text(encoding="utf-8")
    for old, new, words in (
        ("shortfall_most = 8000", "shortfall_most = 9000", "from 3000 to 8000"),
        ("excess_least = 5000", "excess_least = 25000", "from 5000 to 20000"),
        ("shortfall_least = 3000", "shortfall_least = 7000\nshortfall_most_typo = 1", "unknown"),
    ):
        assert old in base, old
        path = tmp_path / "rules.toml"
        path.write_text(base.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(RulesError, match=words):
            load_rules(path)
    path = tmp_path / "rules.toml"
    path.write_text(
        base.replace("shortfall_least = 3000", "shortfall_least = 8000", 1).replace(
            "shortfall_most = 8000", "shortfall_most = 3000", 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(RulesError, match="least"):
        load_rules(path)


async def test_the_office_moves_where_the_most_applies(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R15")
    site_rule(tmp_path, "shortfall_full_at = 20", "shortfall_full_at = 10")
    assert org.settings is not None
    org.settings = replace(org.settings, rules_path=tmp_path / "site-rules.toml")
    await org.restart()
    centre, _, _, zhang = await people(org)
    await enter(zhang, "液态奶事业本部", "1000万", "950万", "1100万")  # 5% of 10%: 5,500
    assert "¥5,500" in zhang.last_reply()
    assert "少 10% 及以上为 8000 元" in str(card_of(centre)["text"])


async def test_the_year_is_named_or_the_one_ended_and_kept_from_the_draft_s_start(
    org: Kabot,
) -> None:
    centre, _, _, zhang = await people(org)
    # December: a unit whose year has closed is entered for this year, by name.
    org.clock.set(datetime(2026, 12, 28, 10, 0, tzinfo=TZ))
    for wrong in ("/kayear 2024", "/kayear 2027", "/kayear next", "/kayear 2026 2025"):
        await zhang.send(wrong)
        assert "只能录入 2025 年或 2026 年的业绩" in zhang.last_reply(), wrong
    await zhang.send("/kayear 2026")
    await zhang.press("液态奶事业本部")
    await zhang.send("1000万")
    await zhang.send("900万")
    await zhang.send("1100万")
    await zhang.press("提交")
    assert "液态奶事业本部 · 2026 年" in str(card_of(centre)["text"])
    # Begun on 31 December without a year: 2025, also when it is sent on 1 January.
    org.clock.set(datetime(2026, 12, 31, 17, 0, tzinfo=TZ))
    await zhang.send("/kayear")
    await zhang.press("冰品事业本部")
    await zhang.send("500万")
    org.clock.set(datetime(2027, 1, 1, 9, 0, tzinfo=TZ))
    await zhang.send("450万")
    await zhang.send("600万")
    await zhang.press("提交")
    assert "冰品事业本部 · 2025 年" in str(card_of(centre)["text"])
    results = await org.store.db.fetch_all("SELECT year FROM ka_results ORDER BY id")
    assert [r["year"] for r in results] == [2026, 2025]
