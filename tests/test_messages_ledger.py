"""Staff on a zh-CN site read the messages of reading YAML (source.py), of the ledger of published
rounds (ledger.py) and of `publish` (publishing.py) in Chinese, each still starting with the
`path:line:column:` that says where to look.

Everything runs through the real CLI (`lang="zh-CN"`) on copies of conftest's minimal site; each
refusal is checked for its exit code, its whole located line and the absence of a traceback.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from conftest import MINIMAL_SITE, run_cli

UNIT_FILE = "content/r1/u1.yaml"
LEDGER = "content/ledger.json"


def unit_text() -> str:
    return textwrap.dedent(MINIMAL_SITE[UNIT_FILE]).lstrip("\n")


def refused_lines(result) -> list[str]:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    return result.stderr.splitlines()


def published(site: Path) -> Path:
    result = run_cli("publish", "r1", "--site", str(site))
    assert result.returncode == 0, result.stderr
    return site


# --- reading files ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("saved, expected", [
    pytest.param(lambda text: text.encode("gbk"),
                 "content/r1/u1.yaml:3:12: 文件编码不是 UTF-8（字节 0xc2）；看起来是 GBK/GB18030（中文 Windows "
                 "的常用编码）：请用编辑器打开，以 UTF-8 编码另存", id="saved-in-gbk"),
    pytest.param(lambda text: text.replace("status: in_progress", "status：in_progress").encode("utf-8"),
                 "content/r1/u1.yaml:4:5: YAML 语法错误：「status」后面是全角冒号「：」；请改成半角「:」并在后面"
                 "加一个空格：'status: ...'", id="full-width-colon"),
    pytest.param(lambda text: text.replace("    status: in_progress", "\tstatus: in_progress").encode("utf-8"),
                 "content/r1/u1.yaml:4:1: 缩进里有制表符（Tab）；YAML 只能用普通（半角）空格缩进",
                 id="tab-in-indentation"),
])
@pytest.mark.parametrize("command", ["check", "build"])
def test_a_file_yaml_cannot_read_is_told_in_chinese_at_its_location(minimal_site, tmp_path, saved, expected,
                                                                     command):
    (minimal_site / UNIT_FILE).write_bytes(saved(unit_text()))
    out = ["--out", str(tmp_path / "out")] if command == "build" else []
    result = run_cli(command, "--site", str(minimal_site), *out, lang="zh-CN")
    assert expected in refused_lines(result), result.stderr
    assert not (tmp_path / "out").exists()


def test_the_same_file_in_english_says_the_same_in_english(minimal_site):
    """The Chinese line above is a translation, not a different check: --lang en gives the source text."""
    (minimal_site / UNIT_FILE).write_bytes(unit_text().encode("gbk"))
    result = run_cli("check", "--site", str(minimal_site), lang="en")
    assert ("content/r1/u1.yaml:3:12: file is not UTF-8 (byte 0xc2); it looks like GBK/GB18030 (the usual "
            "encoding of Chinese Windows); open it in your editor and save it with encoding UTF-8"
            ) in refused_lines(result)


# --- the ledger of published rounds -----------------------------------------------------------------------

CHANGED_SINCE = re.compile(
    r"^content/r1/u1\.yaml:4:5: .*?轮次 r1 已于 2021-06-30 公布；项目「p1」此后被改动（status）：请在 "
    r"corrections: 下声明更正，写明 date、reason、project: p1 和 state: (?P<state>[a-p]{12})，或者恢复已公布的文本$")


def test_a_silent_change_to_a_published_file_is_refused_in_chinese_telling_what_to_write(minimal_site):
    """The refusal names the file, the project and the changed field, and gives the exact state to write;
    writing what it says makes the check pass."""
    site = published(minimal_site)
    path = site / UNIT_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("status: in_progress", "status: completed", 1),
                    encoding="utf-8")
    result = run_cli("check", "--site", str(site), lang="zh-CN")
    lines = refused_lines(result)
    matches = [CHANGED_SINCE.match(line) for line in lines if CHANGED_SINCE.match(line)]
    assert len(matches) == 1, result.stderr
    assert not any("changed since" in line or "declare it under" in line for line in lines), result.stderr

    state = matches[0].group("state")
    path.write_text(path.read_text(encoding="utf-8") + "corrections:\n  - date: 2021-07-10\n    reason: 状态填错\n"
                    f"    project: p1\n    state: {state}\n", encoding="utf-8")
    fixed = run_cli("check", "--site", str(site), lang="zh-CN")
    assert fixed.returncode == 0, fixed.stderr


def test_a_published_round_removed_from_its_folder_is_told_in_chinese(minimal_site):
    site = published(minimal_site)
    (site / "content/r1/town.yaml").unlink()
    result = run_cli("check", "--site", str(site), lang="zh-CN")
    assert ("content/r1/town.yaml:1:1: 此文件已在轮次 r1 公布，现在却不见了；请恢复它（公布时的文本保存在公布记录中）"
            in refused_lines(result)), result.stderr


def test_a_ledger_that_is_not_a_ledger_is_told_in_chinese(minimal_site):
    site = published(minimal_site)
    (site / LEDGER).write_text("{这不是公布记录", encoding="utf-8")
    result = run_cli("check", "--site", str(site), lang="zh-CN")
    assert ("content/ledger.json:1:1: 公布记录文件不是由「python build.py publish」写出的；请从版本库恢复它"
            in refused_lines(result)), result.stderr


# --- publish ----------------------------------------------------------------------------------------------

def test_the_publish_summary_is_chinese_and_names_the_ledger_and_its_digest(minimal_site):
    result = run_cli("publish", "r1", "--site", str(minimal_site), lang="zh-CN")
    assert result.returncode == 0, result.stderr
    digest = json.loads((minimal_site / LEDGER).read_text(encoding="utf-8"))["published"][-1]["sha256"]
    summary = result.stdout.splitlines()[0]
    assert summary.startswith("轮次 r1 已公布：2 个单位文件"), result.stdout
    assert f"（条目 SHA-256 {digest[:16]}...）。请把 {LEDGER} 与内容一起提交。" in summary, result.stdout
    assert "published" not in result.stdout and "Commit" not in result.stdout


@pytest.mark.parametrize("round_id, expected", [
    ("r1", "轮次「r1」已经公布；要更正，请在其单位文件的 corrections: 下声明，不能重新公布"),
    ("r9", "轮次「r9」不在 site.yaml 的 rounds: 中"),
])
def test_a_publish_that_cannot_be_done_says_why_in_chinese(minimal_site, round_id, expected):
    site = published(minimal_site)
    before = (site / LEDGER).read_bytes()
    result = run_cli("publish", round_id, "--site", str(site), lang="zh-CN")
    assert expected in refused_lines(result), result.stderr
    assert (site / LEDGER).read_bytes() == before


@pytest.mark.parametrize("written, expected", [
    ("U1", "已公布的轮次 r1 中没有单位「U1」（是不是「u1」？）"),
    ("u9", "已公布的轮次 r1 中没有单位「u9」"),
])
def test_a_round_correction_of_an_unknown_unit_suggests_the_unit_in_one_chinese_sentence(minimal_site, written,
                                                                                         expected):
    """The suggestion is part of its sentence, not an English tail on a Chinese message."""
    site = published(minimal_site)
    path = site / "site.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    date: 2021-06-30\n", "    date: 2021-06-30\n    corrections:\n      - date: 2021-07-01\n"
        f"        reason: 更正\n        unit: {written}\n        field: name\n        value: 丙单位\n", 1),
        encoding="utf-8")
    lines = refused_lines(run_cli("check", "--site", str(site), lang="zh-CN"))
    located = [line for line in lines if line.startswith("site.yaml:13:9: ")]
    assert len(located) == 1 and located[0].endswith("：" + expected), lines
    assert "did you mean" not in "\n".join(lines)


# --- the site's own translation table (i18n.py) -----------------------------------------------------------

def test_a_translation_table_with_unusable_placeholders_is_told_in_chinese(minimal_site, tmp_path):
    (minimal_site / "templates/i18n").mkdir(parents=True)
    (minimal_site / "templates/i18n/zh-CN.yaml").write_text(
        'date_format: "{year:>999999999999}年"\nfooter: "{{ 未配对}"\n', encoding="utf-8")
    out = tmp_path / "out"
    lines = refused_lines(run_cli("build", "--site", str(minimal_site), "--out", str(out), "--no-search",
                                  lang="zh-CN"))
    first, second = (line for line in lines if line.startswith("templates/i18n/zh-CN.yaml:"))
    assert first.startswith("templates/i18n/zh-CN.yaml:1:1: ")
    assert first.endswith("「{year:>999999999999}」不是翻译中可用的占位符：花括号里只写值的名称，例如 {year}"), lines
    assert second.startswith("templates/i18n/zh-CN.yaml:2:1: ")
    assert "花括号不成对" in second and second.endswith("；要写花括号本身，请写成 {{ 或 }}"), lines
    assert not out.exists()
