"""Settings and the command line: one clear line for every mistake, never a traceback."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from bot.app import run, uvloop
from bot.settings import SettingsError, load_settings
from bot.texts import TEMPLATES_ROOT, Texts

ROOT = Path(__file__).resolve().parents[1]
GOOD = {"KABOT_TOKEN": "123:abc"}


def test_defaults() -> None:
    settings = load_settings(GOOD)
    assert settings.api_url == "https://api.telegram.org"
    assert settings.bot_base_url == "https://api.telegram.org/bot"
    assert str(settings.db_path) == "kabot.db"
    assert settings.tz.key == "Asia/Shanghai"
    assert settings.default_language == "zh"


def test_a_server_url_puts_the_data_on_postgresql_and_the_files_in_the_data_folder() -> None:
    url = "postgresql://kabot:secret@db.example.com/kabot"
    settings = load_settings({**GOOD, "KABOT_DB": url, "KABOT_DATA_DIR": "/srv/kabot"})
    assert settings.db_url == url and settings.database == url
    assert settings.files == Path("/srv/kabot/files")
    assert settings.backups == Path("/srv/kabot/backups")
    assert load_settings(GOOD).db_url is None  # a path: the file, as before
    from bot.store.postgres import safe_url

    assert "secret" not in safe_url(url) and "db.example.com/kabot" in safe_url(url)


def test_local_api_url_with_or_without_bot_suffix() -> None:
    for url in ("http://127.0.0.1:8081", "http://127.0.0.1:8081/", "http://127.0.0.1:8081/bot"):
        settings = load_settings({**GOOD, "KABOT_API_URL": url})
        assert settings.file_base_url == "http://127.0.0.1:8081/file/bot"


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({}, "KABOT_TOKEN is not set"),
        ({"KABOT_TOKEN": "nonsense"}, "KABOT_TOKEN looks malformed"),
        (
            {**GOOD, "KABOT_API_URL": "localhost:8081"},
            "KABOT_API_URL='localhost:8081' is not a URL",
        ),
        ({**GOOD, "KABOT_TZ": "Mars/Olympus"}, "KABOT_TZ='Mars/Olympus' is not a known time zone"),
        ({**GOOD, "KABOT_LANG": "fr"}, "KABOT_LANG='fr' is not supported"),
        ({**GOOD, "KABOT_DB": "/"}, "is a folder"),
    ],
)
def test_bad_settings_say_what_to_set(env: dict[str, str], words: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_dotenv_file_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("KABOT_TOKEN=999:fromfile\nKABOT_LANG=en\n", encoding="utf-8")
    monkeypatch.delenv("KABOT_TOKEN", raising=False)
    monkeypatch.setenv("KABOT_LANG", "zh")
    settings = load_settings(env_file=env_file)
    assert settings.token == "999:fromfile"
    assert settings.default_language == "zh"


def _run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KABOT_")}
    return subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_token_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = _run(env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kabot: KABOT_TOKEN is not set: put the token @BotFather gave you in .env "
        "(see .env.example) or the environment."
    ]


def test_help_documents_every_subcommand(tmp_path: Path) -> None:
    result = _run("--help", env={}, cwd=tmp_path)
    assert result.returncode == 0
    for word in ("import", "invite", "deactivate", "activate", "--webhook", "--listen"):
        assert word in result.stdout
    result = _run("import", "--help", env={}, cwd=tmp_path)
    assert "事业本部/units" in result.stdout


def test_import_from_the_command_line_needs_no_token(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    result = _run(
        "import", str(ROOT / "examples" / "roster"), env={"KABOT_DB": str(db)}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "客户：新增 60" in result.stdout
    again = _run(
        "import",
        str(ROOT / "examples" / "roster.xlsx"),
        env={"KABOT_DB": str(db), "KABOT_LANG": "en"},
        cwd=tmp_path,
    )
    assert again.returncode == 0
    assert "customers: 0 new, 0 updated, 60 unchanged" in again.stdout
    assert "Traceback" not in again.stderr


def test_every_template_exists_in_both_languages() -> None:
    def names(lang: str) -> set[str]:
        return {
            str(p.relative_to(TEMPLATES_ROOT / lang))
            for p in (TEMPLATES_ROOT / lang).rglob("*")
            if p.is_file()
        }

    assert names("zh") == names("en")
    texts = Texts()
    assert set(texts.labels["zh"]) == set(texts.labels["en"])


def test_a_label_without_jinja_reads_as_jinja_would_render_it(tmp_path: Path) -> None:
    """Labels with no tag are answered without a render: the same text, one trailing
    newline dropped as jinja2 drops it, a tag anywhere still rendered."""
    texts = Texts()
    for lang, table in texts.labels.items():
        for key, source in table.items():
            if "{" not in source:
                assert texts.label(lang, key) == jinja2.Template(source).render()
    for lang in ("zh", "en"):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "labels.toml").write_text(
            'plain = """两行\n"""\nnamed = "你好 {{ who }}"\n', "utf-8"
        )
    crafted = Texts(root=tmp_path)
    assert crafted.label("zh", "plain") == "两行"
    assert crafted.label("zh", "named", who="<李>") == "你好 &lt;李&gt;"
    assert crafted.label("zh", "plain", who="unused") == "两行"


def test_the_command_line_speaks_kabot_lang_including_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    for lang, words in (
        ("zh", ("用法：", "立即停用某人的权限", "显示本帮助")),
        ("en", ("usage: ", "withdraw a person's access at once", "show this")),
    ):
        monkeypatch.setenv("KABOT_LANG", lang)
        with pytest.raises(SystemExit) as done:
            main(["--help"])
        assert done.value.code == 0
        shown = capsys.readouterr().out
        assert all(w in shown for w in words), shown


def test_kabot_runs_on_uvloop_where_it_is_installed() -> None:
    async def loop_kind() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert uvloop is not None  # Linux, as CI is
    assert run(loop_kind()).startswith("uvloop")
