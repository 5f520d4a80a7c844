"""One loader for every command: what check reports of a site is what loading it whole reports."""

from __future__ import annotations

import pytest

from bulletin.loader import load_site, read_site
from bulletin.problems import ContentError
from conftest import run_cli, write_site


def test_load_site_reports_what_check_reports(minimal_site):
    write_site(minimal_site, {
        "content/r2/u1.yaml": "projects:\n  - id: p1\n    title: 路灯\n    status: finished\n    progress: x\n",
        "content/r2/nobody.yaml": "projects: []\n",
    })
    checked = run_cli("check", "--site", str(minimal_site))
    assert checked.returncode == 1
    with pytest.raises(ContentError) as loading:
        load_site(minimal_site)
    assert sorted(map(str, loading.value.problems)) == sorted(checked.stderr.splitlines()[:-1])


def test_a_site_read_as_of_a_round_leaves_the_later_rounds_out(minimal_site):
    sources = read_site(minimal_site, until_round="r1")
    assert [r.id for r in sources.config.rounds] == ["r1"]
    assert {s.round_id for files in sources.unit_files.values() for s in files} == {"r1"}
    site = load_site(minimal_site, until_round="r1")
    assert [r.id for r in site.rounds] == ["r1"]
