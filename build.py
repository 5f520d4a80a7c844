"""Command line: python build.py build | check | serve | new-round | import | export | publish | archive |
verify | schema. The library is bulletin/."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from bulletin import __version__
from bulletin.config import declared_language
from bulletin.messages import LANGUAGES, _, activate, choose_language, ngettext
from bulletin.builder import BUILD_PROBLEMS, build_site, check_site
from bulletin.layout import LEDGER_PATH, PUBLIC_FOLDER, SITE_FILE
from bulletin.newround import NewRoundProblem, new_round
from bulletin.problems import ContentError
from bulletin.progress import Progress, columns
from bulletin.publishing import PublishProblem, publish_round


def option_value(argv: list[str], name: str) -> str | None:
    """`--name value` or `--name=value` from the command line, before click parses it."""
    for index, argument in enumerate(argv):
        if argument == name and index + 1 < len(argv):
            return argv[index + 1]
        if argument.startswith(name + "="):
            return argument[len(name) + 1:]
    return None


def interface_language(argv: list[str]) -> str:
    """Chosen before the commands are declared, so that their help speaks it too. `verify`
    reads a bundle, not a site: the site.yaml of the folder it runs in says nothing of its reader."""
    site_language = None if "verify" in argv else declared_language(Path(option_value(argv, "--site") or "."))
    return choose_language(option_value(argv, "--lang"), site_language, os.environ)


activate(interface_language(sys.argv[1:]))
# click lines up help by characters; a Chinese character takes two columns on a terminal.
click.formatting.term_len = columns
# What help shows for a value staff type after an option (click's defaults are English words).
FOLDER, NUMBER, TEXT, DATE = _("FOLDER"), _("NUMBER"), _("TEXT"), _("DATE")
OPTIONS = {"options_metavar": _("[OPTIONS]")}


def whole_number(low: int, high: int) -> click.IntRange:
    """An integer option whose type is named in the staff's language in click's errors."""
    bounded = click.IntRange(low, high)
    bounded.name = _("whole number")
    return bounded


def lang_option(command):
    # Read before click runs (interface_language); declared so that click accepts and lists it.
    return click.option("--lang", type=click.Choice(list(LANGUAGES)), default=None, expose_value=False,
                        is_eager=True, help=_("Language of the messages (default: the site's language)."))(command)


def site_option(command):
    @click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), metavar=FOLDER, default=".",
                  show_default=True, help=_("Folder holding site.yaml and content/."))
    @lang_option
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        return command(*args, **kwargs)
    return wrapper


def fail(lines: list[str], summary: str) -> None:
    for line in lines:
        click.echo(line, err=True)
    click.echo(summary, err=True)
    sys.exit(1)


def show_warnings(warnings, summary: str) -> None:
    """Each warning on its own line, then what they mean for this command (on stderr, like problems)."""
    if warnings:
        for warning in warnings:
            click.echo(str(warning), err=True)
        click.echo(summary, err=True)


def report_failure(error: Exception, action: str) -> None:
    if isinstance(error, ContentError):
        count = len(error.problems)
        fail([str(p) for p in error.problems],
             ngettext("{count} problem found; {action}", "{count} problems found; {action}", count, action=action))
    fail([str(error)], action)


@click.group(**OPTIONS, subcommand_metavar=_("COMMAND [ARGS]..."),
             help=_("Build the transparency bulletins of pledged livelihood projects."))
@click.version_option(__version__, prog_name="bulletin")
@lang_option
def cli() -> None:
    pass


OUT_HELP = _("Output folder (default: public/ in the site folder).")


@cli.command(**OPTIONS, help=_("Validate all content, then render the site.\n\nBuilding again into the same folder "
                    "rebuilds only the units whose files changed and writes only the files whose bytes "
                    "differ; the result is byte for byte what a full build gives."))
@site_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), metavar=FOLDER, default=None, help=OUT_HELP)
@click.option("--no-search", is_flag=True, hidden=True)  # kept for scripts: the search index is now always made, cheaply
@click.option("--full", is_flag=True,
              help=_("Build everything again, ignoring what the last build of this folder left to reuse."))
@click.option("--jobs", metavar=NUMBER, type=whole_number(1, 32), default=None,
              help=_("Worker processes (default: one per CPU for large sites; env BULLETIN_JOBS)."))
@click.option("--drafts", is_flag=True,
              help=_("Preview: include the draft rounds, marked as drafts on their pages, in a folder that is "
                     "never public/ (default: preview/ in the site folder)."))
def build(site_dir: Path, out_dir: Path | None, no_search: bool, full: bool, jobs: int | None,
          drafts: bool) -> None:
    from bulletin.output_rule import OutputProblem, preview_folder
    if drafts:
        try:
            out_dir = preview_folder(site_dir, out_dir)
        except OutputProblem as error:
            report_failure(error, _("nothing was written."))
    out_dir = out_dir or site_dir / PUBLIC_FOLDER
    progress = Progress()
    try:
        report = build_site(site_dir, out_dir, progress=progress, jobs=jobs, full=full, drafts=drafts)
    except BUILD_PROBLEMS as error:
        progress.done()
        report_failure(error, _("nothing was written; {folder} is unchanged.", folder=out_dir))
    if report.incremental and not report.written and not report.deleted:
        changed = _("nothing changed, nothing written")
    else:
        changed = _("{written} files written, {deleted} removed, {built} of {units} units rebuilt",
                    written=report.written, deleted=report.deleted, built=report.units_built, units=report.units)
    show_warnings(report.warnings, ngettext("{count} warning (the build went on)",
                                            "{count} warnings (the build went on)", len(report.warnings)))
    click.echo(_("Built {rounds} rounds, {units} units, {projects} projects ({entries} entries), {pages} pages "
                 "in {seconds} s -> {folder} ({changed})", rounds=report.rounds, units=report.units,
                 projects=report.projects, entries=report.entries, pages=report.pages,
                 seconds=f"{report.seconds:.2f}", folder=out_dir, changed=changed))
    for round_id, title in report.left_out:
        click.echo(_("Left out draft round {round} ({title}); publish it with python build.py publish {round}",
                     round=round_id, title=title))
    for round_id, title in report.drafts:
        click.echo(_("Included draft round {round} ({title}), marked as a draft on its pages: {folder} is a "
                     "preview, never upload it", round=round_id, title=title, folder=out_dir))


@cli.command(**OPTIONS, help=_("Validate all content without writing anything."))
@site_option
@click.option("--strict", is_flag=True,
              help=_("Fail (exit status 1) on warnings too: likely mistakes that a build lets through."))
def check(site_dir: Path, strict: bool) -> None:
    try:
        report = check_site(site_dir, Progress())
    except ContentError as error:
        report_failure(error, _("fix them and run check again."))
    count = len(report.warnings)
    if strict and count:
        show_warnings(report.warnings, ngettext("{count} warning; with --strict a warning fails the check",
                                                "{count} warnings; with --strict warnings fail the check", count))
        sys.exit(1)
    show_warnings(report.warnings, ngettext("{count} warning: the site can be built, but look at it first",
                                            "{count} warnings: the site can be built, but look at them first",
                                            count))
    click.echo(_("OK: {rounds} rounds, {units} units, {entries} project entries.", rounds=report.rounds,
                 units=report.units, entries=report.entries))
    if not report.base_url:
        # A note, not a warning: a site not yet online is not a mistake, and --strict passes.
        click.echo(_("Note: printed unit lists carry no web address and no QR code, because {site_file} has no "
                     "base_url. To add them, set base_url to the address the site is published at, e.g. "
                     "base_url: https://www.example.gov.cn/banshishi/", site_file=SITE_FILE))


@cli.command(**OPTIONS, help=_("Build a preview with the draft rounds, serve it on 127.0.0.1, and rebuild when anything "
                    "changes."))
@site_option
@click.option("--port", metavar=NUMBER, type=whole_number(0, 65535), default=8000, show_default=True,
              help=_("Port on 127.0.0.1."))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), metavar=FOLDER, default=None,
              help=_("Preview folder (default: preview/ in the site folder; never public/)."))
def serve(site_dir: Path, port: int, out_dir: Path | None) -> None:
    from bulletin.output import OutputProblem
    from bulletin.serve import ServeProblem, serve_site
    try:
        serve_site(site_dir, out_dir, port)
    except (OutputProblem, ServeProblem) as error:
        report_failure(error, _("nothing was built or served."))


@cli.command(**OPTIONS, help=_("Freeze round ROUND_ID: record its files in the ledger, so later edits are refused "
                    "unless declared as corrections."))
@site_option
@click.argument("round_id")
def publish(site_dir: Path, round_id: str) -> None:
    try:
        checked = check_site(site_dir, publishing=round_id)  # any problem refuses the publication; the round's warnings are shown
        published = publish_round(site_dir, round_id)
    except (ContentError, PublishProblem) as error:
        report_failure(error, _("nothing was recorded."))
    show_warnings([w for w in checked.warnings if w.location.path == SITE_FILE
                   or w.location.path.startswith(f"content/{round_id}/")],
                  _("Round {round} was published with these warnings. A round's title and date can no longer change; "
                    "any other real mistake is put right with a declared correction (docs/staff-guide.md, 更正).",
                    round=round_id))
    click.echo(_("Round {round} is published: {count} unit files and its site.yaml entry recorded in {ledger} "
                 "(entry SHA-256 {digest}...). Commit {ledger} with the content.", round=round_id,
                 count=len(published.files), ledger=LEDGER_PATH, digest=published.digest[:16]))
    if published.was_draft:
        click.echo(_("Removed draft: true from round {round} in {site_file}: the round is public now. Run python "
                     "build.py build to put it on the site, and commit {site_file} too.", round=round_id,
                     site_file=SITE_FILE))


@cli.command(**OPTIONS, help=_("Write a published round (default: the latest) as a BagIt zip bundle."))
@site_option
@click.argument("round_id", required=False)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), metavar=FOLDER, default=None,
              help=_("Folder for the bundle (default: archives/ in the site folder)."))
def archive(site_dir: Path, round_id: str | None, out_dir: Path | None) -> None:
    from bulletin.archive import ArchiveProblem, make_archive
    try:
        bundle = make_archive(site_dir, round_id, out_dir or site_dir / "archives")
    except (*BUILD_PROBLEMS, ArchiveProblem) as error:
        report_failure(error, _("no archive was written."))
    click.echo(bundle)


@cli.command(**OPTIONS, help=_("Check an archived bundle: name every altered, missing or extra file."))
@click.argument("bundle", metavar=_("BUNDLE"), type=click.Path(dir_okay=False, exists=True, path_type=Path))
@lang_option
def verify(bundle: Path) -> None:
    from bulletin.verify import ArchiveProblem, verify_archive
    try:
        report = verify_archive(bundle)
    except ArchiveProblem as error:
        report_failure(error, _("the bundle cannot be verified."))
    for kind, paths in ((_("altered"), report.altered), (_("missing"), report.missing), (_("extra"), report.extra)):
        for path in paths:
            click.echo(_("{kind}: {path}", kind=kind, path=path), err=True)
    for message in report.other:
        click.echo(message, err=True)
    if not report.ok:
        click.echo(_("{bundle}: NOT valid", bundle=bundle), err=True)
        sys.exit(1)
    click.echo(_("{bundle}: valid ({count} files match the SHA-256 manifest)", bundle=bundle, count=report.files))


@cli.command("new-round", **OPTIONS, help=_("Start round ROUND_ID, as a draft, from the latest round's lists."))
@site_option
@click.argument("round_id")
@click.option("--title", required=True, metavar=TEXT, help=_("Title of the round, e.g. 第三轮公布."))
@click.option("--date", "date_text", required=True, metavar=DATE, help=_("Publication date, e.g. 2021-10-25."))
@click.option("--empty", is_flag=True,
              help=_("Copy no unit file: the round's files are written or imported afterwards."))
def new_round_command(site_dir: Path, round_id: str, title: str, date_text: str, empty: bool) -> None:
    try:
        created = new_round(site_dir, round_id, title, date_text, empty=empty)
    except (ContentError, NewRoundProblem) as error:
        report_failure(error, _("no round was added."))
    if empty:
        click.echo(_("Added draft round {round} to site.yaml with an empty folder content/{round}/. Put one "
                     "<unit id>.yaml per unit there, preview with 'python build.py serve', then publish it with "
                     "'python build.py publish {round}'.", round=round_id))
    else:
        click.echo(_("Added draft round {round} to site.yaml and copied {count} unit files into content/{round}/. "
                     "Rewrite each project's status and progress, preview with 'python build.py serve', then "
                     "publish it with 'python build.py publish {round}'.", round=round_id, count=len(created)))


@cli.command("import", **OPTIONS, help=_("Write round ROUND's unit files from FILE: a spreadsheet (.xlsx, .xls, "
                                         ".ods, .csv) or a published text bulletin (.txt). Projects keep their "
                                         "ids from the previous round; what to confirm is listed and marked "
                                         "'# 请核对' in the files. An edited unit file is never overwritten "
                                         "without --force."))
@site_option
@click.argument("file", metavar=_("FILE"), type=click.Path(dir_okay=False, path_type=Path))
@click.option("--round", "round_id", required=True, metavar=TEXT,
              help=_("The round to write, listed in site.yaml (start it with new-round --empty)."))
@click.option("--unit", metavar=TEXT, default=None,
              help=_("The unit (id or name in content/units.yaml) the whole file belongs to."))
@click.option("--dry-run", is_flag=True, help=_("Write nothing; show what would be written and what to confirm."))
@click.option("--force", is_flag=True,
              help=_("Replace unit files edited since new-round, keeping a copy under content/.import-backup/."))
def import_command(site_dir: Path, file: Path, round_id: str, unit: str | None, dry_run: bool, force: bool) -> None:
    from bulletin.importer import ImportStop, run_import
    try:
        _result, lines = run_import(site_dir, file, round_id, unit, dry_run=dry_run, force=force)
    except (ContentError, ImportStop, OSError) as error:
        report_failure(error, _("nothing was written."))
    for line in lines:
        click.echo(line)


@cli.command("export", **OPTIONS, help=_("Write round ROUND_ID as an Excel workbook for the units to fill in for the "
                                         "next round: one sheet per unit, ids in a grey column not to be changed, a "
                                         "drop-down for the status; bring it back with python build.py import."))
@site_option
@click.argument("round_id")
@click.option("--out", "out_file", type=click.Path(path_type=Path), metavar=_("FILE"), required=True,
              help=_("The workbook to write, a file name ending in .xlsx (never inside content/)."))
@click.option("--one-sheet", is_flag=True,
              help=_("One sheet for every unit, with a column 责任单位, instead of one sheet per unit."))
@click.option("--force", is_flag=True, help=_("Replace the file if it exists."))
def export_command(site_dir: Path, round_id: str, out_file: Path, one_sheet: bool, force: bool) -> None:
    from bulletin.export import ExportProblem, export_round
    try:
        exported = export_round(site_dir, round_id, out_file, one_sheet=one_sheet, force=force)
    except (ContentError, ExportProblem) as error:
        report_failure(error, _("no workbook was written."))
    click.echo(ngettext("Wrote {path}: round {round}, {units} units, {projects} projects, in {count} sheet. Send "
                        "it to the units; bring their returns in with python build.py import FILE --round NEW_ROUND.",
                        "Wrote {path}: round {round}, {units} units, {projects} projects, in {count} sheets. Send "
                        "it to the units; bring their returns in with python build.py import FILE --round NEW_ROUND.",
                        len(exported.sheets), path=exported.path, round=exported.round_id, units=exported.units,
                        projects=exported.projects))


@cli.command(**OPTIONS, help=_("Write the JSON Schemas of site.yaml, content/units.yaml and the unit files, for completion "
                    "and checking while typing in VS Code with its YAML extension (redhat.vscode-yaml)."))
@site_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), metavar=FOLDER, default=None,
              help=_("Folder for the schemas (default: schemas/ in the site folder)."))
def schema(site_dir: Path, out_dir: Path | None) -> None:
    from bulletin.jsonschema_export import SchemaProblem, write_schemas
    try:
        if out_dir is None and not (site_dir / "site.yaml").is_file():
            raise SchemaProblem(_("no site.yaml in {folder}; run the command in the site's folder or pass --site DIR",
                                  folder=site_dir))
        written = write_schemas(site_dir, out_dir)
    except SchemaProblem as error:
        report_failure(error, _("no schema was written."))
    for path in written:
        click.echo(path)
    click.echo(_("Wrote {count} schemas. A file whose first line names one, e.g. "
                 "'# yaml-language-server: $schema=../../schemas/unit.schema.json', gets completion in VS Code; "
                 "new-round adds that line to the files it creates.", count=len(written)))


if __name__ == "__main__":
    cli()
