"""Telegram's HTML parse mode: text plus entities, or the error Telegram would give."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

# tag → entity type (None: the tag needs attributes to decide)
_TAGS: dict[str, str | None] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": None,
    "span": None,
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class EntityParseError(ValueError):
    pass


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.units = 0  # text so far, in UTF-16 code units as Telegram counts
        self.open: list[tuple[str, int, dict[str, Any]]] = []
        self.entities: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}"')
        kind = _TAGS[tag]
        extra: dict[str, Any] = {}
        values = dict(attrs)
        if tag == "a":
            kind = "text_link"
            if not values.get("href"):
                raise EntityParseError("Can't find end of the entity: a tag without href")
            href = values["href"] or ""
            mentioned = re.fullmatch(r"tg://user\?id=(\d+)", href)
            if mentioned:  # Telegram makes a mention of it, with the user
                kind = "text_mention"
                extra["user"] = {"id": int(mentioned[1]), "is_bot": False, "first_name": ""}
            else:
                extra["url"] = href
        elif tag == "span":
            if values.get("class") != "tg-spoiler":
                raise EntityParseError('Tag "span" must have class "tg-spoiler"')
            kind = "spoiler"
        assert kind is not None
        self.open.append((tag, self.units, {"type": kind, **extra}))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise EntityParseError(f'Unmatched end tag "{tag}"')
        _, start, entity = self.open.pop()
        if self.units > start:
            self.entities.append({**entity, "offset": start, "length": self.units - start})

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        self.units += _utf16_len(data)


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of an HTML-formatted message, as Telegram computes them."""
    parser = _Parser()
    parser.feed(source)
    parser.close()
    if parser.open:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{parser.open[-1][0]}"'
        )
    return "".join(parser.text), sorted(parser.entities, key=lambda e: e["offset"])


def telegram_length(text: str) -> int:
    """Telegram's 4096 limit counts UTF-16 code units of the text after entity parsing."""
    return _utf16_len(text)


def command_entities(text: str) -> list[dict[str, Any]]:
    """A message starting with /command carries a bot_command entity, as Telegram adds."""
    if not text.startswith("/"):
        return []
    command = text.split()[0] if text.split() else text
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
