"""Typed settings read from the environment (and a ``.env`` file beside the working dir).

Every problem is reported as one line that says which variable to set and how, so a person
starting kabot for the first time never sees a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.delivery.backoff import Backoff

LANGUAGES = ("zh", "en")
DEFAULT_API_URL = "https://api.telegram.org"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RULES = PROJECT_ROOT / "rules.toml"


def redact(text: str, token: str) -> str:
    """``text`` with the bot token cut to its bot id: the secret half never gets printed."""
    if not token:
        return text
    bot_id, _, secret = token.partition(":")
    return text.replace(token, f"{bot_id}:…") if secret else text


class SettingsError(Exception):
    """A setting is missing or malformed; the message is the one line to show."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str
    api_url: str
    # The SQLite file; with ``db_url`` (PostgreSQL) set, only where the data folder is.
    db_path: Path
    tz: ZoneInfo
    rules_path: Path
    default_language: str
    # How long after saving a person may still correct their own report.
    edit_window: timedelta = timedelta(hours=24)
    # How long an approval may wait before its approvers are reminded (then once a day).
    approval_reminder: timedelta = timedelta(hours=24)
    # How the outbox's sender backs off a chat whose delivery failed (tests shorten it).
    delivery_backoff: Backoff = field(default_factory=Backoff)
    # Daily backups: where (None: a "backups" folder beside the database), and for how long.
    backup_dir: Path | None = None
    backup_keep_days: int = 14
    # Log lines: "text" for a terminal, "json" (one object a line, no message text) for
    # a log collector.
    log_format: str = "text"
    # KABOT_DB=postgresql://…: the server kabot keeps its data on instead of the file.
    db_url: str | None = None

    @property
    def database(self) -> str | Path:
        """What :meth:`Database.open` opens: the server's URL, or the file."""
        return self.db_url or self.db_path

    @property
    def files(self) -> Path:
        """Where the photos and documents people send are kept (by sha256)."""
        return self.db_path.parent / "files"

    @property
    def backups(self) -> Path:
        return self.backup_dir or self.db_path.parent / "backups"

    @property
    def bot_base_url(self) -> str:
        return f"{self.api_url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.api_url}/file/bot"


def _environment(env_file: Path | None) -> dict[str, str]:
    """The process environment wins over the .env file, as with most twelve-factor tools."""
    merged: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ)
    return merged


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    env_file: Path | None = Path(".env"),
    need_token: bool = True,
) -> Settings:
    """Read kabot's settings. ``need_token=False`` serves commands that never call Telegram."""
    values = dict(env) if env is not None else _environment(env_file)

    token = values.get("KABOT_TOKEN", "").strip()
    if need_token:
        if not token:
            raise SettingsError(
                "KABOT_TOKEN is not set: put the token @BotFather gave you in .env "
                "(see .env.example) or the environment."
            )
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise SettingsError(
                "KABOT_TOKEN looks malformed: it should look like 123456789:ABC-your-secret."
            )

    api_url = values.get("KABOT_API_URL", "").strip() or DEFAULT_API_URL
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(
            f"KABOT_API_URL={api_url!r} is not a URL: use e.g. https://api.telegram.org "
            "or http://127.0.0.1:8081 for a local Bot API server."
        )
    api_url = api_url.rstrip("/")
    if api_url.endswith("/bot"):
        api_url = api_url[: -len("/bot")]

    from bot.store.db import is_server  # not at the top: the store imports the settings

    db = values.get("KABOT_DB", "").strip() or "kabot.db"
    db_url = None
    if is_server(db):
        db_url = db
        # The photos, documents and backups' folder (the database is on the server).
        db_path = Path(values.get("KABOT_DATA_DIR", "").strip() or ".") / "kabot.db"
    else:
        db_path = Path(db)
    if db_path.is_dir():
        raise SettingsError(f"KABOT_DB={db_path} is a folder: give the path of a .db file.")

    tz_name = values.get("KABOT_TZ", "").strip() or "Asia/Shanghai"
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"KABOT_TZ={tz_name!r} is not a known time zone: use a name like Asia/Shanghai."
        ) from None

    rules_path = Path(values.get("KABOT_RULES", "").strip() or DEFAULT_RULES)

    language = values.get("KABOT_LANG", "").strip() or "zh"
    if language not in LANGUAGES:
        raise SettingsError(f"KABOT_LANG={language!r} is not supported: use zh or en.")

    hours = {
        name: _hours(values, name)
        for name in ("KABOT_EDIT_WINDOW_HOURS", "KABOT_APPROVAL_REMINDER_HOURS")
    }

    backup_dir = values.get("KABOT_BACKUP_DIR", "").strip()
    keep = values.get("KABOT_BACKUP_KEEP_DAYS", "").strip() or "14"
    if not keep.isascii() or not keep.isdigit() or int(keep) < 1:
        raise SettingsError(f"KABOT_BACKUP_KEEP_DAYS={keep!r} is not a number of days (e.g. 14).")
    log_format = values.get("KABOT_LOG_FORMAT", "").strip() or "text"
    if log_format not in ("text", "json"):
        raise SettingsError(f"KABOT_LOG_FORMAT={log_format!r}: use text or json.")

    return Settings(
        token=token,
        api_url=api_url,
        db_path=db_path,
        db_url=db_url,
        tz=tz,
        rules_path=rules_path,
        default_language=language,
        edit_window=hours["KABOT_EDIT_WINDOW_HOURS"],
        approval_reminder=hours["KABOT_APPROVAL_REMINDER_HOURS"],
        backup_dir=Path(backup_dir) if backup_dir else None,
        backup_keep_days=int(keep),
        log_format=log_format,
    )


def _hours(values: Mapping[str, str], name: str, default: int = 24) -> timedelta:
    text = values.get(name, "").strip() or str(default)
    if not text.isdigit():
        raise SettingsError(f"{name}={text!r} is not a whole number of hours (e.g. {default}).")
    return timedelta(hours=int(text))
