"""URLs and relative links."""

from bulletin.pages import Links, plan_pages
from bulletin.loader import load_site


def test_links_are_relative_to_the_page():
    assert Links("index.html").round("r1") == "rounds/r1/index.html"
    assert Links("rounds/r1/u1.html").project("u1", "p1") == "../../projects/u1/p1.html"
    assert Links("projects/u1/p1.html").asset("style.css") == "../../static/style.css"
    assert Links("units/u1.html").home() == "../index.html"
    assert Links("rounds/r1/index.html").unit_round("r1", "u1") == "u1.html"


def test_pages_planned_for_the_minimal_site(minimal_site):
    paths = [page.path for page in plan_pages(load_site(minimal_site))]
    assert paths == [  # the site-wide pages, then each unit's own (built unit by unit)
        "index.html", "search.html", "rounds/r1/index.html", "rounds/r2/index.html", "units/index.html",
        "rounds/r1/u1.html", "rounds/r2/u1.html",
        "units/u1.html", "projects/u1/p1.html", "projects/u1/p2.html", "projects/u1/p3.html", "projects/u1/p4.html",
        "rounds/r1/town.html", "rounds/r2/town.html",
        "units/town.html", "projects/town/t1.html",
    ]
