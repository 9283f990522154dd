"""Builds kabot's :class:`~telegram.ext.Application`: resources, handlers, error handling."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    BaseRateLimiter,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.clock import Clock
from bot.context import KabotContext, Resources
from bot.forms import when
from bot.handlers import (
    access,
    contracts,
    customers,
    decisions,
    errors,
    exports,
    fallback,
    form_answers,
    forms,
    grading,
    groups,
    issue_handling,
    ledger,
    menu,
    national,
    plans,
    reminders,
    reports,
    roster,
    start,
)
from bot.menus import register_default_commands
from bot.ratelimit import KabotRateLimiter
from bot.reminders.engine import run_due
from bot.reminders.rules import load_rules
from bot.settings import Settings
from bot.store import Store
from bot.texts import Texts
from bot.updates import PerPersonUpdateProcessor

_LOGGER = logging.getLogger(__name__)

# The kinds of update kabot handles (Telegram sends only these).
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


class KabotApplication(Application):
    """Skips updates handled before a crash (Telegram re-delivers the last fetched batch)."""

    async def process_update(self, update: object) -> None:
        store: Store | None = self.bot_data.store
        if not isinstance(update, Update) or store is None:
            await super().process_update(update)
            return
        if await store.handled_updates.seen(update.update_id):
            _LOGGER.info("Skipping update %s: handled before", update.update_id)
            return
        await super().process_update(update)
        await store.handled_updates.mark(update.update_id)


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
        menu,
        customers,
        roster,
        groups,
        reports,
        decisions,
        issue_handling,
        ledger,
        reminders,
        contracts,
        exports,
        plans,
        grading,
        national,
        forms,
        form_answers,
        fallback,
    ):
        for handler in module.handlers():
            app.add_handler(handler, 0)
    app.add_error_handler(errors.on_error)


async def _open_resources(app: Application) -> None:
    resources: Resources = app.bot_data
    assert resources.settings is not None and resources.clock is not None
    assert resources.texts is not None
    store = await Store.open(resources.settings.db_path, resources.clock)
    resources.store = store
    resources.bot_username = app.bot.username
    await store.facts.set("bot_username", app.bot.username)
    await store.handled_updates.prune()
    # dateparser loads its language data on first use (~1 s): not in the middle of a visit.
    await asyncio.to_thread(when.warm_up)
    await register_default_commands(app.bot, resources.texts, resources.settings.default_language)
    if app.job_queue is not None:
        # Approvals waiting too long: looked at hourly, each reminded at most once a day.
        app.job_queue.run_repeating(
            decisions.reminder_job,
            interval=3600,
            first=60,
            name="approval-reminders",
            job_kwargs=_job_kwargs("approval-reminders"),
        )
        # Deadlines: what is due is worked out from the database every few minutes, so a
        # restart loses nothing and a run twice sends nothing twice (see reminders/engine).
        app.job_queue.run_repeating(
            _due_work, interval=300, first=30, name="due-work", job_kwargs=_job_kwargs("due-work")
        )
    _LOGGER.info("kabot @%s started, database %s", app.bot.username, store.db.path)


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
    await run_due(
        context.bot, resources.store, resources.rules, resources.texts, resources.clock.now()
    )


async def _close_resources(app: Application) -> None:
    resources: Resources = app.bot_data
    if resources.store is not None:
        await resources.store.close()
        resources.store = None


async def start_polling(application: Application, *, poll_timeout: int = 10) -> None:
    """What ``run_polling`` does before it blocks, for callers that own the event loop."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0,
        timeout=poll_timeout,
        allowed_updates=ALLOWED_UPDATES,
    )
    await application.start()


async def stop_polling(application: Application) -> None:
    """What ``run_polling`` does after it is told to stop."""
    assert application.updater is not None
    if application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    if application.post_stop is not None:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
