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
from .output_rule import check_output_folder
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
    """The last build's problems, shown on every served page until a build succeeds."""

    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, problems: list[str]) -> None:
        with self.lock:
            self.problems = list(problems)

    def get(self) -> list[str]:
        with self.lock:
            return list(self.problems)


def rebuild(site_dir: Path, out_dir: Path, echo: Callable[[str], None], state: PreviewState | None = None) -> bool:
    problems: list[str] = []
    try:
        report = build_site(site_dir, out_dir)
    except ContentError as error:
        problems = [str(problem) for problem in error.problems]
    except BUILD_PROBLEMS as error:
        problems = [str(error)]
    if state is not None:
        state.set(problems)
    if problems:
        for line in problems:
            echo(line)
        echo(f"{len(problems)} problem(s); still serving the last good build.")
        return False
    echo(f"Built {report.pages} pages in {report.seconds:.2f} s.")
    return True


def error_banner(problems: list[str], translator: Translator) -> bytes:
    lines = "\n".join(html.escape(line) for line in problems)
    return (f'<div class="build-error" role="alert"><p><strong>{html.escape(translator("serve_error_heading"))}'
            f'</strong></p><pre>{lines}</pre></div>').encode("utf-8")


def _preview_translator(site_dir: Path) -> Translator:
    """The interface language of the preview's own messages, even when site.yaml is broken."""
    try:
        language = load_site_config(site_dir)[0].language
    except ContentError:
        language = "zh-CN"
    return load_translator(language, [BUNDLED_TEMPLATES], site_dir)


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
            problems = state.get()
            path = self.translate_path(self.path)
            if not problems or not path.endswith(".html") or not os.path.isfile(path):
                return super().send_head()
            with open(path, "rb") as page:
                body = page.read()
            at = body.find(b"<body>")
            at = at + len(b"<body>") if at >= 0 else 0
            body = body[:at] + error_banner(problems, translator) + body[at:]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            return io.BytesIO(body)

    return PreviewHandler


class ServeProblem(Exception):
    """The preview cannot be served; the message says why."""


def serve_site(site_dir: Path, out_dir: Path, port: int) -> None:
    """Raises OutputProblem or ServeProblem, before anything is built or served, for an
    output folder a build may not replace or a port that cannot be used."""
    check_output_folder(out_dir, site_dir)
    echo = click.echo
    state = PreviewState()
    handler = make_handler(out_dir, state, _preview_translator(site_dir))
    try:  # the port first: a port in use is said at once, not after a build
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as error:
        raise ServeProblem(f"cannot serve on 127.0.0.1 port {port}: {error.strerror or error} (is another "
                           "serve running? stop it, or choose another --port)") from None
    rebuild(site_dir, out_dir, echo, state)
    out_dir.mkdir(parents=True, exist_ok=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    echo(f"Serving {out_dir} at http://127.0.0.1:{server.server_address[1]}/index.html "
         "(Ctrl+C to stop); rebuilding on every change.")
    snapshot = watched_files(site_dir)
    try:
        while True:
            time.sleep(POLL_SECONDS)
            current = watched_files(site_dir)
            if current != snapshot:
                time.sleep(POLL_SECONDS / 2)  # let an editor finish saving
                snapshot = watched_files(site_dir)
                echo("Change detected, rebuilding...")
                rebuild(site_dir, out_dir, echo, state)
    except KeyboardInterrupt:
        echo("Stopped.")
    finally:
        server.shutdown()
