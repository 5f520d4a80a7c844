"""Shared fixtures: the sample site built once, small sites written from dicts, the real CLI."""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_tool(found: bool, what: str) -> None:
    """Skip on a laptop that lacks a tool; in CI a missing tool is a failure, never a skip."""
    if found:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI (.ci/run installs it)")
    pytest.skip(f"{what} is not installed")


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None,
            lang: str | None = "en") -> subprocess.CompletedProcess:
    """Run `python build.py ...` as staff would, capturing its output. Messages in English
    unless `lang` says otherwise (None: the language the CLI chooses itself)."""
    language = ["--lang", lang] if lang else []
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *language, *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300)


def readable_bytes(path: Path) -> bytes:
    """A built file's bytes as its reader gets them: a .gz (data/projects.json.gz) decompressed,
    so a test looking for text that must not leak finds it there too."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


# One file of the search index: a classic script that is exactly one call BULLETIN_SEARCH(name, JSON).
INDEX_PART = re.compile(r'BULLETIN_SEARCH\(("(?:[^"\\]|\\.)*"),(.*)\);\n', re.S)


def index_part(data: bytes) -> tuple[str, object]:
    """(name, data) of one file of the search index, checked to be one inert call: nothing in it
    could end the script ('</script>', '<!--') or a line of it (U+2028, U+2029) early, and its
    data is JSON: values, never code."""
    text = data.decode("utf-8")
    assert "<" not in text, f"'<' must be escaped in a script: {text[:200]!r}"
    assert "\u2028" not in text and "\u2029" not in text, text[:200]
    found = INDEX_PART.fullmatch(text)
    assert found, f"not one BULLETIN_SEARCH(name, data) call: {text[:160]!r}"
    return json.loads(found.group(1)), json.loads(found.group(2))


def build_site(site: Path, out: Path, *options: str, lang: str | None = "en") -> Path:
    """`python build.py build --site SITE --out OUT [options]`, which must succeed without a
    traceback; the output folder."""
    result = run_cli("build", "--site", str(site), "--out", str(out), *options, lang=lang)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return out


def read_lines(stream, lines: "queue.Queue[str]") -> None:
    """Every line a running command prints, into `lines` (run it in a thread)."""
    for line in stream:
        lines.put(line.rstrip("\n"))


def wait_for_line(lines: "queue.Queue[str]", pattern: str, seen: list[str], timeout: float = 60) -> str:
    """The first line matching `pattern`; every line read is added to `seen`, shown on failure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if re.search(pattern, line):
            return line
    raise AssertionError(f"no line matching {pattern!r}; output so far:\n" + "\n".join(seen))


