"""Builds kabot's :class:`~telegram.ext.Application`: resources, handlers, error handling."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import time
import types
from collections.abc import Coroutine
from datetime import datetime
from typing import Any, TypeVar

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseRateLimiter,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import status
from bot.clock import Clock
from bot.context import KabotContext, Resources
from bot.delivery.downloads import Downloader
from bot.delivery.http import AiohttpRequest
from bot.delivery.inbox import Poller, WebhookReceiver
from bot.delivery.lock import ServerLock, lock_for
from bot.delivery.ratelimit import KabotRateLimiter
from bot.delivery.sender import Sender
from bot.forms import when
from bot.handlers import (
    access,
    approvals,
    claims,
    contracts,
    customers,
    data_confirm,
    decisions,
    errors,
    evidence,
    exports,
    exposure,
    fallback,
    form_answers,
    forms,
    grading,
    groups,
    inspections,
    issue_handling,
    ka_results,
    ledger,
    meetings,
    menu,
    national,
    plans,
    promotion_chain,
    reminders,
    reports,
    roster,
    satisfaction,
    start,
)
from bot.menus import register_default_commands
from bot.reminders.engine import run_due
from bot.reminders.rules import load_rules
from bot.settings import Settings
from bot.store import Store, backup
from bot.store.postgres import safe_url
from bot.texts import Texts
from bot.updates import PerPersonUpdateProcessor

uvloop: types.ModuleType | None
try:  # not on Windows; see run()
    import uvloop
except ImportError:  # pragma: no cover - Windows
    uvloop = None

_LOGGER = logging.getLogger(__name__)
# The exit status of a leader that lost the lead (EX_SOFTWARE: start again, as the standby).
EXIT_LEAD_LOST = 70

# The kinds of update kabot handles (Telegram sends only these).
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


_T = TypeVar("_T")


def run(main: Coroutine[Any, Any, _T]) -> _T:
    """Run ``main`` on kabot's event loop: uvloop's where it is installed (Linux and macOS:
    its loop and its sockets are C, which takes about a sixth off an update's CPU in
    ``bench/bench_delivery.py``), asyncio's own elsewhere."""
    if uvloop is None:  # pragma: no cover - Windows
        return asyncio.run(main)
    return uvloop.run(main)


# The error of an update being handled, when its handler raised (see process_update).
_FAILURE: contextvars.ContextVar[list[Exception] | None] = contextvars.ContextVar(
    "kabot_update_failure", default=None
)


class _RollBack(Exception):
    """Raised inside an update's transaction to undo what its failed handler did."""


def _log_update(update: Update, outcome: str, started: float) -> None:
    """One line per update: ids, what kind of update, how long, how it went — no text."""
    kind = "other"
    if update.callback_query is not None:
        kind = "button:" + (update.callback_query.data or "").split(":", 1)[0][:12]
    elif update.effective_message is not None:
        text = update.effective_message.text or ""
        kind = "command:" + text.split()[0][:32] if text.startswith("/") else "message"
    _LOGGER.info(
        "update %s %s %s",
        update.update_id,
        kind,
        outcome,
        extra={
            "update_id": update.update_id,
            "person": update.effective_user.id if update.effective_user else None,
            "chat": update.effective_chat.id if update.effective_chat else None,
            "handler": kind,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
            "outcome": outcome,
        },
    )


class KabotApplication(Application):
    """Handles each update from the inbox in one transaction.

    Whatever a handler changes, the messages it records in the outbox, and the inbox row
    marked done are committed together — or, when the handler raises, none of them: the
    update is then marked failed, and the error handler's apology is recorded in a second
    transaction. A crash before the commit leaves the update 'new', so the next start handles
    it again, as if the first try had never happened.
    """

    async def process_update(self, update: object) -> None:
        resources: Resources = self.bot_data
        store = resources.store
        if not isinstance(update, Update) or store is None:
            await super().process_update(update)
            return
        failure: list[Exception] = []
        token = _FAILURE.set(failure)
        started, outcome = time.monotonic(), "done"
        try:
            async with store.db.transaction():
                # Marked done first, undone with everything else if the handler fails.
                if not await store.inbox.take(update.update_id):
                    if not await store.inbox.known(update.update_id):
                        _LOGGER.warning("Update %s is not in the inbox", update.update_id)
                    outcome = "handled before"
                    return
                await super().process_update(update)
                if failure:
                    raise _RollBack
        except _RollBack:
            outcome = "failed"
        finally:
            _FAILURE.reset(token)
            _log_update(update, outcome, started)
        if failure:
            async with store.db.transaction():
                await store.inbox.failed(update.update_id, type(failure[0]).__name__)
                await access.note_contact(store, update)
                await super().process_error(update, failure[0])

    async def process_error(
        self,
        update: object | None,
        error: Exception,
        job: Any = None,
        coroutine: Any = None,
    ) -> bool:
        failure = _FAILURE.get()
        if failure is not None and update is not None and job is None:
            failure.append(error)  # handled after the rollback, in process_update
            return True
        return await super().process_error(update, error, job, coroutine)


