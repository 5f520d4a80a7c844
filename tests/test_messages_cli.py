"""The language of the CLI, as staff meet it: click's own help and usage errors, the output
folder's refusal, and which language is chosen (--lang, then site.yaml, then the environment)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import MINIMAL_SITE, run_cli, write_site

# Option names, [metavars and defaults] and 'quoted' names stay as typed; a run of three
# English words anywhere else is a sentence left untranslated.
_KEPT_AS_TYPED = re.compile(r"--?[A-Za-z][\w-]*|\[[^\]\n]*\]|'[^'\n]*'")
_ENGLISH_RUN = re.compile(r"[A-Za-z][\w.'/-]*(?:[ ,;:]+[A-Za-z][\w.'/-]*){2,}")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
CLEAN_ENVIRONMENT = {"LANGUAGE": "", "LC_ALL": "", "LANG": ""}


def english_runs(text: str) -> list[str]:
    return _ENGLISH_RUN.findall(_KEPT_AS_TYPED.sub("|", text))


def commands() -> list[str]:
    """The commands the group lists in its (English) help."""
    listed = run_cli("--help").stdout.split("Commands:", 1)[1]
    names = re.findall(r"^  ([a-z][\w-]*)\s", listed, re.MULTILINE)
    assert {"build", "check", "serve", "publish", "archive", "verify", "new-round"} <= set(names), listed
    return names


def test_help_of_the_group_and_of_every_command_is_chinese_for_zh_cn():
    for command in [[], *[[name] for name in commands()]]:
        shown = run_cli(*command, "--help", lang="zh-CN")
        assert shown.returncode == 0, shown.stderr
        text = shown.stdout
        assert "用法:" in text and "选项:" in text and "显示此帮助并退出。" in text, text
        assert "Usage" not in text and "Options" not in text, text
        assert english_runs(text) == [], (command, english_runs(text), text)


def test_help_is_english_with_lang_en():
    for command in [[], ["build"], ["publish"]]:
        text = run_cli(*command, "--help", lang="en").stdout
        assert "Usage:" in text and "Show this message and exit." in text, text
        assert not CHINESE.search(text.replace("第三轮公布", "")), text  # new-round's example title is Chinese
        assert english_runs(text), text  # the check above would notice English


USAGE = ["用法: build.py", "查看帮助。"]  # the command's usage line and where to find its help


@pytest.mark.parametrize("arguments, expected", [
    (["build", "--bogus"], [*USAGE, "错误：没有选项 '--bogus'。"]),
    (["nosuchcommand"], [*USAGE, "错误：没有命令 'nosuchcommand'。"]),
    (["buil"], [*USAGE, "错误：没有命令 'buil'。", "'build'"]),  # with the command meant
    (["publish"], [*USAGE, "错误：缺少参数 'ROUND_ID'"]),
    (["serve", "--port", "99999"], [*USAGE, "'--port' 的值无效：99999 超出了范围 0<=x<=65535。"]),
    (["serve", "--port", "abc"], [*USAGE, "'--port' 的值无效：'abc' 不是有效的整数。"]),
    (["build", "--jobs", "0"], [*USAGE, "'--jobs' 的值无效：0 超出了范围 1<=x<=32。"]),
    (["verify", "no-such-bundle.zip"], [*USAGE, "文件 'no-such-bundle.zip' 不存在。"]),
    (["build", "--out"], ["错误：选项 '--out' 后面需要跟 1 个值。"]),
])
def test_click_usage_errors_are_chinese(arguments, expected):
    result = run_cli(*arguments, lang="zh-CN")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    assert english_runs(result.stderr) == [], result.stderr


def test_a_choice_error_is_chinese_in_the_language_site_yaml_names():
    # --lang fr names no language, so site.yaml's (the checkout's sample site: zh-CN) is spoken
    result = run_cli("--lang", "fr", "check", lang=None, env=CLEAN_ENVIRONMENT)
    assert result.returncode == 2
    assert "错误：'--lang' 的值无效：'fr' 不是可选值，可选：'zh-CN', 'en'。" in result.stderr, result.stderr


def test_refusing_a_folder_a_build_did_not_write_is_chinese_and_names_it(minimal_site, tmp_path):
    folder = tmp_path / "work" / "documents"
    write_site(folder, {"notes.txt": "my notes\n", "报告.docx": b"PK\x03\x04"})
    result = run_cli("build", "--site", str(minimal_site), "--out", str(folder), lang="zh-CN")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"输出文件夹 {folder} 里有不是生成写入的文件（notes.txt, 报告.docx）；"), result.stderr
    assert "请用 --out 另选一个文件夹" in lines[0], result.stderr
    assert lines[-1] == f"没有写入任何文件；{folder} 保持不变。", result.stderr
    assert english_runs(result.stderr.replace(str(folder), "")) == [], result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "报告.docx"]  # untouched


def test_a_file_put_into_a_built_site_is_named_in_chinese(minimal_site, tmp_path):
    out = tmp_path / "public"
    assert run_cli("build", "--site", str(minimal_site), "--out", str(out), "--no-search").returncode == 0
    (out / "我的说明.txt").write_text("staff's own file", encoding="utf-8")
    result = run_cli("build", "--site", str(minimal_site), "--out", str(out), "--no-search", lang="zh-CN")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.splitlines()[0] == (f"输出文件夹 {out} 里有 1 个不是生成写入的文件：我的说明.txt。"
                                             "请把文件移出该文件夹（或删除），然后重新生成"), result.stderr
    assert (out / "我的说明.txt").read_text(encoding="utf-8") == "staff's own file"


def site_declaring(folder: Path, language: str | None) -> Path:
    site = write_site(folder, MINIMAL_SITE)
    if language:
        site_yaml = site / "site.yaml"
        site_yaml.write_text(f"language: {language}\n" + site_yaml.read_text("utf-8"), encoding="utf-8")
    return site


def spoken(site: Path, lang: str | None = None, **environment: str) -> str:
    """The language `check` answers in: 'en' or 'zh-CN'."""
    result = run_cli("check", "--site", str(site), lang=lang, env={**CLEAN_ENVIRONMENT, **environment})
    assert result.returncode == 0, result.stdout + result.stderr
    if result.stdout.startswith("OK: ") and not CHINESE.search(result.stdout):
        return "en"
    assert CHINESE.search(result.stdout) and "OK" not in result.stdout, result.stdout
    return "zh-CN"


def test_lang_beats_the_language_site_yaml_names(tmp_path):
    assert spoken(site_declaring(tmp_path / "zh", "zh-CN"), lang="en") == "en"
    assert spoken(site_declaring(tmp_path / "en", "en"), lang="zh-CN") == "zh-CN"


def test_site_yaml_beats_the_environment(tmp_path):
    assert spoken(site_declaring(tmp_path / "zh", "zh-CN"), LANG="en_US.UTF-8") == "zh-CN"
    assert spoken(site_declaring(tmp_path / "en", "en"), LANG="zh_CN.UTF-8", LANGUAGE="zh_CN") == "en"


def test_the_environment_decides_when_site_yaml_names_no_language(tmp_path):
    site = site_declaring(tmp_path / "site", None)
    assert spoken(site, LANGUAGE="en") == "en"
    assert spoken(site, LANG="en_US.UTF-8") == "en"
    assert spoken(site, LANG="C.UTF-8") == "zh-CN"  # C says nothing about a language: zh-CN, the default
    assert spoken(site) == "zh-CN"
