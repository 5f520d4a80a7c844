"""Local preview: build, serve on 127.0.0.1, rebuild when anything the site depends on changes.

While content is broken the last good build stays served and the problems
are printed; the next save that fixes them rebuilds. Changes are found by
polling file times, which works the same on every system and needs no
extra dependency.
"""

from __future__ import annotations

import html
import http
import http.server
import io
import os
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import click

from .builder import BUILD_PROBLEMS, build_site
from .config import load_site_config
from .i18n import Translator, load_translator
from .layout import BUNDLED_TEMPLATES, CONTENT, SITE_FILE, STATIC, TEMPLATES, overridable
from .messages import _, ngettext
from .output_rule import check_output_folder, preview_folder
from .problems import ContentError

POLL_SECONDS = 0.5

Snapshot = dict[str, tuple[int, int]]


def watched_files(site_dir: Path) -> Snapshot:
    """Modification time and size of every file a build reads."""
    roots = [site_dir / CONTENT, *overridable(site_dir, TEMPLATES), *overridable(site_dir, STATIC)]
    paths = [site_dir / SITE_FILE]
    for root in dict.fromkeys(root.resolve() for root in roots):
        if root.is_dir():
            paths += [path for path in root.rglob("*") if path.is_file()]
    snapshot: Snapshot = {}
    for path in paths:
        try:
            stat = path.stat()
        except OSError:  # deleted while we looked: the next poll sees it
            continue
        snapshot[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return snapshot


@dataclass
class PreviewState:
    """The last build's problems, shown on every served page until a build succeeds; or the
    warnings of the last build that succeeded, shown until a build has none."""

    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    warnings: list[str] = field(default_factory=list)
    version: int = 0  # rebuilds so far: an open page reloads when it changes (RELOAD_SCRIPT)

    def set(self, problems: list[str], warnings: list[str] | None = None) -> None:
        with self.lock:
            self.version += 1
            self.problems = list(problems)
            self.warnings = list(warnings or [])  # while content is broken, none are known

    def get(self) -> list[str]:
        with self.lock:
            return list(self.problems)

    def get_warnings(self) -> list[str]:
        with self.lock:
            return list(self.warnings)


def rebuild(site_dir: Path, out_dir: Path, echo: Callable[[str], None], state: PreviewState | None = None) -> bool:
    problems: list[str] = []
    try:
        report = build_site(site_dir, out_dir, drafts=True)  # a preview: draft rounds included, marked
    except ContentError as error:
        problems = [str(problem) for problem in error.problems]
    except BUILD_PROBLEMS as error:
        problems = [str(error)]
    warnings = [] if problems else [str(warning) for warning in report.warnings]
    if state is not None:
        state.set(problems, warnings)
    if problems:
        for line in problems:
            echo(line)
        echo(ngettext("{count} problem; still serving the last good build.",
                      "{count} problems; still serving the last good build.", len(problems)))
        return False
    for line in warnings:
        echo(line)
    if warnings:
        echo(ngettext("{count} warning (the build went on)", "{count} warnings (the build went on)", len(warnings)))
    echo(_("Built {pages} pages in {seconds} s.", pages=report.pages, seconds=f"{report.seconds:.2f}"))
    return True


def error_banner(problems: list[str], translator: Translator) -> bytes:
    lines = "\n".join(html.escape(line) for line in problems)
    return (f'<div class="build-error" role="alert"><p><strong>{html.escape(translator("serve_error_heading"))}'
            f'</strong></p><pre>{lines}</pre></div>').encode("utf-8")


def warning_banner(warnings: list[str]) -> bytes:
    """Staff's own message (never published): the site was built, but these look like mistakes."""
    lines = "\n".join(html.escape(line) for line in warnings)
    heading = ngettext("The site was built, with {count} warning: a likely mistake to look at before publishing.",
                       "The site was built, with {count} warnings: likely mistakes to look at before publishing.",
                       len(warnings))
    # Styled by the site's style.css: the pages' CSP (style-src 'self') ignores a style attribute.
    return (f'<div class="build-warning" role="status"><p><strong>{html.escape(heading)}</strong></p>'
            f'<pre>{lines}</pre></div>').encode("utf-8")


def _preview_translator(site_dir: Path) -> Translator:
    """The interface language of the preview's own messages, even when site.yaml is broken."""
    try:
        language = load_site_config(site_dir)[0].language
    except ContentError:
        language = "zh-CN"
    return load_translator(language, [BUNDLED_TEMPLATES], site_dir)


# The preview's own files, outside the site's output: a build never writes them.
RELOAD_PATH = "/_serve/reload.js"
VERSION_PATH = "/_serve/version"
# Asks for the rebuild count every second and reloads the page when it changed: the page
# follows every save without a click. Same origin, so the pages' CSP (script-src 'self',
# connect-src 'self') allows it; a server that went away is asked again, quietly.
RELOAD_SCRIPT = b"""(function () {
  "use strict";
  var shown = document.currentScript && document.currentScript.getAttribute("data-version");
  function ask() {
    fetch("%s", { cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (version) {
        if (version !== null && shown !== null && version.trim() !== shown) {
          window.location.reload();
          return;
        }
        window.setTimeout(ask, 1000);
      }, function () { window.setTimeout(ask, 2000); });
  }
  window.setTimeout(ask, 1000);
})();
""" % VERSION_PATH.encode("ascii")


def with_reload_script(page: bytes, version: int) -> bytes:
    """A served page with the reload script before its </body> (the served copy only)."""
    tag = f'<script src="{RELOAD_PATH}" data-version="{version}"></script>'.encode("ascii")
    at = page.rfind(b"</body>")
    return page[:at] + tag + page[at:] if at >= 0 else page + tag


def make_handler(out_dir: Path, state: PreviewState, translator: Translator):
    class PreviewHandler(http.server.SimpleHTTPRequestHandler):
        """Serves the last good build; while content is broken, every page says so."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(out_dir.resolve()), **kwargs)

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature of the base class
            pass

        def send_head(self):
            if "\0" in urllib.parse.unquote(self.path):  # no file has such a name; os.stat would raise
                self.send_error(http.HTTPStatus.BAD_REQUEST, "Bad request")
                return None
            problems, warnings = state.get(), state.get_warnings()
            version = state.version  # read before the page: a rebuild while it is sent reloads it again
            requested = urllib.parse.urlsplit(self.path).path
            if requested in (RELOAD_PATH, VERSION_PATH):
                return self.send_own(RELOAD_SCRIPT if requested == RELOAD_PATH else str(version).encode("ascii"),
                                     "text/javascript" if requested == RELOAD_PATH else "text/plain")
            path = self.translate_path(self.path)
            if requested.endswith("/") and os.path.isdir(path):
                path = os.path.join(path, "index.html")
            if not path.endswith(".html") or not os.path.isfile(path):
                return super().send_head()
            with open(path, "rb") as page:
                body = page.read()
            at = body.find(b"<body>")
            at = at + len(b"<body>") if at >= 0 else 0
            banner = (error_banner(problems, translator) if problems
                      else warning_banner(warnings) if warnings else b"")
            body = with_reload_script(body[:at] + banner + body[at:], version)
            return self.send_own(body, "text/html")

        def send_own(self, body: bytes, content_type: str):
            self.send_response(200)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            return io.BytesIO(body)

    return PreviewHandler


class ServeProblem(Exception):
    """The preview cannot be served; the message says why."""


def serve_site(site_dir: Path, out_dir: Path | None, port: int) -> None:
    """Build with the draft rounds into out_dir (None: the site's preview/) and serve it.
    Raises OutputProblem or ServeProblem, before anything is built or served, for public/, an
    output folder a build may not replace, or a port that cannot be used."""
    out_dir = preview_folder(site_dir, out_dir)  # never public/: a preview holds the draft rounds
    check_output_folder(out_dir, site_dir)
    echo = click.echo
    state = PreviewState()
    handler = make_handler(out_dir, state, _preview_translator(site_dir))
    try:  # the port first: a port in use is said at once, not after a build
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as error:
        raise ServeProblem(_("cannot serve on 127.0.0.1 port {port}: {reason} (is another serve running? stop "
                             "it, or choose another --port)", port=port, reason=error.strerror or error)) from None
    rebuild(site_dir, out_dir, echo, state)
    out_dir.mkdir(parents=True, exist_ok=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    echo(_("Serving {folder} at {address} (Ctrl+C to stop); rebuilding on every change.", folder=out_dir,
           address=f"http://127.0.0.1:{server.server_address[1]}/index.html"))
    snapshot = watched_files(site_dir)
    try:
        while True:
            time.sleep(POLL_SECONDS)
            current = watched_files(site_dir)
            if current != snapshot:
                time.sleep(POLL_SECONDS / 2)  # let an editor finish saving
                snapshot = watched_files(site_dir)
                echo(_("Change detected, rebuilding..."))
                rebuild(site_dir, out_dir, echo, state)
    except KeyboardInterrupt:
        echo(_("Stopped."))
    finally:
        server.shutdown()
