"""The language of `verify`, `new-round` and `build` as staff read them, through the real CLI.

`verify` checks a bundle that belongs to no site, so its language comes from --lang, then the
environment, then zh-CN; `new-round` and `build` speak the site's language unless --lang says
otherwise.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from conftest import MINIMAL_SITE, run_cli, write_site

ALTERED = "data/rounds/r1/u1.html"
# The environment of a staff member whose system speaks English; LANGUAGE and LC_ALL would win over LANG.
ENGLISH_ENVIRONMENT = {"LANG": "en_US.UTF-8", "LANGUAGE": "", "LC_ALL": ""}
# A server or container's environment, which names no language.
SILENT_ENVIRONMENT = {"LANG": "C", "LANGUAGE": "", "LC_ALL": ""}
# Three English words in a row: a sentence left untranslated (commands such as
# 'python build.py build' never make one, the '.' breaks them).
ENGLISH_PROSE = re.compile(r"\b[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}\b")
CJK = re.compile("[\u4e00-\u9fff]")


def chinese_site(folder: Path) -> Path:
    """The minimal site, its site.yaml declaring `language: zh-CN`."""
    site = write_site(folder, MINIMAL_SITE)
    config = site / "site.yaml"
    config.write_text("language: zh-CN\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def tampered_bundle(tmp_path_factory) -> Path:
    """An archive of the minimal site's round r1 with one byte of one page flipped."""
    site = write_site(tmp_path_factory.mktemp("messages-site") / "site", MINIMAL_SITE)
    published = run_cli("publish", "r1", "--site", str(site))
    assert published.returncode == 0, published.stderr
    archived = run_cli("archive", "--site", str(site), "--out", str(tmp_path_factory.mktemp("messages-archives")))
    assert archived.returncode == 0, archived.stderr
    bundle = Path(archived.stdout.strip())
    tampered = bundle.with_name("tampered.zip")
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(tampered, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("/" + ALTERED):
                data = data.replace(b"</html>", b"</html>\n", 1)
                assert data != source.read(info)
            out.writestr(info, data)
    return tampered


# After the bundle's path: ': ' as in English, or the full-width '：'.
CHINESE_VERDICT = "(?:: |：)校验未通过"


@pytest.mark.parametrize("lang, environment, altered_line, verdict", [
    ("zh-CN", ENGLISH_ENVIRONMENT, f"被改动：{ALTERED}", CHINESE_VERDICT),
    (None, ENGLISH_ENVIRONMENT, f"altered: {ALTERED}", ": NOT valid"),
    (None, SILENT_ENVIRONMENT, f"被改动：{ALTERED}", CHINESE_VERDICT),
], ids=["lang-zh-CN", "environment-English", "default-zh-CN"])
def test_verify_names_the_altered_file_in_the_chosen_language(tampered_bundle, tmp_path, lang, environment,
                                                              altered_line, verdict):
    # Run outside any site folder: verify's language must not need one.
    result = run_cli("verify", str(tampered_bundle), cwd=tmp_path, env=environment, lang=lang)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0] == altered_line, result.stderr
    assert re.fullmatch(re.escape(str(tampered_bundle)) + verdict, lines[1]), result.stderr
    assert result.stdout == ""


def test_verify_refuses_a_file_that_is_not_a_zip_in_chinese(tmp_path):
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(b"PK not really")
    result = run_cli("verify", str(bundle), cwd=tmp_path, lang="zh-CN")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{bundle}: 不是可读取的 zip 文件（没有中央目录结束记录：不是 zip 文件，或文件不完整）",
        "无法校验该归档包。"]


def test_new_round_speaks_chinese(tmp_path):
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    refused = run_cli("new-round", "r2", "--title", "第二轮", "--date", "2021-10-25", "--site", str(site),
                      lang="zh-CN")
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == ["轮次 'r2' 已在 site.yaml 中列出", "没有添加轮次。"]
    assert not (site / "content/r3").exists()

    bad_date = run_cli("new-round", "r3", "--title", "第三轮", "--date", "2021-13-01", "--site", str(site),
                       lang="zh-CN")
    assert bad_date.returncode == 1
    assert bad_date.stderr.splitlines() == ["--date '2021-13-01' 不是形如 2021-10-25 的日期", "没有添加轮次。"]

    added = run_cli("new-round", "r3", "--title", "第三轮", "--date", "2021-10-25", "--site", str(site),
                    lang="zh-CN")
    assert added.returncode == 0, added.stderr
    summary = added.stdout.strip()
    assert "r3" in summary and "content/r3/" in summary, summary
    assert CJK.search(summary) and not ENGLISH_PROSE.search(summary), summary
    assert (site / "content/r3/u1.yaml").is_file()


BUILT = {
    "zh-CN": re.compile(r"已生成 (?P<rounds>\d+) 个轮次、(?P<units>\d+) 个单位、(?P<projects>\d+) 个项目"
                        r"（(?P<entries>\d+) 个条目）、(?P<pages>\d+) 个页面，用时 [\d.]+ 秒 -> (?P<folder>.+)"
                        r"（写入 (?P<written>\d+) 个文件，删除 (?P<deleted>\d+) 个，"
                        r"重新生成 (?P<built>\d+)/(?P<all>\d+) 个单位）"),
    "en": re.compile(r"Built (?P<rounds>\d+) rounds, (?P<units>\d+) units, (?P<projects>\d+) projects "
                     r"\((?P<entries>\d+) entries\), (?P<pages>\d+) pages in [\d.]+ s -> (?P<folder>.+) "
                     r"\((?P<written>\d+) files written, (?P<deleted>\d+) removed, "
                     r"(?P<built>\d+) of (?P<all>\d+) units rebuilt\)"),
}


def test_build_summary_speaks_the_sites_language_unless_lang_says_otherwise(tmp_path):
    site = chinese_site(tmp_path / "site")
    figures = {}
    for language, lang in (("zh-CN", None), ("en", "en")):
        out = tmp_path / f"out-{language}"
        # An English environment: the site's `language:` comes before it, --lang before both.
        result = run_cli("build", "--no-search", "--site", str(site), "--out", str(out), env=ENGLISH_ENVIRONMENT,
                         lang=lang)
        assert result.returncode == 0, result.stderr
        found = BUILT[language].fullmatch(result.stdout.strip())
        assert found, result.stdout
        assert found["folder"] == str(out)
        figures[language] = {name: int(value) for name, value in found.groupdict().items() if name != "folder"}
    assert figures["zh-CN"]["rounds"] == 2 and figures["zh-CN"]["units"] == 2
    assert figures["zh-CN"]["written"] > 0
    assert figures["zh-CN"] == figures["en"]  # the same build, told in two languages
