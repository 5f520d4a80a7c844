"""The model: histories across rounds, and projects that go missing."""

from bulletin.loader import load_site
from bulletin.model import Funding


def test_project_missing_from_a_later_round_is_kept_as_not_reported(minimal_site):
    site = load_site(minimal_site)
    history = site.histories[("u1", "p2")]
    assert [(step.round.id, step.reported) for step in history.steps] == [("r1", True), ("r2", False)]
    assert history.latest.status == "not_started"
    assert history.latest_reported_round.id == "r1"
    missing = site.unit_rounds[("r2", "u1")].missing
    assert [step.last.project_id for step in missing] == ["p2"]


def test_completed_project_may_leave_the_list_without_being_flagged(minimal_site):
    site = load_site(minimal_site)
    history = site.histories[("u1", "p3")]
    assert [step.round.id for step in history.steps] == ["r1"]
    assert "p3" not in [step.last.project_id for step in site.unit_rounds[("r2", "u1")].missing]


def test_unit_that_sends_no_file_still_shows_its_open_projects(minimal_site):
    site = load_site(minimal_site)
    unit_round = site.unit_rounds[("r2", "town")]
    assert not unit_round.submitted
    assert unit_round.entries == ()
    assert [step.last.project_id for step in unit_round.missing] == ["t1"]
    assert unit_round.counts["not_reported"] == 1


def test_changes_against_the_previous_report(minimal_site):
    site = load_site(minimal_site)
    second = site.histories[("u1", "p1")].steps[1]
    changes = {change.field: (change.before, change.after) for change in second.changes}
    assert changes == {"status": ("in_progress", "completed"), "funding": (None, Funding(5000, "元"))}
    assert second.progress_rewritten is True
    assert site.histories[("u1", "p1")].steps[0].progress_rewritten is None


def test_target_rate_may_exceed_100_percent(minimal_site):
    site = load_site(minimal_site)
    entry = site.histories[("u1", "p4")].latest
    assert entry.target.rate == 280
    assert site.histories[("u1", "p4")].first_round.id == "r2"


def test_entries_are_numbered_in_file_order(minimal_site):
    site = load_site(minimal_site)
    entries = site.unit_rounds[("r1", "u1")].entries
    assert [(e.number, e.project_id) for e in entries] == [(1, "p1"), (2, "p2"), (3, "p3")]


def test_units_ordered_and_grouped(minimal_site):
    site = load_site(minimal_site)
    assert [unit.id for unit in site.units] == ["u1", "town"]
    assert site.groups == ("区直部门", "镇乡街")


def test_counts_always_list_statuses_in_the_same_order(minimal_site):
    site = load_site(minimal_site)
    for unit_round in site.unit_rounds.values():
        assert list(unit_round.counts) == ["not_started", "in_progress", "completed", "suspended", "cancelled",
                                           "not_reported"]
