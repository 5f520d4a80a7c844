"""new-round: the next round starts from the latest one, and site.yaml keeps every comment."""

from __future__ import annotations

from conftest import run_cli, write_site

COMMENTED_SITE_YAML = """\
# 站点设置 (kept by new-round)
title: 测试区民生实事公示
publisher: 测试区办公室
supervision:
  phone: 0000-1234567   # 监督电话
  note: 欢迎监督
rounds:
  # 第一轮
  - id: r1
    title: 第一轮
    date: 2021-06-30
  - id: r2
    title: 第二轮
    date: 2021-08-24   # 8月24日公布

# trailing comment
"""


def test_new_round_copies_files_and_appends_to_site_yaml(minimal_site, tmp_path):
    (minimal_site / "site.yaml").write_text(COMMENTED_SITE_YAML, encoding="utf-8")
    u1_before = (minimal_site / "content/r2/u1.yaml").read_bytes()
    result = run_cli("new-round", "r3", "--title", "第三轮 “公布”", "--date", "2021-10-25", "--site", str(minimal_site))
    assert result.returncode == 0, result.stderr
    assert "content/r3/" in result.stdout
    assert (minimal_site / "content/r3/u1.yaml").read_bytes().endswith(u1_before)  # after the editor's schema line
    assert not (minimal_site / "content/r3/town.yaml").exists()  # town sent nothing in r2
    expected = COMMENTED_SITE_YAML.replace(
        "    date: 2021-08-24   # 8月24日公布\n",
        "    date: 2021-08-24   # 8月24日公布\n  - id: r3\n    title: \"第三轮 “公布”\"\n    date: 2021-10-25\n"
        "    draft: true\n")
    assert (minimal_site / "site.yaml").read_text(encoding="utf-8") == expected

    out = tmp_path / "out"
    build = run_cli("build", "--site", str(minimal_site), "--out", str(out))
    assert build.returncode == 0, build.stderr
    assert not (out / "rounds/r3").exists()  # a draft until published
    preview = tmp_path / "preview"
    build = run_cli("build", "--drafts", "--site", str(minimal_site), "--out", str(preview))
    assert build.returncode == 0, build.stderr
    assert (preview / "rounds/r3/u1.html").is_file()
    # town's open project is still flagged in the new round
    assert "供暖改造" in (preview / "rounds/r3/town.html").read_text(encoding="utf-8")


def test_new_round_keeps_crlf_line_endings(minimal_site):
    (minimal_site / "site.yaml").write_bytes(COMMENTED_SITE_YAML.replace("\n", "\r\n").encode("utf-8"))
    result = run_cli("new-round", "r3", "--title", "第三轮", "--date", "2021-10-25", "--site", str(minimal_site))
    assert result.returncode == 0, result.stderr
    data = (minimal_site / "site.yaml").read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert (b"  - id: r3\r\n    title: \"\xe7\xac\xac\xe4\xb8\x89\xe8\xbd\xae\"\r\n    date: 2021-10-25\r\n"
            b"    draft: true\r\n") in data
    assert run_cli("check", "--site", str(minimal_site)).returncode == 0


def test_new_round_on_the_sample_layout(minimal_site):
    """Items indented without extra spaces under `rounds:` work too."""
    text = (minimal_site / "site.yaml").read_text(encoding="utf-8").replace("  - id:", "- id:").replace(
        "    title:", "  title:").replace("    date:", "  date:")
    (minimal_site / "site.yaml").write_text(text, encoding="utf-8")
    result = run_cli("new-round", "r3", "--title", "第三轮", "--date", "2021-10-25", "--site", str(minimal_site))
    assert result.returncode == 0, result.stderr
    assert (minimal_site / "site.yaml").read_text(encoding="utf-8").endswith(
        "- id: r3\n  title: \"第三轮\"\n  date: 2021-10-25\n  draft: true\n")
    assert run_cli("check", "--site", str(minimal_site)).returncode == 0


def test_new_round_refuses_bad_requests_and_changes_nothing(minimal_site):
    before = (minimal_site / "site.yaml").read_bytes()
    cases = [
        (["r2", "--title", "x", "--date", "2021-10-25"], "already listed"),
        (["r3", "--title", "x", "--date", "2021/10/25"], "not a date"),
        (["r3", "--title", "x", "--date", "2021-01-01"], "before the latest round"),
        (["第三轮", "--title", "x", "--date", "2021-10-25"], "not a plain name"),
    ]
    for args, message in cases:
        result = run_cli("new-round", *args, "--site", str(minimal_site))
        assert result.returncode == 1, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert (minimal_site / "site.yaml").read_bytes() == before
    assert not (minimal_site / "content/r3").exists()


def test_new_round_refuses_an_invalid_site(minimal_site):
    write_site(minimal_site, {"content/r2/u1.yaml": "projects: [{id: p1}]\n"})
    result = run_cli("new-round", "r3", "--title", "x", "--date", "2021-10-25", "--site", str(minimal_site))
    assert result.returncode == 1
    assert "content/r2/u1.yaml:1:12" in result.stderr
    assert not (minimal_site / "content/r3").exists()


def test_a_new_round_does_not_carry_the_last_rounds_corrections(minimal_site):
    """Corrections belong to the round they were declared in: the copies leave them out, every
    other line kept as written, and the site still checks."""
    from test_ledger import declare, edit
    assert run_cli("publish", "r2", "--site", str(minimal_site)).returncode == 0
    edit(minimal_site, "content/r2/u1.yaml", "全部更换完毕", "更换八成")
    declare(minimal_site, "content/r2/u1.yaml", ("2021-09-01", "核实有误", "p1"))
    assert run_cli("check", "--site", str(minimal_site)).returncode == 0
    result = run_cli("new-round", "r3", "--title", "第三轮", "--date", "2021-10-25", "--site", str(minimal_site))
    assert result.returncode == 0, result.stderr
    original = (minimal_site / "content/r2/u1.yaml").read_text(encoding="utf-8")
    copy = (minimal_site / "content/r3/u1.yaml").read_text(encoding="utf-8")
    assert "corrections:" in original and "corrections:" not in copy
    assert copy == ("# yaml-language-server: $schema=../../schemas/unit.schema.json\n"  # the editor's schema line
                    + original[:original.index("corrections:")])
    check = run_cli("check", "--site", str(minimal_site))
    assert check.returncode == 0, check.stderr
