"""Command line: python build.py build | check | serve | new-round | publish | archive | verify. The library is bulletin/."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from bulletin import __version__
from bulletin.builder import BUILD_PROBLEMS, build_site, check_site
from bulletin.layout import LEDGER_PATH
from bulletin.newround import NewRoundProblem, new_round
from bulletin.problems import ContentError
from bulletin.progress import Progress
from bulletin.publishing import PublishProblem, publish_round


def site_option(command):
    @click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
                  show_default=True, help="Folder holding site.yaml and content/.")
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        return command(*args, **kwargs)
    return wrapper


def fail(lines: list[str], summary: str) -> None:
    for line in lines:
        click.echo(line, err=True)
    click.echo(summary, err=True)
    sys.exit(1)


def report_failure(error: Exception, action: str) -> None:
    if isinstance(error, ContentError):
        count = len(error.problems)
        fail([str(p) for p in error.problems],
             f"{count} problem{'s' if count != 1 else ''} found; {action}")
    fail([str(error)], action)


@click.group()
@click.version_option(__version__, prog_name="bulletin")
def cli() -> None:
    """Build the transparency bulletins of pledged livelihood projects."""


@cli.command()
@site_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: public/ in the site folder).")
@click.option("--no-search", is_flag=True,
              help="Skip the Pagefind index (faster; the search page then uses its offline data).")
@click.option("--full", is_flag=True,
              help="Build everything again, ignoring what the last build of this folder left to reuse.")
@click.option("--jobs", type=click.IntRange(1, 32), default=None,
              help="Worker processes (default: one per CPU for large sites; env BULLETIN_JOBS).")
def build(site_dir: Path, out_dir: Path | None, no_search: bool, full: bool, jobs: int | None) -> None:
    """Validate all content, then render the site.

    Building again into the same folder rebuilds only the units whose files changed
    and writes only the files whose bytes differ; the result is byte for byte what a
    full build gives."""
    out_dir = out_dir or site_dir / "public"
    progress = Progress()
    try:
        report = build_site(site_dir, out_dir, with_search=not no_search, progress=progress, jobs=jobs,
                            full=full)
    except BUILD_PROBLEMS as error:
        progress.done()
        report_failure(error, f"nothing was written; {out_dir} is unchanged.")
    if report.incremental and not report.written and not report.deleted:
        changed = "nothing changed, nothing written"
    else:
        changed = (f"{report.written} files written, {report.deleted} removed, "
                   f"{report.units_built} of {report.units} units rebuilt")
    click.echo(f"Built {report.rounds} rounds, {report.units} units, {report.projects} projects "
               f"({report.entries} entries), {report.pages} pages in {report.seconds:.2f} s -> {out_dir} "
               f"({changed})")


@cli.command()
@site_option
def check(site_dir: Path) -> None:
    """Validate all content without writing anything."""
    try:
        rounds, units, entries = check_site(site_dir, Progress())
    except ContentError as error:
        report_failure(error, "fix them and run check again.")
    click.echo(f"OK: {rounds} rounds, {units} units, {entries} project entries.")


@cli.command()
@site_option
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: public/ in the site folder).")
def serve(site_dir: Path, port: int, out_dir: Path | None) -> None:
    """Build, serve on 127.0.0.1, and rebuild when anything changes."""
    from bulletin.output import OutputProblem
    from bulletin.serve import ServeProblem, serve_site
    try:
        serve_site(site_dir, out_dir or site_dir / "public", port)
    except (OutputProblem, ServeProblem) as error:
        report_failure(error, "nothing was built or served.")


@cli.command()
@site_option
@click.argument("round_id")
def publish(site_dir: Path, round_id: str) -> None:
    """Freeze round ROUND_ID: record its files in the ledger, so later edits are refused
    unless declared as corrections."""
    try:
        published = publish_round(site_dir, round_id)
    except (ContentError, PublishProblem) as error:
        report_failure(error, "nothing was recorded.")
    click.echo(f"Round {round_id} is published: {len(published.files)} unit files and its site.yaml entry "
               f"recorded in {LEDGER_PATH} (entry SHA-256 {published.digest[:16]}...). Commit {LEDGER_PATH} "
               "with the content.")


@cli.command()
@site_option
@click.argument("round_id", required=False)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the bundle (default: archives/ in the site folder).")
def archive(site_dir: Path, round_id: str | None, out_dir: Path | None) -> None:
    """Write a published round (default: the latest) as a BagIt zip bundle."""
    from bulletin.archive import ArchiveProblem, make_archive
    try:
        bundle = make_archive(site_dir, round_id, out_dir or site_dir / "archives")
    except (*BUILD_PROBLEMS, ArchiveProblem) as error:
        report_failure(error, "no archive was written.")
    click.echo(bundle)


@cli.command()
@click.argument("bundle", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def verify(bundle: Path) -> None:
    """Check an archived bundle: name every altered, missing or extra file."""
    from bulletin.verify import ArchiveProblem, verify_archive
    try:
        report = verify_archive(bundle)
    except ArchiveProblem as error:
        report_failure(error, "the bundle cannot be verified.")
    for kind, paths in (("altered", report.altered), ("missing", report.missing), ("extra", report.extra)):
        for path in paths:
            click.echo(f"{kind}: {path}", err=True)
    for message in report.other:
        click.echo(message, err=True)
    if not report.ok:
        click.echo(f"{bundle}: NOT valid", err=True)
        sys.exit(1)
    click.echo(f"{bundle}: valid ({report.files} files match the SHA-256 manifest)")


@cli.command("new-round")
@site_option
@click.argument("round_id")
@click.option("--title", required=True, help="Title of the round, e.g. 第三轮公布.")
@click.option("--date", "date_text", required=True, help="Publication date, e.g. 2021-10-25.")
def new_round_command(site_dir: Path, round_id: str, title: str, date_text: str) -> None:
    """Start round ROUND_ID from the latest round's lists."""
    try:
        created = new_round(site_dir, round_id, title, date_text)
    except (ContentError, NewRoundProblem) as error:
        report_failure(error, "no round was added.")
    click.echo(f"Added round {round_id} to site.yaml and copied {len(created)} unit files into "
               f"content/{round_id}/. Rewrite each project's status and progress, then run "
               f"'python build.py build'.")


if __name__ == "__main__":
    cli()
