"""What an operator runs: backup while kabot works, restore into a new place, status."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from bot.delivery.outbox import NOTICE, Outbox
from tests.cli import run_cli
from tests.engines import sqlite_only
from tests.flows import file_visit
from tests.harness import TZ, Kabot

ZHOU = 500200102


@sqlite_only
async def test_a_backup_taken_while_kabot_works_restores_into_a_new_place(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)
    code, out, err = await run_cli(org, monkeypatch, "backup", str(tmp_path / "bk"))
    assert code == 0, err
    assert "校验通过" in out
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert manifest["rows"]["visits"] == 1 and manifest["schema"] >= 19
    await zhou.send("/myvisits")  # kabot went on meanwhile

    elsewhere = tmp_path / "restored"
    elsewhere.mkdir()
    monkeypatch.setenv("KABOT_DB", str(elsewhere / "kabot.db"))
    code, out, err = await _cli(monkeypatch, "restore", str(tmp_path / "bk"))
    assert code == 0, err
    again = await Kabot.launch(elsewhere)  # kabot started on the restored data
    try:
        visits = await again.store.db.fetch_all("SELECT answers FROM visits")
        assert len(visits) == 1 and "10月销量同比增长12%" in visits[0]["answers"]
        assert await again.store.staff.by_code("YT002") is not None
    finally:
        await again.close()


@sqlite_only
async def test_restore_refuses_a_live_database_and_a_damaged_backup(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, _, err = await run_cli(org, monkeypatch, "backup", str(tmp_path / "bk"))
    assert code == 0, err
    code, _, err = await run_cli(org, monkeypatch, "restore", str(tmp_path / "bk"))
    assert code == 1 and err.count("\n") == 1  # kabot runs on it: refused in one line

    copy = tmp_path / "bk" / "kabot.db"
    data = bytearray(copy.read_bytes())
    data[100:4096] = b"\x00" * (4096 - 100)  # the first page's schema, gone
    copy.write_bytes(bytes(data))
    monkeypatch.setenv("KABOT_DB", str(tmp_path / "new" / "kabot.db"))
    code, _, err = await _cli(monkeypatch, "restore", str(tmp_path / "bk"))
    assert code == 1 and "kabot.db" in err
    assert not (tmp_path / "new" / "kabot.db").exists()


async def test_status_says_what_needs_a_look(org: Kabot, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = await run_cli(org, monkeypatch, "status")
    assert code == 1 and "运行中" in out and "定时任务" in out  # due work never ran
    now = datetime.now(TZ).isoformat(timespec="seconds")
    await org.store.facts.set("due_work_at", now)
    await org.store.facts.set("due_work_seconds", "0.4")
    code, out, _ = await run_cli(org, monkeypatch, "status")
    assert code == 0 and "一切正常" in out and "用时 0.4 秒" in out

    await org.person(ZHOU, "周丽").send("/start")
    org.world.outage(600)  # Telegram down: a reminder stays in the outbox
    async with org.store.db.transaction():
        await Outbox(org.store.outbox, NOTICE).message(ZHOU, "提醒")
    await org.store.db.execute(
        "UPDATE outbox SET created_at = '2026-01-01T00:00:00+08:00'"
        " WHERE status IN ('pending', 'sending')"
    )
    code, out, _ = await _cli(monkeypatch, "status")  # not waiting for the outbox to empty
    assert code == 1 and "发件箱：1 条待发" in out and "超过 10 分钟" in out
    org.world.down_until = 0.0


@sqlite_only
async def test_an_upgrade_keeps_the_data_as_it_was(tmp_path: Path) -> None:
    from bot.store.db import migrations, split_sql

    every = migrations()
    latest = every[-1][0]
    # A database as the version before the last migration left it.
    with sqlite3.connect(tmp_path / "kabot.db") as conn:
        for version, _, sql in every[:-1]:
            for statement in split_sql(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={version}")
    again = await Kabot.launch(tmp_path)
    await again.close()
    kept = tmp_path / f"kabot-before-v{latest}"
    assert (kept / "kabot.db").exists()
    assert json.loads((kept / "manifest.json").read_text())["schema"] == latest - 1


async def _cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    """The command line without a running kabot (its own database, set by the caller)."""
    import asyncio
    import contextlib
    import io

    from bot.cli import main

    monkeypatch.setenv("KABOT_TOKEN", "123456789:TEST-offline")
    out, err = io.StringIO(), io.StringIO()

    def call() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return main(list(args))

    code = await asyncio.to_thread(call)
    return code, out.getvalue(), err.getvalue()


@sqlite_only
async def test_photos_are_kept_by_kabot_once_and_go_into_backups(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import hashlib

    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    picture = b"\xff\xd8\xff\xe0 a shelf of milk"
    await zhou.send_photo(picture)
    await zhou.send_photo(picture)  # the same picture again: Telegram gives a new unique id
    downloader = org.app.bot_data.downloader
    await downloader.run_once()  # the photos kept before the next file's download fails
    org.world.fail("getFile", 400, description="Bad Request: file is too big")
    await zhou.send_document("大文件.xlsx", b"PK big")
    await downloader.run_once()
    rows = await org.store.db.fetch_all(
        "SELECT status, sha256 FROM stored_files ORDER BY received_at, unique_id"
    )
    statuses = sorted(r["status"] for r in rows)
    assert statuses == ["stored", "stored", "too_large"]
    digest = hashlib.sha256(picture).hexdigest()
    kept = org.settings.files / digest[:2] / digest  # type: ignore[union-attr]
    assert kept.read_bytes() == picture
    assert len(list(org.settings.files.glob("*/*"))) == 1  # type: ignore[union-attr]

    code, _, err = await run_cli(org, monkeypatch, "backup", str(tmp_path / "bk"))
    assert code == 0, err
    assert (tmp_path / "bk" / "files" / digest[:2] / digest).read_bytes() == picture
    elsewhere = tmp_path / "restored"
    monkeypatch.setenv("KABOT_DB", str(elsewhere / "kabot.db"))
    code, _, err = await _cli(monkeypatch, "restore", str(tmp_path / "bk"))
    assert code == 0, err
    assert (elsewhere / "files" / digest[:2] / digest).read_bytes() == picture
    (tmp_path / "bk" / "files" / digest[:2] / digest).write_bytes(b"tampered")
    monkeypatch.setenv("KABOT_DB", str(tmp_path / "third" / "kabot.db"))
    code, _, err = await _cli(monkeypatch, "restore", str(tmp_path / "bk"))
    assert code == 1 and "damaged" in err


@sqlite_only
async def test_daily_backups_share_unchanged_files_and_keep_a_fortnight(
    org: Kabot, tmp_path: Path
) -> None:
    from datetime import timedelta

    from bot.store import backup

    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    await zhou.send_photo(b"\xff\xd8\xff\xe0 end cap")
    await org.app.bot_data.downloader.run_once()
    assert org.settings is not None
    into, day = tmp_path / "daily", datetime(2026, 12, 1, 3, 0, tzinfo=TZ)
    for n in range(16):
        backup.daily(org.settings.db_path, into, day + timedelta(days=n), keep_days=14)
    assert backup.daily(org.settings.db_path, into, day + timedelta(days=15), 14) is None
    kept = sorted(p.name for p in into.iterdir())
    assert kept[0] == "daily-2026-12-02" and kept[-1] == "daily-2026-12-16" and len(kept) == 15
    copies = [next((into / name / "files").glob("*/*")) for name in kept]
    assert len({c.stat().st_ino for c in copies}) == 1  # one copy on disk, linked daily
    live = next(org.settings.files.glob("*/*"))
    assert live.stat().st_ino != copies[0].stat().st_ino  # never the live file itself


async def test_the_information_officer_lets_people_in_and_out_from_the_chat(
    org: Kabot,
) -> None:
    liu = org.person(500100105, "刘洋")
    await liu.send("/roster")
    await liu.press("生成邀请链接")
    await liu.press("一线")
    await liu.press("YT ·")
    link = liu.last_message()["text"]
    assert "https://t.me/kabot_test_bot?start=" in link and "液态奶事业本部" in link
    code = link.split("start=")[1].split()[0]
    newcomer = org.person(700000009, "小赵")
    await newcomer.send(f"/start {code}")
    assert "液态奶事业本部" in newcomer.last_reply()

    await liu.send("/roster")
    await liu.press("个人链接")
    links = liu.last_reply()
    assert "KA004 陈静" in links and "YT003 吴强" in links and "?start=" in links

    await liu.send("/roster")
    await liu.press("停用 / 恢复")
    await liu.press("YT002 · 周丽")
    assert "停用 周丽" in liu.last_message()["text"]
    await liu.press("确认停用")
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/help")
    assert "停用" in zhou.last_reply()
    zhou_row = await org.store.staff.by_code("YT002")
    assert zhou_row is not None
    history = await org.store.audit.for_entity("staff", zhou_row.id)
    assert history[-1].action == "staff.deactivated" and history[-1].actor.startswith("staff:")

    sun = org.person(500200101, "孙伟")
    await sun.send("/start")
    await sun.press_data(f"rs:yes::{zhou_row.id}", sun.last_message()["message_id"])
    assert "没有权限" in sun.alert_text()  # only an information officer
    still = await org.store.staff.by_code("YT002")
    assert still is not None and not still.active


async def test_the_customer_file_holds_the_pictures_themselves(org: Kabot) -> None:
    import io

    from openpyxl import load_workbook
    from PIL import Image

    jpeg = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(jpeg, "JPEG")
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)
    await zhou.send_photo(jpeg.getvalue())  # kept by kabot as it arrives
    await org.app.bot_data.downloader.run_once()
    kept = await org.store.db.fetch_one("SELECT unique_id, file_id FROM stored_files")
    assert kept is not None
    photo = {"file_id": kept["file_id"], "file_unique_id": kept["unique_id"]}
    for visit in await org.store.db.fetch_all("SELECT id, answers FROM visits"):
        answers = {**json.loads(visit["answers"]), "photos": [photo]}  # as if sent with it
        await org.store.db.execute(
            "UPDATE visits SET answers = ? WHERE id = ?", (json.dumps(answers), visit["id"])
        )
    zhang = org.person(500100103, "张敏")
    await zhang.send("/export 家乐福（华东区）")
    document = zhang.private.bot_messages()[-1]["document"]
    book = load_workbook(io.BytesIO(org.world.files[document["file_id"]].data))
    pictures = book["照片"]
    assert len(pictures._images) == 1
    assert str(pictures["B1"].value).startswith("files/")
    assert str(book["拜访"]["K2"].value).startswith("files/")  # the visit sheet's photo column


async def test_migrate_db_refuses_a_missing_file_and_a_target_that_is_no_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = str(tmp_path / "nowhere.db")
    code, _, err = await _cli(
        monkeypatch, "migrate-db", "--from", missing, "--to", "postgresql://x/y"
    )
    assert code == 1 and "no database file" in err and err.count("\n") == 1
    (tmp_path / "kabot.db").write_bytes(b"")
    source = str(tmp_path / "kabot.db")
    code, _, err = await _cli(monkeypatch, "migrate-db", "--from", source, "--to", missing)
    assert code == 1 and "postgresql://" in err and err.count("\n") == 1
    with pytest.raises(SystemExit):  # argparse: the target is required
        await _cli(monkeypatch, "migrate-db", "--from", source)
