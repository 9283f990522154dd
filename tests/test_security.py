"""The attacks a hostile tester found, replayed: each must be refused. Then every command and
form fed hostile input, seeded: a clear answer each time, no failure, nobody else's data moved.

(The username takeover is in test_access.py; the sandbox page's in test_sandbox.py.)"""

from __future__ import annotations

import asyncio
import io
import json
import random
import stat
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tests.cli import run_cli
from tests.engines import sqlite_only
from tests.flows import file_complaint, file_visit
from tests.harness import Kabot, Person

ZHOU = 500200102  # 周丽, field staff of YT
SUN = 500200101  # 孙伟, YT's first responsible person (a unit manager, not the centre)
HE = 500300101  # 何军, BQ's first responsible person
ZHANG = 500100103  # 张敏, the KA centre's KA manager
WANG = 500100101  # 王建国, the centre director


async def started(org: Kabot, telegram_id: int, name: str) -> Person:
    person = org.person(telegram_id, name)
    await person.send("/start")
    return person


async def test_a_unit_manager_cannot_reply_for_the_centre_with_a_forged_button(
    org: Kabot,
) -> None:
    zhou = await started(org, ZHOU, "周丽")
    await file_complaint(zhou)
    he = await started(org, HE, "何军")  # another unit's head
    await he.send("/visit")  # a draft open: /visit again offers "start over" …
    await he.send("/visit")
    restart = next(d for _, t, d in he.buttons() if ":new:" in d)
    forged = restart.rsplit(":", 1)[0] + ":issue_reply-1"  # … re-aimed at the reply form
    await he.press_data(forged, he.last_message()["message_id"])
    if any("书面回复" in t or "回复" in t for t in he.replies()):
        await he.send("已处理完毕")
        if he.buttons():
            await he.press("提交")
    issue = await org.store.reports.by_id("issue", 1)
    assert issue is not None and issue.status == "open" and not issue.answers.get("reply")


async def test_a_unit_manager_cannot_fine_a_unit_head_through_the_r2_form(org: Kabot) -> None:
    he = await started(org, HE, "何军")
    await he.send("/start r2_breach")  # the deep link, without its record
    assert "要从具体的记录开始" in he.last_reply()
    rows = await org.store.db.fetch_all("SELECT id FROM penalty_ledger")
    assert rows == []


@pytest.mark.parametrize("form", ["reject", "waive", "issue_reply", "appeal", "visit_return"])
async def test_reason_forms_do_not_start_without_their_record(org: Kabot, form: str) -> None:
    wang = await started(org, WANG, "王建国")
    await wang.send(f"/start {form}")
    assert "要从具体的记录开始" in wang.last_reply()
    assert await org.store.drafts.of((await org.store.staff.by_code("KA001")).id) is None  # type: ignore[union-attr]


async def test_only_the_person_reminded_snoozes_and_only_once(
    org: Kabot, monkeypatch: pytest.MonkeyPatch
) -> None:
    sun = await started(org, SUN, "孙伟")
    await started(org, 500400101, "林峰")
    code, _, err = await run_cli(org, monkeypatch, "jobs", "run-due", "--now", "2026-12-04T09:00")
    assert code == 0, err
    reminder = next(m for m in sun.private.bot_messages() if m["text"].startswith("⏰ R1"))
    snooze = reminder["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    zhou = await started(org, ZHOU, "周丽")
    await zhou.press_data(snooze, zhou.last_message()["message_id"])  # forged: not hers
    assert "没有权限" in zhou.alert_text()
    await sun.press_data(snooze, reminder["message_id"])
    assert "推迟" in sun.alert_text() or ":" in sun.alert_text()
    await sun.press_data(snooze, reminder["message_id"])
    assert "已经推迟过了" in sun.alert_text()
    snoozes = await org.store.db.fetch_all("SELECT staff_id FROM snoozes")
    assert len(snoozes) == 1


async def test_text_that_looks_like_a_formula_is_exported_as_text(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou, business_review='=HYPERLINK("http://evil.example","点我")')
    zhang = await started(org, ZHANG, "张敏")
    await zhang.send("/export 家乐福（华东区）")
    document = zhang.private.bot_messages()[-1]["document"]
    data = org.world.files[document["file_id"]].data
    book = load_workbook(io.BytesIO(data))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert risky and all(c.data_type == "s" for c in risky)


async def test_names_with_markup_do_not_break_cards(org: Kabot) -> None:
    wang = org.person(WANG, "王建国")
    await wang.send("/start")
    await org.store.db.execute("UPDATE staff SET name = 'Boss <Li> & Co' WHERE code = 'KA001'")
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)
    await wang.press("✅ 通过")
    card = next(m for m in wang.private.bot_messages() if "V1" in (m.get("text") or ""))
    assert "Boss <Li> & Co" in card["text"] and "reply_markup" not in card  # decided, buttons gone
    assert "Boss <Li> & Co" in zhou.last_reply()
    await zhou.send("/export a&b")
    assert "a&b" in zhou.last_reply()
    assert not org.world.violations


