from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from bot.yamlsource import ScriptError, load_yaml, parse_yaml, validate


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    weight: int = 1


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    items: list[Item]


def test_valid_document_keeps_lines() -> None:
    doc = parse_yaml("title: 工厂\nitems:\n  - id: a\n  - id: b\n    weight: 3\n", "x.yaml")
    model = validate(Doc, doc)
    assert [i.weight for i in model.items] == [1, 3]
    assert doc.locate(("items", 1, "weight"))[0] == 5


def test_errors_name_file_line_and_path() -> None:
    doc = parse_yaml("title: t\nitems:\n  - id: a\n  - id: b\n    wieght: 3\n  - weight: x\n", "s.yaml")
    with pytest.raises(ScriptError) as caught:
        validate(Doc, doc)
    messages = [str(p) for p in caught.value.problems]
    assert (
        "s.yaml:5:5: items[1].wieght: 'wieght' is not a key this part takes; did you mean 'weight'?"
        in messages
    )
    assert "s.yaml:6:5: items[2].id: 'id' is missing here." in messages
    assert "s.yaml:6:5: items[2].weight: A whole number is expected here, not 'x'." in messages


def test_syntax_error_has_line() -> None:
    with pytest.raises(ScriptError) as caught:
        parse_yaml("title: t\nitems: [a, b\nother: 1\n", "bad.yaml")
    problem = caught.value.problems[0]
    # Reported where the bracket was opened, not where PyYAML noticed it was never closed.
    assert problem.file == "bad.yaml" and (problem.line, problem.column) == (2, 8)
    assert problem.key == "script.yaml.unclosed_bracket"
    assert problem.message == "The '[' opened here is never closed: add ']' at the end of the list."


def test_duplicate_keys_are_errors() -> None:
    with pytest.raises(ScriptError, match=r"d.yaml:3:1: title: 'title' is written twice here; keep one."):
        parse_yaml("title: a\nitems: []\ntitle: b\n", "d.yaml")


def test_empty_and_unreadable_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ScriptError, match=r"The file is empty\."):
        validate(Doc, load_yaml(empty))
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ScriptError, match="not saved as UTF-8"):
        load_yaml(binary)
    with pytest.raises(ScriptError, match="cannot be read"):
        load_yaml(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "a: &a [*a]\n",  # an alias to itself
        "a: &a [x,x,x,x,x,x,x,x,x]\n"  # nine to the power of seven values from 300 bytes
        + "".join(
            f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdef", "bcdefg", strict=True)
        ),
        "title: {zh: 标题, en: Title}\nopening: *nowhere\n",
    ],
)
def test_anchors_and_aliases_are_refused_at_their_line_without_expanding(text: str) -> None:
    with pytest.raises(ScriptError) as error:  # refused from the parser's events: nothing expanded
        parse_yaml(text, "bomb.yaml")
    problem = error.value.problems[0]
    assert problem.line == text[: text.index("*" if "&" not in text else "&")].count("\n") + 1
    assert "aliases (*name)" in problem.text("en") and "引用" in problem.text("zh")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("title: x\na: " + "[" * 500 + "]" * 500 + "\n", 2),  # raised RecursionError: a 500 in the studio
        ("a: " + "{b: " * 5000 + "1" + "}" * 5000 + "\n", 1),  # seconds of CPU before that
        ("a:\n" + "".join(" " * (2 * n) + f"k{n}:\n" for n in range(1, 120)), 82),  # by indentation
    ],
)
def test_nesting_deeper_than_any_script_is_a_problem_at_its_line(text: str, line: int) -> None:
    with pytest.raises(ScriptError) as error:
        parse_yaml(text, "deep.yaml")
    (problem,) = error.value.problems
    assert problem.line == line
    assert "nest too deep" in problem.text("en") and "嵌套太深" in problem.text("zh")


def test_ordinary_brackets_in_quotes_and_comments_do_not_count_as_nesting() -> None:
    text = 'a: "' + "[" * 100 + '"\nb: x  # ' + "{" * 100 + "\nc: [[1, 2], {d: [3]}]\n"
    assert parse_yaml(text, "fine.yaml").data == {"a": "[" * 100, "b": "x", "c": [[1, 2], {"d": [3]}]}


ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted([*ROOT.glob("dialogues/*.yaml"), *ROOT.glob("questionbank/*.yaml")])


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_libyaml_reads_a_script_as_the_pure_python_reader_does(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Valid scripts are read with libyaml (start-up time); what comes out is the same document."""
    import yaml

    from bot.yamlsource import document

    text = path.read_text(encoding="utf-8")
    assert document._FAST_LOADER is yaml.CSafeLoader  # PyYAML's wheels carry libyaml
    fast, fast_problems = document.read_document(text, str(path))
    monkeypatch.setattr(document, "_FAST_LOADER", yaml.SafeLoader)
    strict, strict_problems = document.read_document(text, str(path))
    assert fast_problems == strict_problems == []
    assert (fast.data, fast.lines, fast.flow_lists, fast.flow_null_keys) == (
        strict.data,
        strict.lines,
        strict.flow_lists,
        strict.flow_null_keys,
    )
    assert fast.flow_lists or path.parent.name == "questionbank"  # plain items count as plain in both


def test_a_tab_libyaml_would_take_is_still_reported() -> None:
    with pytest.raises(ScriptError) as caught:
        parse_yaml("title: t\nitems:\n  - id\t: a\n", "t.yaml")
    assert any("tab" in str(problem) for problem in caught.value.problems)
