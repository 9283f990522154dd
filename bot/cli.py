"""``python run_bot.py``: run the bot, the sandbox, due work; import, invite, (de)activate,
back up, restore, status. The arguments and their help are in cli_args."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import logging
import os
import shutil
import signal
import sys
import webbrowser
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Defaults, ExtBot

from bot import logs, status
from bot.app import build_application, run, start_polling, start_webhook, stop_application
from bot.cli_args import cli_language, parser
from bot.clock import Clock, ManualClock, SystemClock
from bot.delivery.lock import AlreadyRunning, InstanceLock, lock_for
from bot.delivery.ratelimit import KabotRateLimiter
from bot.delivery.sender import Sender
from bot.models import Role
from bot.policy import A_GRADE_MIN_CONTACTS
from bot.reminders.engine import run_due
from bot.reminders.rules import load_rules
from bot.roster import Problem, RosterError, read_roster
from bot.settings import Settings, SettingsError, load_settings, redact
from bot.store import Store, backup, transfer
from bot.store.db import Database, IntegrityError, StoreUnavailable, is_server
from bot.store.postgres import safe_url
from bot.store.transfer import TransferError
from bot.texts import Texts


def main(argv: Sequence[str] | None = None) -> int:
    # Everything kabot writes (the database, the sandbox's state) is its user's alone.
    os.umask(0o077)
    args = parser(cli_language()).parse_args(argv)
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO
    )
    command = args.command or "run"
    try:
        settings = load_settings(need_token=command in ("run", "invite", "jobs"))
        logs.configure(settings.log_format)
        for handler in logging.getLogger().handlers:
            handler.addFilter(logs.RedactToken(settings.token))
        if command in ("backup", "restore"):
            return _backup(command, args.path, settings)
        if command == "status":
            return run(status.show(settings))
        if command == "migrate-db":
            if not args.source.is_file():
                raise TransferError(f"--from {args.source}: there is no database file there")
            return run(_migrate_db(args.source, args.target, settings))
        if command == "run":
            return _run(settings, args.webhook, args.listen)
        if command == "sandbox":
            return run(_sandbox(args, settings))
        return run(_offline(command, args, settings))
    except SettingsError as exc:
        print(f"kabot: {exc}", file=sys.stderr)
        return 2
    except (AlreadyRunning, StoreUnavailable, backup.BackupError, TransferError) as exc:
        print(f"kabot: {exc}", file=sys.stderr)
        return 1
    except TelegramError as exc:  # the token refused, Telegram unreachable at start
        print(f"kabot: Telegram: {redact(str(exc), settings.token)}", file=sys.stderr)
        return 1


async def _sandbox(args: argparse.Namespace, settings: Settings) -> int:
    """Run the sandbox until Ctrl+C (or SIGTERM)."""
    from bot.sandbox.runner import Sandbox
    from bot.sandbox.web import SandboxWeb

    texts, lang = Texts(default_language=settings.default_language), settings.default_language
    if args.reset:
        shutil.rmtree(args.dir, ignore_errors=True)
    sandbox = Sandbox(args.dir, settings.tz, language=lang)
    await sandbox.start()
    page = SandboxWeb(sandbox, port=args.port)
    try:
        url = await page.start()
    except OSError as exc:
        await sandbox.stop()
        print(texts.render(lang, "cli/sandbox_port.txt", port=args.port, reason=exc))
        return 1
    print(texts.render(lang, "cli/sandbox.txt", url=url, folder=args.dir.resolve()), flush=True)
    if not args.no_browser:
        webbrowser.open(url)
    try:
        await _until_stopped()
    finally:
        await page.stop()
        await sandbox.stop()
    return 0


async def _offline(command: str, args: argparse.Namespace, settings: Settings) -> int:
    texts = Texts(default_language=settings.default_language)
    lang = settings.default_language
    clock = _job_clock(settings, args.now) if command == "jobs" else SystemClock(settings.tz)
    store = await Store.open(settings.database, clock)
    try:
        if command == "import":
            return await import_roster(store, texts, lang, args.path)
        if command == "invite":
            return await _invite(store, texts, lang, settings, args)
        if command == "jobs":
            return await _run_due(store, texts, lang, settings)
        person = await store.staff.set_active(args.code, command == "activate", actor="cli")
        if person is None:
            print(texts.render(lang, "cli/unknown_staff.txt", code=args.code), file=sys.stderr)
            return 1
        print(texts.render(lang, "cli/staff_active.txt", person=person))
        return 0
    finally:
        await store.close()


def _job_clock(settings: Settings, now: datetime | None) -> Clock:
    """The moment ``jobs run-due`` runs up to: --now (in KABOT_TZ unless it has an offset)."""
    if now is None:
        return SystemClock(settings.tz)
    moment = now if now.tzinfo is not None else now.replace(tzinfo=settings.tz)
    return ManualClock(moment.astimezone(settings.tz).replace(second=0, microsecond=0))


# How long ``jobs run-due`` keeps delivering when no bot runs; what is left waits in the outbox
# for the next run or the bot (Telegram down for longer loses nothing).
DRAIN_SECONDS = 120.0


async def _run_due(store: Store, texts: Texts, lang: str, settings: Settings) -> int:
    """What the running bot does every few minutes, once, up to the store's clock. Next to a
    running bot it only records what is due (the bot delivers it); alone, it delivers too."""
    moment = store.clock.now()
    rules = load_rules(settings.rules_path)
    lock = lock_for(settings)
    alone = await lock.try_acquire()
    try:
        report = await run_due(store, rules, texts, moment, settings)
        print(texts.render(lang, "cli/run_due.txt", report=report, now=moment))
        if not alone:
            print(texts.render(lang, "cli/run_due_bot.txt"))
            return 0
        bot = ExtBot(
            settings.token,
            base_url=settings.bot_base_url,
            base_file_url=settings.file_base_url,
            defaults=Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz),
            rate_limiter=KabotRateLimiter(shared_by=settings.token),
        )
        try:
            await bot.initialize()  # the token checked before anything is tried
        except TelegramError as exc:
            await bot.shutdown()
            reason = redact(str(exc), settings.token)
            print(texts.render(lang, "cli/no_bot.txt", reason=reason), file=sys.stderr)
            return 1
        async with bot:
            sender = Sender(bot, store.outbox, backoff=settings.delivery_backoff)
            sent = await sender.drain(DRAIN_SECONDS)
        left = await store.outbox.depth()
        print(texts.render(lang, "cli/run_due_sent.txt", sent=sent, left=left))
        return 0
    finally:
        await lock.release()


async def import_roster(store: Store, texts: Texts, lang: str, path: Path) -> int:
    try:
        roster = read_roster(path, await store.roster.known(), lang)
    except RosterError as exc:
        print(texts.render(lang, "cli/import_refused.txt", problems=exc.problems))
        return 1
    try:
        summary = await store.roster.apply(roster, actor=f"import:{path.name}")
    except IntegrityError as exc:
        # A constraint the checks above do not know of: refuse whole, as for a bad row.
        problem = Problem(path.name, 0, "roster.conflict", {"reason": str(exc)})
        print(texts.render(lang, "cli/import_refused.txt", problems=[problem]))
        return 1
    print(
        texts.render(
            lang,
            "cli/import_done.txt",
            s=summary,
            short=await store.customers.short_of_contacts("A", A_GRADE_MIN_CONTACTS),
            minimum=A_GRADE_MIN_CONTACTS,
            orphans=await store.customers.orphans(),
            unbound=sum(1 for p in await store.staff.all_active() if p.telegram_id is None),
        )
    )
    return 0


async def _invite(
    store: Store, texts: Texts, lang: str, settings: Settings, args: argparse.Namespace
) -> int:
    username = await store.facts.get("bot_username")
    if username is None:
        try:
            async with Bot(settings.token, base_url=settings.bot_base_url) as bot:
                username = bot.username
        except TelegramError as exc:
            reason = redact(str(exc), settings.token)
            print(texts.render(lang, "cli/no_bot.txt", reason=reason), file=sys.stderr)
            return 1
        await store.facts.set("bot_username", username)
    valid = timedelta(days=max(args.days, 1))
    if args.staff or args.unbound:
        if args.unbound:
            people = [p for p in await store.staff.all_active() if p.telegram_id is None]
        else:
            found = await store.staff.by_code(args.staff)
            if found is None or not found.active or found.telegram_id is not None:
                print(
                    texts.render(lang, "cli/no_invite_for.txt", code=args.staff), file=sys.stderr
                )
                return 1
            people = [found]
        for person in people:
            invite = await store.invites.create(person.role, person.unit_id, valid, staff=person)
            print(
                texts.render(
                    lang,
                    "cli/invite_personal.txt",
                    invite=invite,
                    person=person,
                    username=username,
                )
            )
        return 0
    role = Role(args.role)
    unit = await store.units.find(args.unit) if args.unit else None
    if args.unit and unit is None:
        print(texts.render(lang, "cli/unknown_unit.txt", unit=args.unit), file=sys.stderr)
        return 1
    if unit is None and role in (Role.FIELD, Role.MANAGER):
        print(texts.render(lang, "cli/invite_needs_unit.txt"), file=sys.stderr)
        return 1
    invite = await store.invites.create(role, unit.id if unit else None, valid)
    print(texts.render(lang, "cli/invite.txt", invite=invite, unit=unit, username=username))
    return 0


async def _migrate_db(source: Path, target: str, settings: Settings) -> int:
    """The file's data onto the server, with no kabot running on the file."""
    texts, lang = Texts(default_language=settings.default_language), settings.default_language
    if not is_server(target):
        raise TransferError(f"--to {target}: give a postgresql://… URL")
    lock = InstanceLock(source)
    if not lock.try_acquire_now():
        raise AlreadyRunning(f"kabot is running on {source}: stop it before moving its data")
    try:
        old = await Database.open(source)
        try:
            new = await Database.open(target)
            try:
                moved = await transfer.move(
                    old,
                    new,
                    lambda table, rows: print(
                        texts.render(lang, "cli/migrated_table.txt", table=table, rows=rows),
                        end="",
                        flush=True,
                    ),
                )
            finally:
                await new.close()
        finally:
            await old.close()
    finally:
        lock.release_now()
    files = source.parent / backup.FILES
    print(texts.render(lang, "cli/migrated.txt", moved=moved, to=safe_url(target), files=files))
    return 0