@pytest.mark.parametrize("number", ["99999999999999999999", "²", "٣", "-1", "1e3"])
async def test_a_record_number_that_is_no_number_gets_a_clear_answer(
    org: Kabot, number: str
) -> None:
    zhou = await started(org, ZHOU, "周丽")
    await zhou.send(f"/fine {number}")
    assert "号记录" in zhou.last_reply() and "/penalties" in zhou.last_reply()


async def test_a_crafted_spreadsheet_is_refused_at_a_cap(org: Kabot) -> None:
    zhang = await started(org, ZHANG, "张敏")
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for n in range(20_001):
        sheet.append([f"C{n:05d}", n])
    out = io.BytesIO()
    book.save(out)
    await zhang.send("/grading")
    await zhang.send_document("销售.xlsx", out.getvalue())
    await zhang.press("提交")
    assert "20000" in zhang.last_reply() and "行" in zhang.last_reply()


async def test_the_token_never_appears_in_full(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert org.settings is not None
    monkeypatch.setenv("KABOT_DB", str(tmp_path / "other.db"))
    code, out, err = await _cli_with_token(org, monkeypatch, "999999999:NOT-the-bot-secret")
    assert code == 1
    assert "NOT-the-bot-secret" not in out + err and "999999999:…" in out + err


async def _cli_with_token(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, token: str
) -> tuple[int, str, str]:
    import contextlib
    import io as text_io

    from bot.cli import main

    monkeypatch.setenv("KABOT_TOKEN", token)
    assert org.settings is not None
    monkeypatch.setenv("KABOT_API_URL", org.settings.api_url)
    out, err = text_io.StringIO(), text_io.StringIO()

    def call() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return main(["invite", "--role", "admin"])

    code = await asyncio.to_thread(call)  # main() runs its own event loop
    return code, out.getvalue(), err.getvalue()


async def test_a_database_that_cannot_be_opened_gets_one_line(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("KABOT_DB", str(broken))
    import contextlib
    import io as text_io

    from bot.cli import main

    err = text_io.StringIO()

    def call() -> int:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(text_io.StringIO()):
            return main(["activate", "KA001"])

    code = await asyncio.to_thread(call)
    assert code == 1
    assert err.getvalue().count("\n") == 1 and "cannot use the database" in err.getvalue()


@sqlite_only
async def test_kabots_files_are_its_users_alone(org: Kabot) -> None:
    assert org.settings is not None
    mode = org.settings.db_path.stat().st_mode
    assert not mode & (stat.S_IRWXG | stat.S_IRWXO)


# ---------------------------------------------------------------------------- hostile input

HOSTILE = [
    "<b>bold</b> & <script>alert(1)</script>",
    "\x00\x01\x1b[31m控制字符\x7f",
    "长" * 5000,
    "😀" * 3000,
    "=cmd|' /C calc'!A0",
    "' OR 1=1 --",
    "/cancel",
    "跳过",
    "",
    " ",
    "-1",
    "99999999999999999999999",
    "2026-02-30",
    "昨天3",
    "%s%s%n",
]
FORGED = [
    "d:1:1:ok",
    "d:999999999999:1:no",
    "ih:1:reply",
    "ih:1:ack",
    "pl:1:waive",
    "pl:1:grant",
    "sz:1:hour",
    "r2:1",
    "cl:1:ok",
    "f:999:1:submit",
    "f:1:1:new:issue_reply-1",
    "nr:1:ok",
    "gr:1:ok",
    "vp:2026-12:t:1",
    "ex:m:2026-11",
    "cust:o:1:1:0",
    "bind:1",
    "lang:xx",
    "x" * 64,
    "²",
]
COMMANDS = [
    "/visit", "/issue", "/promo", "/data", "/admission", "/penalty", "/incentive", "/fine",
    "/penalties", "/contract", "/launch", "/national", "/grading", "/leave", "/plan",
    "/export", "/customers", "/issues", "/myvisits", "/promos", "/approvals", "/roster",
    "/noissues", "/me", "/help", "/language", "/bindgroup", "/cancel",
]  # fmt: skip


async def test_every_command_and_form_takes_hostile_input_calmly(org: Kabot) -> None:
    rng = random.Random(20261201)
    wang = await started(org, WANG, "王建国")
    zhou = await started(org, ZHOU, "周丽")
    await file_visit(zhou)  # someone else's data, to be left alone
    await file_complaint(zhou)
    others = await _snapshot(org)
    he = await started(org, HE, "何军")  # the attacker: a unit manager of another unit
    for command in COMMANDS:
        await he.send(command)
        for _ in range(3):
            if rng.random() < 0.5 and he.buttons():
                message_id, _, data = rng.choice(he.buttons())
                await he.press_data(rng.choice([data, *FORGED]), message_id)
            else:
                await he.send(rng.choice(HOSTILE) or "?")
        await he.send(command + " " + rng.choice(HOSTILE))
        await he.press_data(rng.choice(FORGED), he.last_message()["message_id"])
        await he.send("/cancel")
    failed = await org.store.db.fetch_all(
        "SELECT update_id, error FROM inbox WHERE status = 'failed'"
    )
    assert [dict(r) for r in failed] == []  # no handler failed: every input had its answer
    assert not org.world.violations
    assert await _snapshot(org) == others
    assert wang.private.texts()  # the director's card is still there, his to decide


async def _snapshot(org: Kabot) -> str:
    """What belongs to others: the visit, the issue, their decisions, fines, staff rows."""
    parts = []
    for sql in (
        "SELECT id, status, answers FROM visits",
        "SELECT id, status, answers, reply FROM issues",
        "SELECT id, status, decided_by FROM decisions",
        "SELECT id, staff_id, amount_fen, status FROM penalty_ledger",
        "SELECT id, telegram_id, role, unit_id, active FROM staff WHERE code != 'BQ001'",
    ):
        rows = await org.store.db.fetch_all(sql)
        parts.append(json.dumps([list(r) for r in rows], ensure_ascii=False))
    return "\n".join(parts)


async def test_a_form_the_person_may_not_submit_is_refused_at_its_first_step(
    org: Kabot,
) -> None:
    sun = await started(org, SUN, "孙伟")  # a manager, but of a unit: fines are the centre's
    await sun.send("/penalty")
    assert "只有KA中心" in sun.last_reply()
    assert await org.store.drafts.of((await org.store.staff.by_code("YT001")).id) is None  # type: ignore[union-attr]


async def test_help_and_menus_offer_only_what_the_person_may_do(org: Kabot) -> None:
    sun = await started(org, SUN, "孙伟")
    zhang = await started(org, ZHANG, "张敏")
    await sun.send("/help")
    await zhang.send("/help")
    assert "/penalty" not in sun.last_reply() and "/grading" not in sun.last_reply()
    assert "/penalty" in zhang.last_reply() and "/grading" in zhang.last_reply()
    menu = {  # his own command menu in Telegram, set at /start
        scope: [c["command"] for c in commands]
        for (scope, _), commands in org.world.commands.items()
    }
    sun_menu = next(v for scope, v in menu.items() if str(SUN) in scope)
    zhang_menu = next(v for scope, v in menu.items() if str(ZHANG) in scope)
    assert "penalty" not in sun_menu and "penalty" in zhang_menu
