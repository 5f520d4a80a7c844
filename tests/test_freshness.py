"""The one rule for every output: current when made from the same inputs, its files still in place."""

from __future__ import annotations

from bulletin.cache import BuildState
from bulletin.freshness import Freshness


def previous_build() -> BuildState:
    return BuildState("site", "out", "settings", files={"index.html": ["h", 1, 1, 1], "a/1.js": ["h", 1, 1, 2]},
                      inputs={"index.html": "made-from-1", "a": "made-from-2"})


def test_an_output_is_current_only_when_its_inputs_and_files_are_the_last_builds():
    freshness = Freshness(previous_build())
    assert freshness.current("index.html", "made-from-1", ["index.html"])
    assert not freshness.current("a", "made-from-2", ["a/1.js", "a/2.js"])  # a file of it is gone
    assert not freshness.current("a", "other inputs", ["a/1.js"])
    assert not freshness.current("new.html", "made-from-3", ["new.html"])
    assert not freshness.current("a", "made-from-2", None)  # its files are not known
    assert freshness.inputs == {"index.html": "made-from-1", "a": "made-from-2", "new.html": "made-from-3"}


def test_without_a_last_build_nothing_is_current_and_every_input_is_recorded():
    freshness = Freshness(None)
    assert not freshness.current("index.html", "made-from-1", ["index.html"])
    assert freshness.inputs == {"index.html": "made-from-1"}
