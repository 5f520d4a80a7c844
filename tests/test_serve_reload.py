"""serve: an open page reloads itself after a rebuild, through a script only the preview serves.

The handler adds `<script src="/_serve/reload.js">` to every page it serves and answers
/_serve/version with the rebuild count; the built files (public/ and the preview folder on
disk) never hold the script. In a real browser, a saved title shows on the open page by itself.
"""

from __future__ import annotations

import contextlib
import http.server
import re
import threading
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from conftest import MINIMAL_SITE, ROOT, run_cli, serving, write_site

from bulletin.serve import RELOAD_PATH, VERSION_PATH, PreviewState, _preview_translator, make_handler

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - only on a machine without requirements-dev.txt
    expect = None

SCRIPT_TAG = re.compile(r'<script src="/_serve/reload\.js" data-version="(\d+)"></script></body>')


def _get(url: str) -> tuple[str, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.headers.get("Content-Type", ""), response.read()


@contextlib.contextmanager
def _preview_handler(site: Path, out: Path, state: PreviewState) -> Iterator[str]:
    """serve's own request handler for `out`, on a free port; yields its base URL."""
    handler = make_handler(out, state, _preview_translator(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def built_site(tmp_path: Path) -> tuple[Path, Path]:
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    out = tmp_path / "public"
    result = run_cli("build", "--site", str(site), "--out", str(out), "--no-search")
    assert result.returncode == 0, result.stderr
    return site, out


def test_the_preview_adds_the_reload_script_to_every_page_and_counts_rebuilds(built_site):
    site, out = built_site
    state = PreviewState()
    state.set([])  # the first build
    with _preview_handler(site, out, state) as base:
        kind, page = _get(base + "/projects/u1/p1.html")
        assert kind.startswith("text/html")
        text = page.decode("utf-8")
        assert text.count("/_serve/reload.js") == 1
        assert SCRIPT_TAG.search(text).group(1) == "1", "the script sits just before </body>, with the version"
        assert "路灯修复" in text
        # the rest of the page is the built file, byte for byte
        assert SCRIPT_TAG.sub("</body>", text) == (out / "projects/u1/p1.html").read_text(encoding="utf-8")
        # a folder's index page too
        assert SCRIPT_TAG.search(_get(base + "/rounds/r1/")[1].decode("utf-8"))

        kind, script = _get(base + RELOAD_PATH)
        assert kind.startswith("text/javascript")
        assert VERSION_PATH.encode() in script and b"location.reload" in script
        assert _get(base + VERSION_PATH)[1] == b"1"
        state.set([])  # a rebuild
        assert _get(base + VERSION_PATH)[1] == b"2"
        assert SCRIPT_TAG.search(_get(base + "/index.html")[1].decode("utf-8")).group(1) == "2"

        # other files are served as built
        css = next(out.rglob("*.css"))
        assert _get(base + "/" + css.relative_to(out).as_posix())[1] == css.read_bytes()


def test_a_broken_build_still_gets_the_script_beside_its_banner(built_site):
    site, out = built_site
    state = PreviewState()
    state.set(["content/r1/u1.yaml:3:5: projects[0].status: 'done' is not one of ..."])
    with _preview_handler(site, out, state) as base:
        text = _get(base + "/index.html")[1].decode("utf-8")
    assert 'class="build-error"' in text
    assert SCRIPT_TAG.search(text)


def test_built_output_never_holds_the_reload_script(built_site):
    _, out = built_site
    files = [path for path in out.rglob("*") if path.is_file()]
    assert any(path.suffix == ".html" for path in files)
    assert not [path for path in files if b"_serve/" in path.read_bytes()]


def test_the_pages_allow_the_script_and_its_requests():
    """The reload script is a file of the same origin, and asks the same origin: what the pages'
    Content-Security-Policy allows (no inline script, no other host)."""
    base = (ROOT / "templates/base.html").read_text(encoding="utf-8")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', base).group(1)
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert "'self'" in directives["script-src"]
    assert "'self'" in directives.get("connect-src", directives["default-src"])


# --- in a real browser ----------------------------------------------------------------------------------


def test_an_open_page_shows_a_saved_title_by_itself(browser, tmp_path):
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    out = tmp_path / "preview"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on("console", lambda message: message.type == "error" and "ERR_CONNECTION_REFUSED" not in message.text
            and errors.append(f"console: {message.text}"))
    navigations: list[str] = []
    try:
        with serving(site, out) as (base, lines, seen):
            page.goto(base + "projects/u1/p1.html")
            expect(page.locator("h1")).to_have_text("路灯修复")
            page.on("framenavigated", lambda frame: frame == page.main_frame and navigations.append(frame.url))

            unit_file = site / "content/r2/u1.yaml"
            unit_file.write_text(unit_file.read_text(encoding="utf-8").replace(
                "title: 路灯修复", "title: 路灯修复（第二批）", 1), encoding="utf-8")

            expect(page.locator("h1")).to_have_text("路灯修复（第二批）", timeout=10_000)
            expect(page).to_have_title(re.compile("^路灯修复（第二批）"))
            assert navigations == [base + "projects/u1/p1.html"], "the page reloaded itself, once, in place"
        # the server is gone: the page stays as it is, and keeps asking without an error
        page.wait_for_timeout(3_000)
        expect(page.locator("h1")).to_have_text("路灯修复（第二批）")
    finally:
        context.close()
    assert not errors, errors
    assert not [path for path in out.rglob("*.html") if b"_serve/" in path.read_bytes()], \
        "the preview's files on disk hold no reload script: only the served copy does"
