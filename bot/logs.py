"""Log lines: plain text for a terminal, or one JSON object a line for a log collector.

The JSON form carries what an operator needs — time, level, source, the event, and the ids
kabot attaches (update, person, chat, what handled it, how long, the outcome) — and never
what people typed or their names: kabot's own log calls pass ids only.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from bot.settings import redact

# Attributes a log call may attach with extra={...}; anything else stays out of the line.
FIELDS = ("update_id", "person", "chat", "handler", "duration_ms", "outcome")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for field in FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["error"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class RedactToken(logging.Filter):
    """No log line carries the bot token in full (PTB and httpx put it in URLs and errors)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token and self.token in message:
            record.msg, record.args = redact(message, self.token), ()
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if self.token and self.token in text:
                record.exc_info, record.exc_text = None, redact(text, self.token)
        return True


def configure(log_format: str) -> None:
    """Set the root handler's format; PTB's and httpx's chatter down to warnings."""
    root = logging.getLogger()
    for handler in root.handlers:
        if log_format == "json":
            handler.setFormatter(JsonFormatter())
    for noisy in ("httpx", "apscheduler", "telegram.ext.Application", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
