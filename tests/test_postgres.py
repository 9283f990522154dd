"""What only a server has: two kabots on one PostgreSQL, one leading and one standing by;
backups that are the operator's pg_dump. Run when KABOT_TEST_DB names a server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest

from bot.app import EXIT_LEAD_LOST
from bot.botapi import BotApiServer, World
from bot.clock import ManualClock
from bot.delivery.lock import LEAD_KEY, ServerLock
from bot.store import Store
from bot.store.db import Database, IntegrityError
from tests import engines
from tests.cli import run_cli
from tests.flows import file_visit
from tests.harness import TZ, Kabot
from tests.test_run_bot import DEADLINE, ROOT, TOKEN, ZHOU, Process

pytestmark = pytest.mark.skipif(engines.SERVER is None, reason="needs KABOT_TEST_DB")


async def test_one_kabot_leads_and_the_standby_takes_the_lead_when_it_goes(
    tmp_path: Path,
) -> None:
    url = await engines.database_for()
    assert url is not None
    leader, standby = ServerLock(url), ServerLock(url)
    try:
        assert await leader.try_acquire()
        assert not await standby.try_acquire()
        assert "kabot" in (await standby.holder() or "")
        waiting = asyncio.create_task(standby.wait(poll=0.05))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # still led by the first
        await leader.release()
        await asyncio.wait_for(waiting, DEADLINE)
        assert not await ServerLock(url).try_acquire()  # the standby leads now
    finally:
        await leader.release()
        await standby.release()
        await engines.drop(url)


async def test_a_backup_on_a_server_keeps_the_files_and_says_pg_dump(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    await zhou.send_photo(b"\xff\xd8\xff\xe0 a shelf of milk")
    await org.app.bot_data.downloader.run_once()
    code, out, err = await run_cli(org, monkeypatch, "backup", str(tmp_path / "bk"))
    assert code == 0, err
    assert "pg_dump" in out and "1 个照片和文件" in out
    assert len(list((tmp_path / "bk" / "files").glob("*/*"))) == 1
    code, _, err = await run_cli(org, monkeypatch, "restore", str(tmp_path / "bk"))
    assert code == 1 and "pg_restore" in err
    code, out, _ = await run_cli(org, monkeypatch, "status")
    assert "当前主机：kabot" in out  # the test's kabot leads


def _says(log: Path, needle: str) -> bool:
    return log.exists() and needle in log.read_text()


async def _logged(log: Path, needle: str) -> None:
    for _ in range(int(DEADLINE / 0.05)):
        if _says(log, needle):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{log} never said {needle!r}")


async def _recorded(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for _ in range(int(DEADLINE / 0.05)):
            left = await conn.fetchval(
                "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"
            )
            if left == 0:
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("the outbox was not recorded as sent")
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def _two_hosts(tmp_path: Path) -> AsyncIterator[tuple[World, Process, Process, str]]:
    """The sample organisation on a server database, run_bot.py on two "hosts" (nothing
    shared but the database and Telegram): the first leads, the second stands by."""
    url = await engines.database_for()
    assert url is not None
    world = World(token=TOKEN)
    server = BotApiServer(world)
    await server.start()
    world.add_user(ZHOU, "周丽")
    hosts = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        host = Process(world, server, tmp_path / name)
        host.env.update(KABOT_DB=url, KABOT_DATA_DIR=str(tmp_path / name))
        hosts.append(host)
    first, second = hosts
    try:
        code, output = await first.run("import", str(ROOT / "examples" / "roster"))
        assert code == 0, output
        await first.start()
        assert "周丽" in await first.say(ZHOU, ZHOU, "/start")
        await second.start()
        await _logged(tmp_path / "b" / "bot.log", "Standby")  # waits: the first leads
        # The first one's answers recorded as sent: a kill between Telegram's answer and
        # that record sends the message again (the outbox's one window, see sender.py).
        await _recorded(url)
        yield world, first, second, url
    finally:
        for host in hosts:
            if host.proc is not None and host.proc.returncode is None:
                host.proc.kill()
                await host.proc.wait()
            if host.proc is not None:
                host.log.close()
        await server.stop()
        await engines.drop(url)


async def test_the_standby_takes_over_a_killed_leader_and_nothing_is_sent_twice(
    tmp_path: Path,
) -> None:
    async with _two_hosts(tmp_path) as (world, first, second, url):
        assert "共 20 家" in await first.say(ZHOU, ZHOU, "/customers")
        await _recorded(url)
        assert first.proc is not None
        first.proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(first.proc.wait(), DEADLINE)
        # Sent while nobody leads: the standby takes over and answers it.
        assert "周丽" in await second.say(ZHOU, ZHOU, "/me")
        texts = [m.get("text") or "" for m in world.bot_messages(ZHOU)]
        assert len(texts) == 3 and len(set(texts)) == 3, texts  # each answer once
    log = (tmp_path / "b" / "bot.log").read_text()
    assert "Standby" in log and "Leading" in log, log


async def test_a_leader_cut_off_from_the_database_stops_and_the_standby_leads(
    tmp_path: Path,
) -> None:
    async with _two_hosts(tmp_path) as (_, first, second, url):
        conn = await asyncpg.connect(url)
        try:  # the network between the leader and the server goes: its lock's session ends
            cut = await conn.fetchval(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                " AND granted AND objid = $1 AND database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())",
                LEAD_KEY,
            )
        finally:
            await conn.close()
        assert cut
        assert first.proc is not None
        assert await asyncio.wait_for(first.proc.wait(), DEADLINE) == EXIT_LEAD_LOST
        assert "周丽" in await second.say(ZHOU, ZHOU, "/me")  # the standby leads now
    assert "Lost the lead" in (tmp_path / "a" / "bot.log").read_text()


async def test_an_office_moves_its_file_onto_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_operations import _cli

    office = await Kabot.launch(tmp_path / "office", database="sqlite")
    try:
        code, output = await office.import_roster()
        assert code == 0, output
        await file_visit(office.person(ZHOU, "周丽"))
        telegram = office.world.snapshot()  # the same bot: its update ids go on
    finally:
        await office.close()  # stopped: its file is moved whole
    url = await engines.database_for()
    assert url is not None
    source = str(tmp_path / "office" / "kabot.db")
    code, out, err = await _cli(monkeypatch, "migrate-db", "--from", source, "--to", url)
    assert code == 0, err
    assert "两边行数一致" in out and "visits：1 行" in out and "audit_log：" in out
    conn = await asyncpg.connect(url)
    try:  # the planner knows what arrived (autovacuum would learn it only later)
        analyzed = await conn.fetchval(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'visits'"
        )
    finally:
        await conn.close()
    assert analyzed is not None
    code, _, err = await _cli(monkeypatch, "migrate-db", "--from", source, "--to", url)
    assert code == 1 and "not empty" in err  # never into a database that holds data

    moved = await Kabot.launch(tmp_path / "server", database=url)
    moved.world.restore(telegram)
    try:
        visits = await moved.store.db.fetch_all("SELECT id, answers FROM visits")
        assert len(visits) == 1 and "10月销量同比增长12%" in visits[0]["answers"]
        await file_visit(moved.person(ZHOU, "周丽"), business_review="第二次拜访")
        ids = [r["id"] for r in await moved.store.db.fetch_all("SELECT id FROM visits")]
        assert sorted(ids) == [visits[0]["id"], visits[0]["id"] + 1]  # ids go on after
    finally:
        await moved.close()


async def _backend(db: Database) -> int:
    row = await db.fetch_one("SELECT pg_backend_pid() AS pid")
    assert row is not None
    return int(row["pid"])


async def test_a_connection_the_server_ended_is_made_again_for_the_next_statement() -> None:
    url = await engines.database_for()
    assert url is not None
    db = await Database.open(url)
    try:
        before = await _backend(db)
        admin = await asyncpg.connect(url)
        try:  # ended, and gone (terminate waits up to 5 s for the backend to exit)
            assert await admin.fetchval("SELECT pg_terminate_backend($1, 5000)", before)
        finally:
            await admin.close()
        # A statement that meets the connection as it ends fails with it (as it should);
        # the one after it has a new connection.
        try:
            after = await _backend(db)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError):
            after = await _backend(db)
        assert after != before
        async with db.transaction():  # and transactions go on
            await db.execute("INSERT INTO bot_facts (key, value) VALUES (?, ?)", ("k", "v"))
        row = await db.fetch_one("SELECT value FROM bot_facts WHERE key = 'k'")
        assert row is not None and row[0] == "v"
    finally:
        await db.close()
        await engines.drop(url)


async def test_a_write_that_need_not_wait_for_the_disk_leaves_the_session_as_it_was() -> None:
    url = await engines.database_for()
    assert url is not None
    db = await Database.open(url)
    fact = "INSERT INTO bot_facts (key, value) VALUES (?, ?)"
    try:
        # Durable for this session, whatever the server's default (the test server's is off).
        await db.execute("SET synchronous_commit TO ON")
        ran: list[str] = []
        await db.trace(ran.append)
        await db.execute(fact, ("sent", "1"), flush=False)  # as the outbox's sent marks
        await db.trace(None)
        assert "BEGIN; SET LOCAL synchronous_commit TO OFF" in ran and ran[-1] == "COMMIT"
        row = await db.fetch_one("SELECT value FROM bot_facts WHERE key = 'sent'")
        assert row is not None and row[0] == "1"
        setting = await db.fetch_one("SELECT current_setting('synchronous_commit') AS s")
        assert setting is not None and setting["s"] == "on"  # every other commit flushes
        with pytest.raises(IntegrityError):  # a failing one is rolled back, nothing left open
            await db.execute(fact, ("sent", "2"), flush=False)
        async with db.transaction():
            await db.execute(fact, ("after", "3"))
        row = await db.fetch_one("SELECT value FROM bot_facts WHERE key = 'after'")
        assert row is not None and row[0] == "3"
    finally:
        await db.close()
        await engines.drop(url)


async def test_moments_days_and_documents_are_typed_and_read_back_as_kabot_wrote_them() -> None:
    url = await engines.database_for()
    assert url is not None
    db = await Database.open(url, "Asia/Shanghai")
    admin = await asyncpg.connect(url, server_settings={"TimeZone": "UTC"})
    try:
        types = {
            (r["table_name"], r["column_name"]): r["data_type"]
            for r in await admin.fetch(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = current_schema()"
            )
        }
        assert types[("audit_log", "at")] == "timestamp with time zone"
        assert types[("ka_results", "updated_at")] == "timestamp with time zone"  # ADD COLUMN
        assert types[("snoozes", "until")] == "timestamp with time zone"
        assert types[("obligations", "due_on")] == types[("leaves", "first_day")] == "date"
        assert types[("visits", "answers")] == types[("outbox", "params")] == "jsonb"
        assert types[("audit_log", "before")] == "jsonb"
        assert types[("customers", "region")] == types[("staff", "name")] == "text"
        assert not [k for k, t in types.items() if k[1].endswith("_at") and t == "text"]

        moment, day = "2026-10-08T10:00:00+08:00", "2026-10-08"
        document = '{"note": "\\u0000说明", "photos": ["a"]}'  # a NUL someone pasted
        async with db.transaction():
            await db.execute(
                "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after)"
                " VALUES (?, 'KA001', 'test', 'x', '1', ?, NULL)",
                (moment, document),
            )
        row = await db.fetch_one("SELECT at, before FROM audit_log WHERE action = 'test'")
        assert row is not None and row["at"] == moment  # as written, not the server's zone
        assert json.loads(row["before"]) == {"note": "\ufffd说明", "photos": ["a"]}
        # Compared as moments: a day is its midnight in kabot's zone, as text comparison was.
        assert await db.fetch_one("SELECT 1 FROM audit_log WHERE at >= ?", (day,))
        assert not await db.fetch_one("SELECT 1 FROM audit_log WHERE at < ?", (day,))
        # A reporting tool in another zone reads the same moment, and JSON as JSON.
        assert str(await admin.fetchval("SELECT at FROM audit_log WHERE action = 'test'")) == (
            "2026-10-08 02:00:00+00:00"
        )
        assert await admin.fetchval("SELECT before->'photos'->>0 FROM audit_log") == "a"
    finally:
        await admin.close()
        await db.close()
        await engines.drop(url)


async def _waiting_for_a_lock(db: Database, pid: int) -> None:
    """Until the backend ``pid`` waits for a row lock another transaction holds."""
    for _ in range(500):
        row = await db.fetch_one(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = ?", (pid,)
        )
        if row is not None and row["wait_event_type"] == "Lock":
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for the claimed row")


@pytest.mark.parametrize("first_commits", [True, False])
async def test_two_connections_claiming_one_update_take_it_once(first_commits: bool) -> None:
    """Claims are compare-and-set (``… WHERE status = 'new'``): a second connection's claim
    of a row another transaction has claimed waits for it, then finds the row taken — or,
    when that transaction rolled back, takes it itself. No row is handled twice."""
    url = await engines.database_for()
    assert url is not None
    clock = ManualClock(datetime(2026, 10, 8, 10, 0, tzinfo=TZ))
    one, two, watch = [await Store.open(url, clock) for _ in range(3)]
    try:
        assert await one.inbox.receive([{"update_id": 7, "message": {"text": "你好"}}]) == [7]
        pid = await _backend(two.db)

        async def second() -> bool:
            async with two.db.transaction():
                return await two.inbox.take(7)

        with contextlib.suppress(_RolledBack):
            async with one.db.transaction():
                assert await one.inbox.take(7)
                racing = asyncio.create_task(second())
                await _waiting_for_a_lock(watch.db, pid)
                if not first_commits:
                    raise _RolledBack
        assert await racing is (not first_commits)
        row = await watch.db.fetch_one("SELECT status FROM inbox WHERE update_id = 7")
        assert row is not None and row["status"] == "done"
    finally:
        for store in (one, two, watch):
            await store.close()
        await engines.drop(url)


class _RolledBack(Exception):
    pass


async def test_a_server_set_up_with_text_columns_gets_their_types_at_the_upgrade() -> None:
    url = await engines.database_for()
    assert url is not None
    admin = await asyncpg.connect(url)
    try:
        # As kabot before schema 38 left a server: moments, days and JSON kept as text.
        for table, column, default in (
            ("audit_log", "at", None),
            ("audit_log", "before", None),
            ("drafts", "answers", "'{}'"),
            ("leaves", "first_day", None),
        ):
            how = f"ALTER TABLE {table} ALTER COLUMN {column}"
            if default:
                await admin.execute(f"{how} DROP DEFAULT")
            await admin.execute(f"{how} TYPE text")
            if default:
                await admin.execute(f"{how} SET DEFAULT {default}")
        # And without what schemas 38 and 39 added.
        await admin.execute("ALTER TABLE ka_results DROP COLUMN updated_at")
        await admin.execute("DROP INDEX visits_month")
        await admin.execute("CREATE INDEX visits_visited ON visits (visited_at)")
        await admin.execute("UPDATE kabot_schema SET version = 37")
        await admin.execute(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, before)"
            " VALUES ('2026-10-08T10:00:00+08:00', 'KA001', 'old', 'x', '1', '{\"a\": 1}')"
        )
        db = await Database.open(url, "Asia/Shanghai")
        try:
            row = await db.fetch_one("SELECT at, before FROM audit_log WHERE action = 'old'")
            assert row is not None and row["at"] == "2026-10-08T10:00:00+08:00"
            assert json.loads(row["before"]) == {"a": 1}
        finally:
            await db.close()
        types = {
            r["column_name"]: (r["data_type"], r["column_default"])
            for r in await admin.fetch(
                "SELECT column_name, data_type, column_default FROM information_schema.columns"
                " WHERE table_name IN ('audit_log', 'drafts', 'leaves', 'ka_results')"
            )
        }
        assert types["at"][0] == types["updated_at"][0] == "timestamp with time zone"
        assert types["before"][0] == "jsonb" and types["first_day"][0] == "date"
        assert types["answers"] == ("jsonb", "'{}'::jsonb")
    finally:
        await admin.close()
        await engines.drop(url)
