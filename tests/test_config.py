"""site.yaml: a round's intro is part of what its bulletin shows, carried into its data and frozen with it."""

from __future__ import annotations

import json

from conftest import run_cli

INTRO = "按照《我为群众办实事实践活动工作方案》要求，现将第一轮项目清单公布如下。"


def with_intro(site, text: str = INTRO) -> None:
    settings = site / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "    date: 2021-06-30\n", f"    date: 2021-06-30\n    intro: {text}\n", 1), encoding="utf-8")


def test_a_rounds_intro_reaches_its_open_data(minimal_site, tmp_path):
    with_intro(minimal_site)
    out = tmp_path / "public"
    built = run_cli("build", "--site", str(minimal_site), "--out", str(out), "--no-search")
    assert built.returncode == 0, built.stderr
    assert json.loads((out / "data/rounds/r1.json").read_text(encoding="utf-8"))["round"]["intro"] == INTRO
    assert "intro" not in json.loads((out / "data/rounds/r2.json").read_text(encoding="utf-8"))["round"]


def test_a_published_rounds_intro_cannot_change_silently(minimal_site):
    with_intro(minimal_site)
    assert run_cli("publish", "r1", "--site", str(minimal_site)).returncode == 0
    with_intro(minimal_site, "改写后的说明")  # a second intro line: the edit staff would make
    settings = minimal_site / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(f"    intro: {INTRO}\n", ""), encoding="utf-8")
    checked = run_cli("check", "--site", str(minimal_site))
    assert checked.returncode == 1, checked.stderr
    assert ("site.yaml:10:5: round 1 intro: round r1 was published with this intro; the opening paragraph of a "
            "published bulletin cannot change: restore it") in checked.stderr, checked.stderr
