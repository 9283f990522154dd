"""Every sentence a person reads comes from ``templates/<lang>/``, rendered here.

- ``*.html``: messages in Telegram's HTML parse mode; jinja2 autoescapes what people typed.
- ``*.txt``: plain text for the command line (import reports, invite links).
- ``labels.toml``: short strings (buttons, role names, one-line answers), each a jinja2
  expression too, so a label can take parameters. Buttons are plain text, so labels are not
  escaped when rendered alone; placed in an ``.html`` template they are escaped there.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from bot.settings import LANGUAGES, PROJECT_ROOT

TEMPLATES_ROOT = PROJECT_ROOT / "templates"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


class Texts:
    def __init__(self, root: Path = TEMPLATES_ROOT, default_language: str = "zh") -> None:
        self.root = root
        self.default_language = default_language
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(root),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._env.globals["timedelta"] = timedelta
        self._env.filters["clip"] = clip
        self._plain = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
        self.labels: dict[str, dict[str, str]] = {
            lang: _flatten(tomllib.loads((root / lang / "labels.toml").read_text("utf-8")))
            for lang in LANGUAGES
        }
        # Labels with no jinja2 in them (most buttons) are what they say: no render needed.
        self._literal: dict[str, dict[str, Markup]] = {
            lang: {k: Markup(_literal(v)) for k, v in table.items() if "{" not in v}
            for lang, table in self.labels.items()
        }

    def lang(self, language: str | None) -> str:
        return language if language in LANGUAGES else self.default_language

    def label(self, language: str | None, key: str, **params: Any) -> str:
        lang = self.lang(language)
        literal = self._literal[lang].get(key)
        if literal is not None:
            return literal
        try:
            source = self.labels[lang][key]
        except KeyError:
            raise KeyError(f"no label {key!r} in templates/{lang}/labels.toml") from None
        # Labels go into HTML messages: what people typed is escaped like in templates (a
        # name "Boss <Li> & Co" must not break the card). Plain-text places (a button, the
        # answer to a press) take it back with html.unescape.
        safe = {k: escape(v) if isinstance(v, str) else v for k, v in params.items()}
        return Markup(_compile(self._plain, source).render(**safe))

    def render(self, language: str | None, name: str, **params: Any) -> str:
        """Render ``templates/<lang>/<name>`` (name with its .html or .txt suffix)."""
        lang = self.lang(language)
        template = self._env.get_template(f"{lang}/{name}")

        def t(key: str, **label_params: Any) -> str:
            return self.label(lang, key, **label_params)

        return template.render(lang=lang, t=t, **params).strip()

    def both(self, name: str, **params: Any) -> str:
        """One message in every language, for people whose language kabot does not know."""
        return "\n\n".join(self.render(lang, name, **params) for lang in LANGUAGES)


# A run that must not be cut: a date, a time, an amount, a code (2026-11-05, 15:30, ¥1,200).
_TOKEN = re.compile(r"[0-9A-Za-z¥$%.,:/\-]+$")


def clip(text: str, limit: int) -> str:
    """``text`` shortened to about ``limit`` characters with "…", never inside a date, a
    number or a code (a reason cut at "2026-11-0" misleads)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    token = _TOKEN.search(cut)
    if token and _TOKEN.match(text[limit]) and token.start() > 0:
        cut = cut[: token.start()]
    return cut.rstrip(" ，,、;；:：(（") + "…"


def _literal(source: str) -> str:
    """What jinja2 renders of text without a tag: the text, less one trailing newline."""
    return source[:-1] if source.endswith("\n") else source


@cache
def _compile(env: jinja2.Environment, source: str) -> jinja2.Template:
    return env.from_string(source)
