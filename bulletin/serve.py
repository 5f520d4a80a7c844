"""Local preview: build, serve on 127.0.0.1, rebuild when anything the site depends on changes.

While content is broken the last good build stays served and the problems
are printed; the next save that fixes them rebuilds. Changes are found by
polling file times, which works the same on every system and needs no
extra dependency.
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from pathlib import Path
from typing import Callable

import click

from .builder import BUNDLED_STATIC, BUNDLED_TEMPLATES, build_site
from .output import OutputProblem
from .problems import ContentError
from .render import TemplateProblem
from .search import SearchProblem

POLL_SECONDS = 0.5

Snapshot = dict[str, tuple[int, int]]


def watched_files(site_dir: Path) -> Snapshot:
    """Modification time and size of every file a build reads."""
    roots = [site_dir / "content", site_dir / "templates", site_dir / "static", BUNDLED_TEMPLATES, BUNDLED_STATIC]
    paths = [site_dir / "site.yaml"]
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


def rebuild(site_dir: Path, out_dir: Path, echo: Callable[[str], None]) -> bool:
    try:
        report = build_site(site_dir, out_dir)
    except ContentError as error:
        for problem in error.problems:
            echo(str(problem))
        echo(f"{len(error.problems)} problem(s); still serving the last good build.")
        return False
    except (TemplateProblem, OutputProblem, SearchProblem) as error:
        echo(f"{error}\nStill serving the last good build.")
        return False
    echo(f"Built {report.pages} pages in {report.seconds:.2f} s.")
    return True


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature of the base class
        pass


def serve_site(site_dir: Path, out_dir: Path, port: int) -> None:
    echo = click.echo
    rebuild(site_dir, out_dir, echo)
    out_dir.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_QuietHandler, directory=str(out_dir.resolve()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
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
                rebuild(site_dir, out_dir, echo)
    except KeyboardInterrupt:
        echo("Stopped.")
    finally:
        server.shutdown()
