"""The command line as staff use it: summaries, exit codes, --site, and a safe output folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import run_cli, write_site


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_prints_a_summary(minimal_site, tmp_path):
    result = run_cli("build", "--site", str(minimal_site), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "2 rounds, 2 units, 5 projects" in result.stdout
    assert "pages in" in result.stdout


def test_build_defaults_to_public_in_the_site_folder(minimal_site, tmp_path):
    result = run_cli("build", cwd=minimal_site)
    assert result.returncode == 0, result.stderr
    assert (minimal_site / "public/index.html").is_file()


def test_no_search_is_still_accepted_and_makes_the_same_site(minimal_site, tmp_path):
    """Districts' scripts run `build --no-search` (it once left the search index out): it still works and
    makes the same files, the search index included, but `build --help` no longer offers it."""
    plain, scripted = tmp_path / "plain", tmp_path / "scripted"
    assert run_cli("build", "--site", str(minimal_site), "--out", str(plain)).returncode == 0
    result = run_cli("build", "--no-search", "--site", str(minimal_site), "--out", str(scripted))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "2 rounds, 2 units, 5 projects" in result.stdout
    files = tree_digest(plain)
    assert {"search.html", "search/index.js", "search/units/u1.js"} <= set(files)
    assert tree_digest(scripted) == files
    shown = run_cli("build", "--help")
    assert shown.returncode == 0 and "--full" in shown.stdout and "--drafts" in shown.stdout, shown.stdout
    assert "--no-search" not in shown.stdout and "search" not in shown.stdout.lower(), shown.stdout


def test_check_validates_without_writing(minimal_site):
    result = run_cli("check", "--site", str(minimal_site))
    assert result.returncode == 0
    assert "OK" in result.stdout
    assert not (minimal_site / "public").exists()


def test_failed_build_leaves_previous_output_untouched(minimal_site, tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", "--site", str(minimal_site), "--out", str(out)).returncode == 0
    before = tree_digest(out)
    write_site(minimal_site, {"content/r2/u1.yaml": """
        projects:
          - id: p1
            title: 路灯修复
            status: done
            progress: x
        """, "content/r1/town.yaml": "projects: [{id: t1, title: 供暖, status: completed}]\n"})
    result = run_cli("build", "--site", str(minimal_site), "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert "content/r1/town.yaml:1:12: item 1 \"供暖\": missing required field 'progress'" in lines
    assert any(line.startswith("content/r2/u1.yaml:4:5: item 1 \"路灯修复\" status: 'done' is not a valid status; write 已完成")
               for line in lines)
    assert "2 problems found; nothing was written" in result.stderr
    assert tree_digest(out) == before
    assert [p.name for p in tmp_path.glob(".out.*")] == [".out.cache"]  # the build cache, kept on purpose


def test_template_error_leaves_previous_output_untouched(minimal_site, tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", "--site", str(minimal_site), "--out", str(out)).returncode == 0
    before = tree_digest(out)
    write_site(minimal_site, {"templates/unit.html": "{% extends 'base.html' %}{% block content %}{{ nope.x }}{% endblock %}"})
    result = run_cli("build", "--site", str(minimal_site), "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "unit.html" in result.stderr
    assert tree_digest(out) == before


def test_output_folder_that_holds_the_site_is_refused(minimal_site):
    result = run_cli("build", "--site", str(minimal_site), "--out", str(minimal_site))
    assert result.returncode == 1
    assert "choose another --out" in result.stderr
    assert (minimal_site / "site.yaml").is_file() and (minimal_site / "content/r1/u1.yaml").is_file()


def test_site_templates_and_static_override_the_bundled_ones_file_by_file(minimal_site, tmp_path):
    write_site(minimal_site, {
        "templates/partials/supervision.html": "<p class='custom-supervision'>{{ config.supervision_phone }}</p>\n",
        "static/style.css": "body { color: black; }\n",
        "static/logo.txt": "district logo\n",
        "templates/i18n/zh-CN.yaml": "nav_home: 返回首页\n",
    })
    out = tmp_path / "out"
    result = run_cli("build", "--site", str(minimal_site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    page = (out / "rounds/r1/u1.html").read_text(encoding="utf-8")
    assert "custom-supervision" in page
    assert "返回首页" in page and "工作进展" in page  # one key overridden, the rest kept
    assert (out / "static/style.css").read_text() == "body { color: black; }\n"
    assert (out / "static/logo.txt").is_file()


def test_missing_site_yaml_is_explained(tmp_path):
    result = run_cli("check", "--site", str(tmp_path))
    assert result.returncode == 1
    assert "site.yaml:1:1: no site.yaml in" in result.stderr
    assert "Traceback" not in result.stderr