def _backup(command: str, path: Path, settings: Settings) -> int:
    texts, lang = Texts(default_language=settings.default_language), settings.default_language
    if settings.db_url is not None:
        # The server's data is the operator's pg_dump's; kabot keeps the files people sent.
        if command == "restore":
            print(texts.render(lang, "cli/restore_server.txt"), file=sys.stderr)
            return 1
        made = backup.files_only(settings.files, path, datetime.now(settings.tz))
        print(texts.render(lang, "cli/backup_server.txt", b=made))
        return 0
    if command == "backup":
        if not settings.db_path.exists():
            raise backup.BackupError(f"there is no database at {settings.db_path} to back up")
        made = backup.make(settings.db_path, path, datetime.now(settings.tz))
        print(texts.render(lang, "cli/backup_made.txt", b=made, rows=sum(made.rows.values())))
        return 0
    lock = InstanceLock(settings.db_path)
    if not lock.try_acquire_now():
        raise AlreadyRunning(f"kabot is running on {settings.db_path}: stop it before a restore")
    try:
        restored = backup.restore(path, settings.db_path)
    finally:
        lock.release_now()
    print(texts.render(lang, "cli/backup_restored.txt", b=restored, db=settings.db_path))
    return 0


def _run(settings: Settings, webhook: str | None, listen: str) -> int:
    if webhook is not None:
        host, _, port = listen.rpartition(":")
        if not host or not port.isdigit():
            raise SettingsError(f"--listen {listen!r} should look like 0.0.0.0:8443")
        url = urlsplit(webhook)
        if url.scheme != "https" and url.hostname not in ("127.0.0.1", "localhost"):
            raise SettingsError(
                f"--webhook {webhook!r} must be an https:// URL Telegram can reach"
            )
    run(_serve(settings, webhook, listen))
    return 0


async def _serve(settings: Settings, webhook: str | None, listen: str) -> None:
    """Run until SIGINT or SIGTERM, then stop: updates under way finish, the outbox keeps
    what is not delivered yet for the next start."""
    application = build_application(settings, SystemClock(settings.tz))
    if webhook is None:
        await start_polling(application)
    else:
        host, _, port = listen.rpartition(":")
        # Telegram echoes this secret in a header, so forged posts to the webhook are refused.
        secret = hashlib.sha256(f"kabot-webhook:{settings.token}".encode()).hexdigest()[:32]
        await start_webhook(
            application,
            url=webhook,
            host=host,
            port=int(port),
            path=urlsplit(webhook).path,
            secret=secret,
        )
    try:
        await _until_stopped()
    finally:
        await stop_application(application)


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()
