"""``python run_bot.py``'s arguments, their help in KABOT_LANG (read before the settings:
``--help`` comes first)."""

from __future__ import annotations

import argparse
import html
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from bot.models import Role
from bot.settings import LANGUAGES
from bot.texts import Texts


def cli_language() -> str:
    """KABOT_LANG, read before the settings (``--help`` comes before them): the environment,
    then .env; zh by default."""
    chosen = os.environ.get("KABOT_LANG") or dotenv_values(".env").get("KABOT_LANG") or "zh"
    return chosen.strip() if chosen.strip() in LANGUAGES else "zh"


def parser(lang: str) -> argparse.ArgumentParser:
    texts = Texts(default_language=lang)

    def h(key: str) -> str:  # argparse formats help with %: a literal % is %%
        return html.unescape(texts.label(lang, f"cli.help.{key}")).replace("%", "%%")

    class Formatter(argparse.RawDescriptionHelpFormatter):
        def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: Any = None) -> None:
            super().add_usage(usage, actions, groups, h("usage") if prefix is None else prefix)

    class Parser(argparse.ArgumentParser):
        """argparse's own words (usage, the section titles, -h) in KABOT_LANG too."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.update(add_help=False, formatter_class=Formatter)
            super().__init__(*args, **kwargs)
            self._positionals.title = h("positionals")
            self._optionals.title = h("options")
            self.add_argument("-h", "--help", action="help", help=h("help"))

    parser = Parser(prog="run_bot.py", description=h("description"))
    parser.add_argument("--webhook", metavar="URL", help=h("webhook"))
    parser.add_argument(
        "--listen",
        metavar="HOST:PORT",
        default="0.0.0.0:8443",
        help=h("listen"),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("run", help=h("run"))

    imp = sub.add_parser(
        "import",
        help=h("import"),
        description=h("import_about"),
    )
    imp.add_argument("path", type=Path, help=h("import_path"))

    inv = sub.add_parser(
        "invite",
        help=h("invite"),
        description=h("invite_about"),
    )
    who = inv.add_mutually_exclusive_group(required=True)
    who.add_argument("--role", choices=[r.value for r in Role])
    who.add_argument("--staff", metavar="CODE", help=h("staff"))
    who.add_argument("--unbound", action="store_true", help=h("unbound"))
    inv.add_argument("--unit", help=h("unit"))
    inv.add_argument("--days", type=int, default=7, help=h("days"))

    jobs = sub.add_parser("jobs", help=h("jobs"))
    jobs_sub = jobs.add_subparsers(dest="jobs_command", metavar="JOB", required=True)
    due = jobs_sub.add_parser(
        "run-due",
        help=h("run_due"),
    )
    due.add_argument(
        "--now",
        type=moment,
        metavar="ISO8601",
        help=h("now"),
    )

    box = sub.add_parser(
        "sandbox",
        help=h("sandbox"),
        description=h("sandbox_about"),
    )
    box.add_argument("--port", type=int, default=8080, help=h("port"))
    box.add_argument("--dir", type=Path, default=Path(".sandbox"), help=h("dir"))
    box.add_argument("--reset", action="store_true", help=h("reset"))
    box.add_argument("--no-browser", action="store_true", help=h("no_browser"))

    back = sub.add_parser(
        "backup",
        help=h("backup"),
    )
    back.add_argument("path", type=Path, help=h("backup_path"))
    rest = sub.add_parser("restore", help=h("restore"))
    rest.add_argument("path", type=Path, help=h("restore_path"))
    sub.add_parser("status", help=h("status"))
    move = sub.add_parser("migrate-db", help=h("migrate_db"))
    move.add_argument("--from", dest="source", type=Path, required=True, help=h("migrate_from"))
    move.add_argument("--to", dest="target", required=True, help=h("migrate_to"))

    for name in ("deactivate", "activate"):
        p = sub.add_parser(name, help=h(name))
        p.add_argument("code", help=h("code"))
    return parser


def moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a moment like 2026-12-08T09:00"
        ) from None