def build_application(
    settings: Settings,
    clock: Clock,
    *,
    rate_limiter: BaseRateLimiter | None = None,
) -> KabotApplication:
    application = (
        Application.builder()
        .application_class(KabotApplication)
        .token(settings.token)
        .base_url(settings.bot_base_url)
        .base_file_url(settings.file_base_url)
        .context_types(ContextTypes(context=KabotContext, bot_data=Resources))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connections=1))
        .rate_limiter(rate_limiter or KabotRateLimiter(shared_by=settings.token))
        .concurrent_updates(PerPersonUpdateProcessor())
        .post_init(_open_resources)
        .post_shutdown(_close_resources)
        .build()
    )
    resources: Resources = application.bot_data
    resources.settings = settings
    # A mistake in the rules file stops kabot here, before it talks to anyone.
    resources.rules = load_rules(settings.rules_path)
    resources.clock = clock
    resources.texts = Texts(default_language=settings.default_language)
    _register_handlers(application)
    assert isinstance(application, KabotApplication)
    return application


def _register_handlers(app: Application) -> None:
    # -2: a group that became a supergroup keeps its unit, whoever upgraded it.
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, groups.group_migrated), -2)
    # -1: the gate — who is this, may they use kabot here? Stops everything else if not.
    app.add_handler(TypeHandler(Update, access.gate), -1)
    # 0: features; the first handler that matches wins. `form_answers` takes every private
    # message left (an answer to the open draft), so only the fallbacks come after it.
    for module in (
        start,
        claims,
        menu,
        customers,
        roster,
        groups,
        reports,
        decisions,
        approvals,
        promotion_chain,
        issue_handling,
        ledger,
        evidence,
        exposure,
        reminders,
        contracts,
        data_confirm,
        exports,
        plans,
        grading,
        national,
        meetings,
        inspections,
        ka_results,
        satisfaction,
        forms,
        form_answers,
        fallback,
    ):
        for handler in module.handlers():
            app.add_handler(handler, 0)
    # 1: a question answered with its own button that no next question replaced loses it.
    app.add_handler(TypeHandler(Update, _settle_pressed), 1)
    app.add_error_handler(errors.on_error)


async def _settle_pressed(update: Update, context: KabotContext) -> None:
    await context.settle_pressed()


def _lead_lost() -> None:
    """The lead's connection is gone: the standby may be working already. Stop at once —
    not a graceful stop, during which this process would still send — and let the service
    manager start kabot again, as the standby now."""
    _LOGGER.critical("Lost the lead on the database: stopping now")
    logging.shutdown()
    os._exit(EXIT_LEAD_LOST)


async def _open_resources(app: Application) -> None:
    resources: Resources = app.bot_data
    assert resources.settings is not None and resources.clock is not None
    assert resources.texts is not None
    # One bot per database: a second one would deliver the outbox twice. On a server, the
    # second waits as the standby, and takes over when the leader's session ends.
    lock = lock_for(resources.settings)
    if isinstance(lock, ServerLock):
        if not await lock.try_acquire():
            _LOGGER.info("Standby: %s leads; waiting to take over", await lock.holder())
            await lock.wait()
        lock.watch(_lead_lost)
        _LOGGER.info("Leading on %s", safe_url(lock.url))
    else:
        await lock.acquire()
    resources.lock = lock
    try:
        store = await Store.open(resources.settings.database, resources.clock)
    except BaseException:
        await lock.release()
        raise
    resources.store = store
    resources.bot_username = app.bot.username
    await store.facts.set("bot_username", app.bot.username)
    await store.inbox.prune()
    await store.outbox.prune()
    # dateparser loads its language data on first use (~1 s): not in the middle of a visit.
    await asyncio.to_thread(when.warm_up)
    try:
        await register_default_commands(
            app.bot, resources.texts, resources.settings.default_language
        )
    except TelegramError as exc:  # the menus are a convenience: set again at the next start
        _LOGGER.warning("Command menus not set: %s", exc)
    resources.sender = Sender(app.bot, store.outbox, backoff=resources.settings.delivery_backoff)
    await resources.sender.start()
    resources.downloader = Downloader(app.bot, store.files, resources.settings.files)
    await resources.downloader.start()
    if app.job_queue is not None:
        # Deadlines, approvals waiting, digests: worked out from the database every few
        # minutes, so a restart loses nothing and a run twice sends nothing twice.
        app.job_queue.run_repeating(
            _due_work, interval=300, first=30, name="due-work", job_kwargs=_job_kwargs("due-work")
        )
    _LOGGER.info("kabot @%s started, database %s", app.bot.username, store.db)


