"""Quality gate: every built page is valid HTML and the stylesheet is valid CSS (Nu Html Checker).

The checker is the npm package vnu-jar pinned in tests/tools/package.json (`npm ci --prefix tests/tools`);
it needs java. Both are installed by .ci/run; on a laptop without them these tests skip, in CI they fail.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, require_tool, run_cli

VNU_JAR = ROOT / "tests" / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
STYLESHEET = ROOT / "static" / "style.css"


def english_site(site_dir: Path) -> Path:
    """Switch a written site to the English interface (site.yaml `language: en`)."""
    config_path = site_dir / "site.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["language"] = "en"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return site_dir


def require_vnu() -> None:
    require_tool(shutil.which("java") is not None, "java (Debian package default-jre-headless)")
    require_tool(VNU_JAR.is_file(), f"the Nu Html Checker {VNU_JAR.relative_to(ROOT)} (npm ci --prefix tests/tools)")


def run_vnu(*args: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """Run vnu.jar with --errors-only --format json; the JSON report is written to stderr."""
    result = subprocess.run(["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *args],
                            capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    try:
        report = json.loads(result.stderr)
    except json.JSONDecodeError:
        pytest.fail(f"vnu.jar wrote no JSON report (exit {result.returncode}):\n"
                    f"stdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-2000:]}")
    return result, report.get("messages", [])


def describe(messages: list[dict], roots: dict[str, Path]) -> str:
    """One line per message: site/relative file:line:column: [type] message  «extract»."""
    lines = []
    for message in messages:
        url = message.get("url", "")
        where = url
        if url.startswith("file:"):
            path = Path(url[len("file:"):])
            for name, root in roots.items():
                if path.is_relative_to(root):
                    where = f"{name}/{path.relative_to(root)}"
                    break
        line = message.get("lastLine", message.get("firstLine", "?"))
        column = message.get("firstColumn", message.get("lastColumn", "?"))
        extract = " ".join(message.get("extract", "").split())
        lines.append(f"{where}:{line}:{column}: [{message.get('type')}] {message.get('message')}"
                     + (f"  «{extract}»" if extract else ""))
    return "\n".join(lines)


@pytest.fixture
def minimal_build_en(minimal_site: Path, tmp_path: Path) -> Path:
    """The minimal site (dropped project, a unit with no file in r2, a target over 100 %) built in English."""
    out = tmp_path / "minimal-en"
    result = run_cli("build", "--site", str(english_site(minimal_site)), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert 'lang="en"' in (out / "index.html").read_text(encoding="utf-8")
    return out


def test_every_page_of_both_sites_is_valid_html(sample_build: Path, minimal_build_en: Path, corrected_build: Path,
                                                draft_preview_build: Path):
    """The sample, the minimal site in English, a site with every kind of correction notice, and a
    preview with a draft round's marks."""
    require_vnu()
    roots = {"sample": sample_build, "minimal-en": minimal_build_en, "corrected": corrected_build,
             "draft": draft_preview_build}
    files = [path for root in roots.values() for path in sorted(root.rglob("*.html"))]
    # Every template kind must be among the checked files, or the check proves nothing.
    for root in roots.values():
        for kind in ("index.html", "search.html", "rounds/*/index.html", "rounds/*/*.html",
                     "units/*.html", "units/index.html", "projects/*/*.html"):
            assert list(root.glob(kind)), f"no {kind} in {root}"
    result, messages = run_vnu(*map(str, files))
    print(f"Nu Html Checker: {len(messages)} messages in {len(files)} pages")
    assert not messages, (f"the Nu Html Checker found {len(messages)} problem(s) in {len(files)} pages:\n"
                          + describe(messages, roots))
    assert result.returncode == 0, f"vnu.jar exited {result.returncode}:\n{result.stderr[-2000:]}"


def test_stylesheet_is_valid_css():
    require_vnu()
    result, messages = run_vnu("--css", str(STYLESHEET))
    assert not messages, (f"the Nu Html Checker found {len(messages)} problem(s) in static/style.css:\n"
                          + describe(messages, {"static": STYLESHEET.parent}))
    assert result.returncode == 0, f"vnu.jar exited {result.returncode}:\n{result.stderr[-2000:]}"


def test_the_checker_reports_errors(tmp_path: Path):
    """Guard against a silent gate: a broken page and a broken stylesheet are both reported."""
    require_vnu()
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html lang=en><head><title>x</title></head>"
                    "<body><p><div>unclosed</p></body></html>", encoding="utf-8")
    sheet = tmp_path / "broken.css"
    sheet.write_text("a { colr: red; }\n", encoding="utf-8")
    _, html_messages = run_vnu(str(page))
    _, css_messages = run_vnu("--css", str(sheet))
    assert any(m.get("type") == "error" for m in html_messages), html_messages
    assert any(m.get("type") == "error" for m in css_messages), css_messages
