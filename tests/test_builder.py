"""build_site, the story of a build: each step's files are in the site, and the report says what happened."""

from __future__ import annotations

from bulletin.builder import build_site, check_site
from bulletin.layout import STAMP
from bulletin.output_rule import read_stamp


def test_every_step_contributes_its_files_and_the_report_counts_them(minimal_site, tmp_path):
    out = tmp_path / "public"
    report = build_site(minimal_site, out, with_search=True)
    files = read_stamp(out)
    assert {"rounds/r2/u1.html", "units/u1.html", "projects/u1/p1.html"} <= files  # the units
    assert {"index.html", "search.html", "rounds/r1/index.html"} <= files  # the site pages
    assert "static/style.css" in files  # the static files
    assert {"data/projects.json", "data/rounds/r1.json", "data/rounds/r2.csv", "search/offline-data.js"} <= files
    assert any(path.startswith("pagefind/") for path in files)  # the search index
    assert files == {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {STAMP}
    assert (report.rounds, report.units, report.projects, report.units_built) == (2, 2, 5, 2)
    assert report.pages == sum(1 for path in files if path.endswith(".html") and not path.startswith("pagefind/"))
    assert report.written == report.files + 1 and not report.incremental  # every file, and the stamp

    again = build_site(minimal_site, out, with_search=True)
    assert again.incremental and (again.written, again.deleted, again.units_built) == (0, 0, 0)


def test_a_build_without_search_has_no_index_and_check_counts_what_a_build_reads(minimal_site, tmp_path):
    out = tmp_path / "public"
    build_site(minimal_site, out, with_search=False)
    assert not (out / "pagefind").exists() and (out / "search/offline-data.js").is_file()
    checked = check_site(minimal_site)
    assert (checked.rounds, checked.units, checked.entries, checked.warnings) == (2, 2, 6, ())