# APScheduler skips a run that starts more than misfire_grace_time late (1 s by default, and
# PTB leaves it so): a busy second — a big export, a cold dateparser call — would cost a run.
# Late runs are made up instead, once (coalesce), under an explicit id that a restart replaces.
MISFIRE_GRACE_SECONDS = 600


def _job_kwargs(job_id: str) -> dict[str, object]:
    return {
        "id": job_id,
        "replace_existing": True,
        "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        "coalesce": True,
        "max_instances": 1,
    }


async def _due_work(context: KabotContext) -> None:
    resources: Resources = context.bot_data
    assert resources.store is not None and resources.rules is not None
    assert resources.texts is not None and resources.clock is not None
    assert resources.settings is not None
    store, settings, now = resources.store, resources.settings, resources.clock.now()
    started = time.monotonic()
    await run_due(store, resources.rules, resources.texts, now, settings)
    await store.facts.set("due_work_at", now.isoformat(timespec="seconds"))
    await store.facts.set("due_work_seconds", f"{time.monotonic() - started:.2f}")
    if resources.sender is not None:
        resources.sender.wake()
    # Once a day, a verified copy of the database (off the event loop: WAL lets it read
    # while the bot writes), and the copies older than the setting removed. A server's
    # data is its operator's to back up (pg_dump; ``run_bot.py backup`` copies the files).
    if settings.db_url is not None:
        return
    try:
        made = await asyncio.to_thread(
            backup.daily, settings.db_path, settings.backups, now, settings.backup_keep_days
        )
    except backup.BackupError as exc:
        _LOGGER.error("Daily backup failed: %s", exc)
        return
    if made is not None:
        await store.facts.set("backup_at", made.made_at)
        _LOGGER.info("Daily backup: %s", made.folder)


async def _close_resources(app: Application) -> None:
    resources: Resources = app.bot_data
    if resources.sender is not None:
        await resources.sender.stop()
        resources.sender = None
    if resources.downloader is not None:
        await resources.downloader.stop()
        resources.downloader = None
    if resources.store is not None:
        await resources.store.close()
        resources.store = None
    if resources.lock is not None:
        await resources.lock.release()
        resources.lock = None


async def _initialized(application: Application) -> Resources:
    await application.initialize()
    if application.post_init is not None:
        try:
            await application.post_init(application)
        except BaseException:
            # Refused (another kabot on this database, a store that cannot open): the HTTP
            # connections opened for the token check are closed before the one-line reason.
            await application.shutdown()
            raise
    resources: Resources = application.bot_data
    assert resources.store is not None
    return resources


async def start_polling(application: Application, *, poll_timeout: int = 10) -> None:
    """Start kabot on long polling, for callers that own the event loop."""
    resources = await _initialized(application)
    assert resources.store is not None
    resources.receiver = Poller(
        application, resources.store.inbox, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
    )
    await application.start()
    await resources.receiver.start()


async def start_webhook(
    application: Application, *, url: str, host: str, port: int, path: str, secret: str
) -> None:
    """Start kabot behind a webhook: Telegram posts updates to ``url``, served on host:port."""
    resources = await _initialized(application)
    assert resources.store is not None
    settings = resources.settings
    assert settings is not None

    async def health() -> tuple[bool, dict[str, Any]]:
        now = datetime.now(settings.tz)
        found = await status.gather(settings, now)
        return found.healthy, found.as_json()

    resources.receiver = WebhookReceiver(
        application,
        resources.store.inbox,
        host=host,
        port=port,
        path=path,
        secret=secret,
        health=health,
    )
    await application.start()
    await resources.receiver.start()
    await application.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)


async def settle(application: Application, within: float = 30.0) -> None:
    """Wait until every update queued is handled and the outbox has nothing due (tests, the
    sandbox): what a person would see once kabot has caught up."""
    await asyncio.wait_for(application.update_queue.join(), within)
    resources: Resources = application.bot_data
    if resources.sender is not None:
        await resources.sender.settle(within)


async def stop_application(application: Application) -> None:
    """Stop taking updates, finish those under way, stop sending, close the store."""
    resources: Resources = application.bot_data
    if resources.receiver is not None:
        await resources.receiver.stop()
        resources.receiver = None
    if resources.sender is not None:  # before the bot's HTTP client closes
        await resources.sender.stop()
        resources.sender = None
    if resources.downloader is not None:
        await resources.downloader.stop()
        resources.downloader = None
    if application.running:
        await application.stop()
    if application.post_stop is not None:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
