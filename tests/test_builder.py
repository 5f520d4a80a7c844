"""build_site, the story of a build: each step's files are in the site, and the report says what happened."""

from __future__ import annotations

import re

from bulletin.builder import build_site, check_site
from bulletin.layout import STAMP
from bulletin.output_rule import read_stamp


def test_every_step_contributes_its_files_and_the_report_counts_them(minimal_site, tmp_path):
    out = tmp_path / "public"
    report = build_site(minimal_site, out)
    files = read_stamp(out)
    assert {"rounds/r2/u1.html", "units/u1.html", "projects/u1/p1.html"} <= files  # the units
    assert {"index.html", "search.html", "rounds/r1/index.html"} <= files  # the site pages
    assert "static/style.css" in files  # the static files
    assert {"data/projects.json.gz", "data/rounds/r1.json", "data/rounds/r2.csv"} <= files
    # the search index: its manifest, a shard's facets and word buckets, each unit's result lines
    assert {"search/index.js", "search/shard-0/facets.js", "search/units/u1.js", "search/units/town.js"} <= files
    assert any(re.fullmatch(r"search/shard-0/b\d+\.js", path) for path in files)
    assert files == {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {STAMP}
    assert (report.rounds, report.units, report.projects, report.units_built) == (2, 2, 5, 2)
    assert report.pages == sum(1 for path in files if path.endswith(".html"))  # pages are .html files
    assert report.written == report.files + 1 and not report.incremental  # every file, and the stamp

    again = build_site(minimal_site, out)
    assert again.incremental and (again.written, again.deleted, again.units_built) == (0, 0, 0)


def test_check_counts_what_a_build_reads(minimal_site):
    checked = check_site(minimal_site)
    assert (checked.rounds, checked.units, checked.entries, checked.warnings) == (2, 2, 6, ())
