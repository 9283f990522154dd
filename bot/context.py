"""The typed context every handler receives (see PTB's contexttypesbot example)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.delivery.downloads import Downloader
from bot.delivery.inbox import Poller, WebhookReceiver
from bot.delivery.lock import InstanceLock, ServerLock
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
    lock: InstanceLock | ServerLock | None = None


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
        # The text message whose button this update pressed, and — once the question it
        # asked is answered — its chat's entry here: it becomes the next question, edited in
        # place (one request, not "take its buttons away" and "send the next one").
        self.pressed: Message | None = None
        self._replaceable: dict[int, int] = {}

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> KabotContext:
        context = super().from_update(update, application)
        assert isinstance(context, KabotContext)
        query = update.callback_query if isinstance(update, Update) else None
        if query is not None and isinstance(query.message, Message) and query.message.text:
            context.pressed = query.message
        return context

    @property
    def store(self) -> Store:
        store = self.bot_data.store
        if store is None:
            raise RuntimeError("the store is not open")
        return store

    @property
    def outbox(self) -> Outbox:
        """Where a handler's messages go: delivered once the update's transaction commits."""
        chats = frozenset(c for c in (self._chat_id, self._user_id) if c is not None)
        return Outbox(
            self.store.outbox,
            INTERACTIVE,
            replies_to=chats or None,
            before_message=self.settle_pressed if self._replaceable else None,
        )

    async def answered_pressed(self, chat_id: int, question: int) -> bool:
        """The question (a message id or handle) was answered by pressing one of its own
        buttons: True, and its buttons stay until what comes next is known — the next question
        replaces it, or, if none does, they are taken away (:meth:`settle_pressed`)."""
        pressed = self.pressed
        if pressed is None or pressed.chat.id != chat_id:
            return False
        if question < 0:
            status, delivered = await self.store.outbox.message_of(question)
            if status != "sent" or delivered is None:
                return False
            question = delivered
        if question != pressed.message_id:
            return False
        self._replaceable[chat_id] = question
        return True

    def take_pressed(self, chat_id: int) -> int | None:
        """The answered question of this chat that the next one may replace (once)."""
        return self._replaceable.pop(chat_id, None)

    async def settle_pressed(self, chat_id: int | None = None) -> None:
        """Take the buttons off answered questions nothing replaced (this chat's, or all): a
        message is about to go to the chat, or the update is done."""
        for chat in [chat_id] if chat_id is not None else list(self._replaceable):
            question = self._replaceable.pop(chat, None)
            if question is not None:
                await Outbox(self.store.outbox, INTERACTIVE).edit_markup(chat, question, None)

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
