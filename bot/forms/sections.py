"""One message, many sections: "业绩：… / 陈列：… / 下一步：…" filed under the form's fields.

A line that starts with a section's name (any of the words in its ``markers`` label, in any
language kabot speaks) — optionally numbered ("1.", "一、", "-"), bracketed ("【陈列】") or
hashed ("#陈列") and followed by a colon, a comma or a space — opens that section; the lines
after it belong to it until the next marked line. What comes before any mark goes to the
form's ``unmarked`` section. Photo captions are read the same way, so a photo marked "陈列"
belongs to the display check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot.forms.catalogue import Form
from bot.texts import Texts

_NUMBERING = r"(?:[-•*·]|\d{1,2}\s*[.、)）]|[一二三四五六七八九十]{1,2}\s*、|[①-⑩])?"


@dataclass(frozen=True, slots=True)
class Filed:
    """Text sorted into sections, and whether any of it came unmarked."""

    sections: dict[str, str]
    unmarked: bool


class Sections:
    """The markers of one form's sections, read from the labels of every language."""

    def __init__(self, texts: Texts, form: Form) -> None:
        self.form = form
        words: dict[str, str] = {}
        for lang in texts.labels:
            for key in form.sections:
                for word in texts.label(lang, f"form.{form.name}.{key}.markers").split(","):
                    if word.strip():
                        words[word.strip().lower()] = key
        self.words = words
        names = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        # "陈列：…", "【陈列】…", "#陈列 …" mark and are taken off; "陈列 整齐" or "销量，…"
        # only say where the line goes: the word is part of what was written.
        self._strict = re.compile(
            rf"^\s*{_NUMBERING}\s*(?:[【\[#＃]\s*({names})\s*[】\]]?|({names})\s*[:：])\s*(.*)$",
            re.IGNORECASE,
        )
        self._loose = re.compile(rf"^\s*{_NUMBERING}\s*(({names})[,，、;；\s].*)$", re.IGNORECASE)

    def mark(self, line: str) -> tuple[str, str] | None:
        """(section, what the line says) when ``line`` opens a section."""
        if m := self._strict.match(line):
            return self.words[(m[1] or m[2]).lower()], m[3].strip()
        if m := self._loose.match(line):
            return self.words[m[2].lower()], m[1].strip()
        return None

    def file(self, text: str) -> Filed:
        pieces: dict[str, list[str]] = {}
        current, seen_mark, unmarked = self.form.unmarked, False, False
        for line in text.splitlines():
            marked = self.mark(line)
            if marked is not None:
                (current, line), seen_mark = marked, True
            elif not seen_mark and line.strip():
                unmarked = True
            if line.strip() or pieces.get(current):
                pieces.setdefault(current, []).append(line.rstrip())
        sections = {k: "\n".join(v).strip() for k, v in pieces.items()}
        return Filed({k: v for k, v in sections.items() if v}, unmarked)


@cache
def of(texts: Texts, form: Form) -> Sections:
    return Sections(texts, form)


def merge(answers: dict[str, object], filed: dict[str, str], copied: list[str]) -> dict[str, str]:
    """The sections after ``filed`` is added: appended to what was written, replacing what
    was only taken over from the previous report (``copied``)."""
    merged = {}
    for key, text in filed.items():
        before = answers.get(key)
        merged[key] = f"{before}\n{text}" if before and key not in copied else text
    return merged