@contextlib.contextmanager
def serving(site: Path, out: Path | None = None) -> Iterator[tuple[str, "queue.Queue[str]", list[str]]]:
    """`build.py serve` on a free port, in English: (its address, ending in /; its output read line
    by line; the lines seen so far). Without `out` it previews into its own default folder.
    Stopped on leaving."""
    command = [sys.executable, str(ROOT / "build.py"), "--lang", "en", "serve", "--site", str(site), "--port", "0"]
    process = subprocess.Popen(command + (["--out", str(out)] if out else []), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        address = wait_for_line(lines, r"http://127\.0\.0\.1:\d+/", seen)
        yield re.search(r"http://127\.0\.0\.1:\d+/", address).group(0), lines, seen
    finally:
        process.terminate()
        process.wait(timeout=10)


def write_site(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write a small site from {relative path: text}; text is dedented."""
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(data).lstrip("\n"), encoding="utf-8")
    return folder


MINIMAL_SITE = {
    "site.yaml": """
        title: 测试区民生实事公示
        publisher: 测试区办公室
        supervision:
          phone: 0000-1234567
          note: 欢迎监督
        rounds:
          - id: r1
            title: 第一轮
            date: 2021-06-30
          - id: r2
            title: 第二轮
            date: 2021-08-24
        """,
    "content/units.yaml": """
        units:
          - id: u1
            name: 甲单位
            group: 区直部门
            order: 1
          - id: town
            name: 乙镇
            group: 镇乡街
            order: 2
        """,
    "content/r1/u1.yaml": """
        projects:
          - id: p1
            title: 路灯修复
            status: in_progress
            progress: 正在采购灯泡
          - id: p2
            title: 车位划线
            status: not_started
            progress: 尚未开始
          - id: p3
            title: 垃圾清运
            status: completed
            progress: 已清运
        """,
    "content/r2/u1.yaml": """
        projects:
          - id: p1
            title: 路灯修复
            status: completed
            progress: 全部更换完毕
            funding: {amount: 5000, unit: 元}
          - id: p4
            title: 新项目
            status: in_progress
            progress: 新增
            target: {name: 车位, planned: 10, done: 28, unit: 个}
        """,
    "content/r1/town.yaml": """
        projects:
          - id: t1
            title: 供暖改造
            status: in_progress
            progress: 施工中
        """,
}


@pytest.fixture
def minimal_site(tmp_path: Path) -> Path:
    """A two-round, two-unit site: p2 is dropped in r2, p3 completed then absent, town sends nothing in r2."""
    return write_site(tmp_path / "site", MINIMAL_SITE)


@pytest.fixture
def chinese(monkeypatch):
    """Messages in Chinese for one test, English (the msgid) again after it."""
    from bulletin.messages import activate
    monkeypatch.setenv("LANGUAGE", os.environ.get("LANGUAGE", ""))
    activate("zh-CN")
    yield
    activate("en")


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Path:
    """The shipped sample site, built once through the real CLI into a temporary folder."""
    out = tmp_path_factory.mktemp("sample") / "public"
    result = run_cli("build", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def draft_preview_build(tmp_path_factory) -> Path:
    """A copy of the sample with a third round started by `new-round` (a draft, one project moved
    on), built as a preview with `build --drafts`: every page that shows the draft is marked."""
    site = tmp_path_factory.mktemp("draft") / "site"
    site.mkdir()
    shutil.copy2(ROOT / "site.yaml", site / "site.yaml")
    shutil.copytree(ROOT / "content", site / "content")
    started = run_cli("new-round", "2021-3", "--title", "第三轮公布", "--date", "2021-10-25", "--site", str(site))
    assert started.returncode == 0, started.stderr
    out = site / "preview"
    result = run_cli("build", "--drafts", "--site", str(site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "draft-notice" in (out / "rounds" / "2021-3" / "index.html").read_text(encoding="utf-8")
    return out


_STATE_MISSING = re.compile(r"^(\S+?):(\d+):\d+: correction \d+: state is missing: add state: ([a-p]{12}) ")


def corrected_site(folder: Path) -> Path:
    """The minimal site with r1 published, then corrected every way staff can: a project corrected,
    a text redacted (a mobile number published by mistake), a unit's name and the hotline corrected
    under the round in site.yaml. Each correction gets the state `check` names, as staff write it."""
    site = write_site(folder, MINIMAL_SITE)
    unit_file = site / "content/r1/u1.yaml"
    unit_file.write_text(unit_file.read_text(encoding="utf-8").replace(
        "progress: 尚未开始", "progress: 尚未开始，联系人电话13900001111"), encoding="utf-8")
    published = run_cli("publish", "r1", "--site", str(site))
    assert published.returncode == 0, published.stderr
    unit_file.write_text(unit_file.read_text(encoding="utf-8").replace(
        "status: in_progress\n    progress: 正在采购灯泡", "status: completed\n    progress: 已全部更换")
        + "corrections:\n  - date: 2021-07-05\n    reason: 经核实，状态公布有误\n    project: p1\n"
        "  - date: 2021-07-08\n    reason: 误公布个人信息\n    project: p2\n    redact: \"13900001111\"\n",
        encoding="utf-8")
    settings = site / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "    date: 2021-06-30\n", "    date: 2021-06-30\n    corrections:\n"
        "      - date: 2021-07-06\n        reason: 监督电话公布有误\n        field: supervision.phone\n"
        "        value: 0000-7654321\n"
        "      - date: 2021-07-06\n        reason: 单位名称公布有误\n        unit: u1\n        field: name\n"
        "        value: 甲单位（更正）\n", 1), encoding="utf-8")
    checked = run_cli("check", "--site", str(site))
    lines = unit_file.read_text(encoding="utf-8").split("\n")
    missing = [m for m in map(_STATE_MISSING.match, checked.stderr.splitlines()) if m]
    assert missing, checked.stderr
    for match in sorted(missing, key=lambda m: -int(m.group(2))):  # from the bottom: line numbers stay right
        lines.insert(int(match.group(2)), f"    state: {match.group(3)}")
    unit_file.write_text("\n".join(lines), encoding="utf-8")
    checked = run_cli("check", "--site", str(site))
    assert checked.returncode == 0, checked.stderr
    return site


@pytest.fixture(scope="session")
def corrected_build(tmp_path_factory) -> Path:
    """corrected_site built once through the real CLI."""
    root = tmp_path_factory.mktemp("corrected")
    out = root / "public"
    result = run_cli("build", "--site", str(corrected_site(root / "site")), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert not [p for p in out.rglob("*") if p.is_file() and b"13900001111" in readable_bytes(p)]
    return out


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass


@contextlib.contextmanager
def serve_folder(root: Path) -> Iterator[str]:
    """A plain static server for `root` on 127.0.0.1 at a free port; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, name=f"serve-{root.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, shared by every browser test."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    require_tool(sync_playwright is not None, "playwright (pip install -r requirements-dev.txt)")
    executable = chromium_path()
    require_tool(executable is not None, "chromium (Debian package chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


BROWSER_TIMEOUT_MS = 30_000


def _icon_left_behind(request) -> bool:
    """The browser fetches the tab's icon on its own and drops the request when the test moves on
    to the next page (net::ERR_ABORTED): not a file of the site failing. A missing icon still
    fails (ERR_FILE_NOT_FOUND, or HTTP 404)."""
    return request.url.endswith("/favicon.svg") and request.failure == "net::ERR_ABORTED"


@pytest.fixture
def page(browser):
    """A fresh desktop-sized page; the test fails if the page throws, or a file of the site is
    missing or fails to load."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: not _icon_left_behind(request)
            and errors.append(f"failed: {request.url} {request.failure}"))
    page.on("response", lambda response: response.status >= 400 and not response.url.endswith("/favicon.ico")
            and errors.append(f"HTTP {response.status}: {response.url}"))
    try:
        yield page
    finally:
        context.close()
    assert not errors, errors


def english_site(folder: Path) -> Path:
    """The minimal site (see MINIMAL_SITE) with an English interface, written into `folder`."""
    site = write_site(folder, MINIMAL_SITE)
    config = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    config["language"] = "en"
    (site / "site.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return site
