"""The staff's language: catalogs complete and compiled, the language chosen in the documented order."""

from __future__ import annotations

import ast
import re
import string

import pytest

from bulletin import catalog
from conftest import ROOT
from bulletin.messages import choose_language, language_from_environment

pytest.importorskip("babel")


@pytest.fixture(scope="module")
def zh_catalog():
    return catalog.updated("zh-CN")


def test_every_message_has_a_chinese_translation(zh_catalog):
    """A message added to the code without its Chinese text fails here, naming it; the fix is
    `python3 -m bulletin.catalog` and a translation in bulletin/locale/zh_CN/LC_MESSAGES/bulletin.po."""
    assert catalog.untranslated(zh_catalog) == []


def test_committed_catalogs_are_up_to_date(zh_catalog):
    """The .po holds exactly what the code marks, and the committed .mo is compiled from it,
    so a plain `pip install -r requirements.txt` runs the translations with no extra step."""
    path = catalog.po_path("zh-CN")
    assert path.read_bytes() == catalog.written_po(zh_catalog), "run: python3 -m bulletin.catalog"
    assert path.with_suffix(".mo").read_bytes() == catalog.compiled(zh_catalog), "run: python3 -m bulletin.catalog"


def _placeholders(text: str) -> set[str]:
    named = {name for _, name, _, _ in string.Formatter().parse(text.replace("%%", "")) if name}
    return named | set(re.findall(r"%\((\w+)\)[sdr]", text)) | ({"%s"} if re.search(r"%[sd]", text) else set())


def test_translations_keep_every_placeholder(zh_catalog):
    """A translation that drops or renames {placeholder} would raise or lose a value when shown."""
    wrong = []
    for message in zh_catalog:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        for target in targets:
            if _placeholders(target) != _placeholders(sources[-1]):
                wrong.append((sources[0], target))
    assert wrong == []


def test_chinese_messages_use_the_glossary(zh_catalog):
    """Our record of published rounds is 公布记录; 台账 is the staff's own spreadsheet."""
    confusing = [m.id for m in zh_catalog if m.id and "ledger" in str(m.id).lower() and "台账" in str(m.string)]
    assert confusing == []


@pytest.mark.parametrize("environ, expected", [
    ({}, None),
    ({"LANG": "C.UTF-8"}, None),
    ({"LC_ALL": "POSIX", "LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh-CN"),
    ({"LANGUAGE": "en_GB:zh_CN", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LANGUAGE": "zh_TW", "LANG": "en_US.UTF-8"}, "zh-CN"),
    ({"LANG": "fr_FR.UTF-8"}, None),
])
def test_language_from_the_environment(environ, expected):
    assert language_from_environment(environ) == expected


def test_language_order():
    english_env = {"LANG": "en_US.UTF-8"}
    assert choose_language("en", "zh-CN", {}) == "en"  # --lang first
    assert choose_language(None, "zh-CN", english_env) == "zh-CN"  # then site.yaml
    assert choose_language(None, None, english_env) == "en"  # then the environment
    assert choose_language(None, None, {}) == "zh-CN"  # then Chinese (Windows has no LANG)


def _words(node) -> bool:
    """Whether an expression writes words of its own (an f-string or a literal with letters),
    rather than joining values that were translated where they were made."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.Constant) and re.search(r"[^\W\d_]", part.value) for part in node.values)
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(re.search(r"[^\W\d_]", node.value))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _words(node.left) or _words(node.right)
    return False


def test_every_message_shown_to_staff_goes_through_the_catalog():
    """What the catalog test cannot see: a message written as a plain string or an f-string where
    staff read it (a problem, a refusal, a line the CLI prints) is never translated."""
    unmarked = []
    for path in sorted([*ROOT.glob("bulletin/*.py"), ROOT / "build.py"]):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "Problem":
                shown = node.args[2:3]
            elif name == "report":
                shown = node.args[1:2]
            elif name.endswith("Problem") or name in ("echo", "fail", "report_failure"):
                shown = node.args
            else:
                continue
            unmarked += [f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(arg)[:80]}"
                         for arg in shown if _words(arg)]
    assert unmarked == []
