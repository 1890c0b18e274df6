from __future__ import annotations

import subprocess
import sys

from alembic.script import ScriptDirectory
from click.testing import CliRunner

from bot.cli import main
from bot.storage.database import alembic_config

HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_help_lists_subcommands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("db", "serve", "users"):
        assert f"  {name} " in result.output


def test_db_upgrade_creates_schema(database_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["db", "upgrade", "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert f"revision {HEAD}" in result.output
    result = runner.invoke(main, ["db", "current", "--database-url", database_url])
    assert result.output.strip() == HEAD
    result = runner.invoke(main, ["db", "downgrade", "base", "--database-url", database_url])
    assert result.exit_code == 0 and "base" in result.output


def test_users_create_and_list(database_url: str) -> None:
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade", "--database-url", database_url])
    args = [
        "users",
        "create",
        "wang",
        "--name",
        "王芳",
        "--role",
        "manager",
        "--team",
        "华东",
        "--password",
        "wang-fang-east-7",
        "--database-url",
        database_url,
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    duplicate = runner.invoke(main, args)
    assert duplicate.exit_code != 0 and "exists already" in duplicate.output
    listing = runner.invoke(main, ["users", "list", "--database-url", database_url])
    assert "wang\tmanager\tzh\t王芳" in listing.output


def test_console_script_is_installed() -> None:
    completed = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert "serve" in completed.stdout
