"""The typed context every handler receives (see PTB's contexttypesbot example)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.delivery.downloads import Downloader
from bot.delivery.inbox import Poller, WebhookReceiver
from bot.delivery.lock import InstanceLock
from bot.delivery.outbox import INTERACTIVE, Outbox
from bot.delivery.sender import Sender
from bot.models import BusinessUnit, Staff
from bot.reminders.rules import Rules
from bot.settings import Settings
from bot.store import Store
from bot.texts import Texts
from bot.workflow import speaks_for_centre


@dataclass(slots=True)
class Resources:
    """What handlers share. Filled in ``post_init``; ``store`` is open while the bot runs."""

    settings: Settings | None = None
    clock: Clock | None = None
    texts: Texts | None = None
    store: Store | None = None
    bot_username: str = ""
    rules: Rules | None = None
    sender: Sender | None = None
    downloader: Downloader | None = None
    receiver: Poller | WebhookReceiver | None = None
    lock: InstanceLock | None = None


class KabotContext(CallbackContext[ExtBot[None], dict, dict, Resources]):
    """Adds kabot's resources and the person behind the update (set by the access gate)."""

    def __init__(
        self,
        application: Application,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._person: Staff | None = None
        self.group_unit: BusinessUnit | None = None

    @property
    def store(self) -> Store:
        store = self.bot_data.store
        if store is None:
            raise RuntimeError("the store is not open")
        return store

    @property
    def outbox(self) -> Outbox:
        """Where a handler's messages go: delivered once the update's transaction commits."""
        return Outbox(self.store.outbox, INTERACTIVE)

    @property
    def texts(self) -> Texts:
        assert self.bot_data.texts is not None
        return self.bot_data.texts

    @property
    def settings(self) -> Settings:
        assert self.bot_data.settings is not None
        return self.bot_data.settings

    @property
    def rules(self) -> Rules | None:
        return self.bot_data.rules

    @property
    def clock(self) -> Clock:
        assert self.bot_data.clock is not None
        return self.bot_data.clock

    @property
    def person(self) -> Staff:
        """The registered, active person behind this update (the gate guarantees one)."""
        if self._person is None:
            raise RuntimeError("no registered person for this update")
        return self._person

    @property
    def maybe_person(self) -> Staff | None:
        return self._person

    def set_person(self, staff: Staff | None) -> None:
        """The access gate says who this is; handlers update it when the person changes."""
        self._person = staff

    async def in_centre(self) -> bool:
        """Whether the person speaks for the KA centre (its managers, the directors)."""
        return speaks_for_centre(self.person, await self.store.units.centre())

    @property
    def lang(self) -> str:
        return self.texts.lang(self._person.language if self._person else None)

    def render(self, name: str, **params: object) -> str:
        return self.texts.render(self.lang, name, **params)

    def label(self, key: str, **params: object) -> str:
        return self.texts.label(self.lang, key, **params)
