"""The documentation's commands are checked, so the docs cannot drift from the code.

Every ``coach …`` line in a shell block of README.md or docs/*.md must name real subcommands
and options; every ``$ …`` example followed by its output is run and must print that output.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^\s*```(\w*)\s*$")


def shell_blocks(path: Path) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        fence = FENCE.match(line)
        if fence and current is None:
            current = [] if fence.group(1) in ("bash", "sh", "shell", "console") else None
            if current is None:
                current = ["<skip>"]
        elif fence:
            if current and current[0] != "<skip>":
                blocks.append(current)
            current = None
        elif current is not None:
            current.append(line.strip())
    return blocks


def coach_invocations() -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        for block in shell_blocks(path):
            for line in block:
                command = line.split(" #", 1)[0].strip()
                command = command.removeprefix("$ ").split("| ")[-1].strip()
                if command.startswith("coach "):
                    found.append((f"{path.name}: {command}", command))
    return found


def documented_examples() -> list[tuple[str, str, str]]:
    """(where, command, expected output) for each ``$ command`` line followed by output."""
    found = []
    for path in DOCS:
        for block in shell_blocks(path):
            for index, line in enumerate(block[:-1]):
                following = block[index + 1]
                if line.startswith("$ ") and following and not following.startswith("$ "):
                    found.append((f"{path.name}: {line}", line[2:], following))
    return found


INVOCATIONS = coach_invocations()


def test_the_docs_show_coach_commands() -> None:
    assert len(INVOCATIONS) >= 10


@pytest.mark.parametrize(("where", "command"), INVOCATIONS, ids=[w for w, _ in INVOCATIONS])
def test_documented_coach_commands_exist(where: str, command: str) -> None:
    words = shlex.split(command)[1:]
    current: click.Command = main
    context = click.Context(main)
    path = []
    while words and isinstance(current, click.Group) and not words[0].startswith("-"):
        sub = current.get_command(context, words[0])
        assert sub is not None, f"{where}: no subcommand {words[0]!r} under 'coach {' '.join(path)}'"
        path.append(words.pop(0))
        current = sub
    assert not isinstance(current, click.Group), f"{where}: 'coach {' '.join(path)}' needs a subcommand"
    known = {opt for param in current.params for opt in [*param.opts, *param.secondary_opts]}
    for word in words:
        if word.startswith("--"):
            assert word.split("=", 1)[0] in known, f"{where}: 'coach {' '.join(path)}' has no option {word}"


EXAMPLES = documented_examples()


@pytest.mark.parametrize(("where", "command", "expected"), EXAMPLES, ids=[w for w, _, _ in EXAMPLES])
def test_documented_examples_print_what_the_docs_say(where: str, command: str, expected: str) -> None:
    coach = f"{shlex.quote(sys.executable)} -m bot"
    completed = subprocess.run(
        command.replace("coach ", f"{coach} ", 1),
        shell=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    first = completed.stdout.splitlines()[0]
    if expected.startswith("{"):
        assert json.loads(first) == json.loads(expected), where
    else:
        assert first == expected, where
