"""Nothing staff type is ever run: every text field of the contract receives hostile payloads, which the
built site must SHOW as text and never interpret.

Payloads (PAYLOADS) go into every text field of the content contract: a project's title, progress, lead,
category, location, funding.unit, target.name, target.unit and a correction's reason; site.yaml's title,
publisher, supervision.phone, supervision.note and the round titles; units.yaml's unit name and group.
The site is built with its search index, then every page (.html), every open data file (data/**/*.json,
data/**/*.csv) and every file of the search index (search/index.js, search/shard-*/*.js, search/units/*.js:
classic scripts calling BULLETIN_SEARCH(name, data)) is read back:

- no <script> but the site's own, no on* attribute, no javascript:/data:/vbscript: link or source, no
  <svg>, <img>, <iframe>, <object>, <embed>, <base>, <style> element, no meta refresh;
- no template evaluated: `{{ 7*7 }}` is shown, 49 appears nowhere;
- every payload is still there, as the words staff typed (the text of a Markdown link or image in progress);
- the data files and the search index hold the payloads as plain strings, never a "<" a script could end at.

Then a real browser (Chromium) opens pages over http and from file:// with a dialog handler, hovers, focuses
and clicks around, and searches (http and file:// use the same index): no dialog may open, no
Content-Security-Policy violation may be reported.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import gzip
import html
import io
import json
import re
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import MINIMAL_SITE, index_part, run_cli, serve_folder, write_site

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - only on a machine without requirements-dev.txt
    expect = None

_SVG = base64.b64encode(b"<svg>").decode()  # short: site.yaml's one-line fields hold half the payloads each

# What the issue lists, then a few more of the same families.
PAYLOADS = [
    "<script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)",
    "[x](javascript:alert(1))",
    f"![x](data:image/svg+xml;base64,{_SVG})",
    "<svg onload=alert(1)>",
    "<img src=x onerror=alert(1)>",
    "&lt;script&gt;",
    "&#x3C;script&#x3E;",
    "</script><script>alert(1)</script>",
    "{{ 7*7 }}",
    "{% raw %}",
    "{{ config }}",
    # more of the same
    "[x](vbscript:msgbox(1))",
    "[x](JaVaScRiPt:alert(1))",
    "<a href=javascript:alert(1)>x</a>",
    "<iframe src=javascript:alert(1)>",
    "<object data=x>",
    "<!--",
    "<style>*{display:none}</style>",
    "<base href=//x>",
    "{before}{after}{0}%s",  # the interface strings are formatted with content values
    '=HYPERLINK("http://x")',  # a formula, for the CSV
    '<http://x" onmouseover="alert(1)>',  # a Markdown autolink with a breakout
]
N = len(PAYLOADS)

# Markdown (progress, correction reasons are plain text) shows a link or an image as its text, and
# reads character references: that is what citizens read, and the words staff wrote.
MARKDOWN_VISIBLE = {
    "[x](javascript:alert(1))": "x",
    f"![x](data:image/svg+xml;base64,{_SVG})": "x",
    "[x](vbscript:msgbox(1))": "x",
    "[x](JaVaScRiPt:alert(1))": "x",
    "&lt;script&gt;": "<script>",
    "&#x3C;script&#x3E;": "<script>",
    '<http://x" onmouseover="alert(1)>': 'http://x" onmouseover="alert(1)',
}

# Project fields and where each unit's payload is taken: unit k's field f holds PAYLOADS[(k + OFFSET[f]) % N],
# so across the units every field receives every payload, and on one page every field holds a different one.
OFFSET = {
    "unit.name": 0, "unit.group": 1, "title": 2, "progress": 3, "lead": 4, "category": 5, "location": 6,
    "funding.unit": 7, "target.name": 8, "target.unit": 9, "corrections.reason": 10, "lead.corrected": 11,
    "title.earlier": 12,
}
assert N > max(OFFSET.values())

SITE_FIELDS = ("title", "publisher", "supervision.phone", "supervision.note")
# site.yaml's one-line fields hold at most 500 characters: each of the two sites gets half of the payloads
HALVES = {"all": PAYLOADS[: N // 2], "rest": PAYLOADS[N // 2:]}

CARE_SCRIPT = "static/care.js"  # the 关怀版 switch, on every page
SCRIPT_SOURCES = ("static/search.js", "search/t2s.js", CARE_SCRIPT)
# added by static/search.js at run time, in both modes: the parts of the search index a query needs
INDEX_SCRIPT = re.compile(r"(\.\./)*search/(index|shard-\d+/(b\d+|facets)|units/[A-Za-z0-9_-]+)\.js")


def runtime_script(source: str) -> bool:
    """A script the page may hold once its search ran: its own, or a part of the site's search index."""
    return source.endswith(SCRIPT_SOURCES) or INDEX_SCRIPT.fullmatch(source) is not None
FORBIDDEN_ELEMENTS = {"svg", "img", "iframe", "object", "embed", "base", "style", "frame", "frameset",
                      "applet", "math", "template", "portal", "video", "audio", "source", "picture"}
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background", "srcset", "xlink:href",
                  "ping", "cite", "longdesc", "manifest", "codebase"}


def payload(k: int, field: str) -> str:
    return PAYLOADS[(k + OFFSET[field]) % N]


def one_line(text: str) -> str:
    return " ".join(text.split())


def visible_markdown(text: str) -> str:
    return MARKDOWN_VISIBLE.get(text, text)


def round_id(k: int) -> str:
    return f"r{k:02d}"


def unit_id(k: int) -> str:
    return f"u{k:02d}"


def project(k: int, *, earlier: bool = False) -> dict:
    return {
        "id": f"p{k:02d}",
        "title": payload(k, "title.earlier" if earlier else "title"),
        "status": "not_started" if earlier else "in_progress",
        "progress": payload(k, "progress"),
        "lead": payload(k, "lead"),
        "category": payload(k, "category"),
        "location": payload(k, "location"),
        "funding": {"amount": 5000, "unit": payload(k, "funding.unit")},
        "target": {"name": payload(k, "target.name"), "planned": 10, "done": 5, "unit": payload(k, "target.unit")},
        "updated": dt.date(2021, 3, 3),
    }


def dump(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6), encoding="utf-8")


def site_settings(half: list[str]) -> dict:
    joined = " ".join(half)
    return {"title": joined, "publisher": joined, "supervision": {"phone": joined, "note": "\n".join(half)}}


def write_payload_site(folder: Path) -> Path:
    """Round k and unit k carry payload k; round k (but the last) holds unit k's earlier list; the last round
    holds every unit, is published, then corrected (each unit's lead) with a reason."""
    last = N - 1
    rounds = [{"id": round_id(k), "title": PAYLOADS[k], "date": dt.date(2021, 1, 1) + dt.timedelta(days=7 * k)}
              for k in range(N)]
    dump(folder / "site.yaml", {**site_settings(HALVES["all"]), "rounds": rounds})
    dump(folder / "content/units.yaml", {"units": [
        {"id": unit_id(k), "name": payload(k, "unit.name"), "group": payload(k, "unit.group"), "order": k}
        for k in range(N)]})
    for k in range(N):
        if k != last:
            dump(folder / "content" / round_id(k) / f"{unit_id(k)}.yaml", {"projects": [project(k, earlier=True)]})
        dump(folder / "content" / round_id(last) / f"{unit_id(k)}.yaml", {"projects": [project(k)]})
    published = run_cli("publish", round_id(last), "--site", str(folder))
    assert published.returncode == 0, published.stderr
    for k in range(N):
        corrected = {**project(k), "lead": payload(k, "lead.corrected")}
        dump(folder / "content" / round_id(last) / f"{unit_id(k)}.yaml", {
            "projects": [corrected],
            "corrections": [{"date": dt.date(2021, 7, 1), "reason": payload(k, "corrections.reason"),
                             "project": f"p{k:02d}"}]})
    # Each correction pins its project with the state the check reports (see README, corrections).
    states = dict(re.findall(r"state is missing: add state: ([a-p]{12}) \(it pins project '(p\d\d)'",
                             run_cli("check", "--site", str(folder)).stderr))
    states = {project: state for state, project in states.items()}
    for k in range(N):
        path = folder / "content" / round_id(last) / f"{unit_id(k)}.yaml"
        path.write_text(path.read_text(encoding="utf-8") + f"  state: {states[f'p{k:02d}']}\n", encoding="utf-8")
    return folder


def write_rest_site(folder: Path) -> Path:
    """conftest's minimal site, with the other half of the payloads in site.yaml's own fields."""
    site = write_site(folder, MINIMAL_SITE)
    config = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    config.update(site_settings(HALVES["rest"]))
    dump(site / "site.yaml", config)
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Both sites, built with their search index; {name: output folder}."""
    root = tmp_path_factory.mktemp("injection")
    outputs = {}
    for name, write in (("all", write_payload_site), ("rest", write_rest_site)):
        site = write(root / name / "site")
        check = run_cli("check", "--site", str(site))
        assert check.returncode == 0, f"the payloads are valid content and must be accepted:\n{check.stderr}"
        out = root / name / "public"
        result = run_cli("build", "--site", str(site), "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert (out / "search" / "index.js").is_file()
        outputs[name] = out
    return outputs


def pages_of(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page_text(soup: BeautifulSoup) -> str:
    """Everything a citizen can read on the page, <title> and option labels included, spaces folded."""
    return one_line(soup.get_text(" "))


def corrected_texts(soup: BeautifulSoup) -> tuple[str, str]:
    """The correction notices read as first published (words inserted by the correction left
    out) and as corrected (words deleted left out): a changed text is shown once, word by word."""
    readings = []
    for dropped in ("ins", "del"):
        copy = BeautifulSoup(str(soup), "html.parser")
        for notice in copy.select(".correction"):
            for element in notice.select(f"{dropped}, span.visually-hidden"):
                element.decompose()
        readings.append(one_line(" ".join(notice.get_text("") for notice in copy.select(".correction"))))
    return readings[0], readings[1]


# --- the pages --------------------------------------------------------------------------------------------------

# The generator's own pictures (bulletin/charts.py): shapes and text with geometry only, nothing that loads or runs.
CHART_ATTRIBUTES = {"svg": {"class", "role", "width", "height", "xmlns"}, "title": set(),
                    "rect": {"class", "x", "y", "width", "height"}, "line": {"class", "x1", "y1", "x2", "y2"},
                    "text": {"class", "x", "y", "text-anchor"}}


def own_chart(element) -> bool:
    return (element.name == "svg" and "chart" in element.get("class", []) and element.get("role") == "img"
            and all(set(node.attrs) <= CHART_ATTRIBUTES.get(node.name, {"-"})
                    for node in [element, *element.find_all(True)]))


def dangerous_markup(soup: BeautifulSoup, relative: str) -> list[str]:
    """Every element or attribute on the page that could run or load something it should not."""
    found = []
    for element in soup.find_all(True):
        name = element.name.lower()
        if name in FORBIDDEN_ELEMENTS and not own_chart(element):
            found.append(f"<{name}> element: {str(element)[:120]}")
        for attribute, value in element.attrs.items():
            values = value if isinstance(value, list) else [value]
            if attribute.lower().startswith("on"):
                found.append(f"{attribute} attribute on <{name}>: {str(element)[:120]}")
            if attribute.lower() in URL_ATTRIBUTES:
                for text in values:
                    folded = re.sub(r"[\x00-\x20]", "", html.unescape(unquote(str(text)))).lower()
                    if folded.startswith(DANGEROUS_SCHEMES):
                        found.append(f"{attribute}={text!r} on <{name}>")
            if attribute.lower() == "style":
                found.append(f"style attribute on <{name}>: {str(element)[:120]}")
        if name == "meta" and element.get("http-equiv", "").lower() not in ("", "content-security-policy"):
            found.append(f"meta http-equiv={element.get('http-equiv')!r}")
        if name == "script":
            source = element.get("src")
            if source is not None:
                if not source.endswith(SCRIPT_SOURCES) or "<" in source:
                    found.append(f"script src={source!r}")
                elif element.string and element.string.strip():
                    found.append(f"script with a src and a body: {str(element)[:120]}")
            elif element.get("type") == "application/json" and element.get("id") == "search-config" \
                    and relative == "search.html":
                body = element.string or ""
                if "<" in body:
                    found.append("'<' inside #search-config")
                try:
                    json.loads(body)
                except ValueError as error:
                    found.append(f"#search-config is not JSON: {error}")
            else:
                found.append(f"inline script: {str(element)[:160]}")
    return found


def test_the_payload_site_has_every_kind_of_page(built):
    relatives = {p.relative_to(built["all"]).as_posix() for p in pages_of(built["all"])}
    last = round_id(N - 1)
    assert {"index.html", "search.html", f"rounds/{last}/index.html", f"rounds/{last}/u00.html",
            f"rounds/{last}/published/u00.html", "units/u00.html", "projects/u00/p00.html",
            f"rounds/{round_id(0)}/u00.html"} <= relatives
    assert len(relatives) > 5 * N


@pytest.mark.parametrize("name", ["all", "rest"])
def test_no_page_runs_or_loads_anything_from_content(built, name):
    out = built[name]
    problems = {}
    for path in pages_of(out):
        relative = path.relative_to(out).as_posix()
        found = dangerous_markup(parse(path), relative)
        if found:
            problems[relative] = found[:5]
    assert not problems, f"{len(problems)} pages carry markup from content: {problems}"


@pytest.mark.parametrize("name", ["all", "rest"])
def test_only_the_sites_own_scripts_and_the_security_policy(built, name):
    out = built[name]
    for path in pages_of(out):
        soup = parse(path)
        relative = path.relative_to(out).as_posix()
        policies = soup.find_all("meta", attrs={"http-equiv": re.compile("^content-security-policy$", re.I)})
        assert len(policies) == 1, relative
        policy = policies[0]["content"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, policy
        assert "object-src 'none'" in policy and "base-uri 'none'" in policy, policy
        # the policy comes before the first element that shows content (the <title>) and any script or link
        head = soup.head.find_all(True)
        first = min(head.index(e) for e in head if e.name in ("title", "script", "link", "style", "base"))
        assert head.index(policies[0]) < first, relative
        sources = [s.get("src") for s in soup.find_all("script") if s.get("src")]
        # Every page has the 关怀版 script, in the head; only the search page has more.
        assert [s.get("src") for s in soup.head.find_all("script")] == [sources[0]], relative
        assert sources[0].endswith(CARE_SCRIPT), relative
        if relative == "search.html":
            assert len(sources) == 3 and all(s.endswith(SCRIPT_SOURCES) for s in sources), sources
        else:
            assert len(soup.find_all("script")) == 1, f"{relative}: a page without search needs no other script"


@pytest.mark.parametrize("name", ["all", "rest"])
def test_templates_in_content_are_shown_never_evaluated(built, name):
    out = built[name]
    for path in pages_of(out):
        text = page_text(parse(path))
        assert "49" not in text, f"{path.relative_to(out)}: 49 appears where {{{{ 7*7 }}}} was written"
        assert "SiteConfig(" not in text and "<Config" not in text, f"{path.relative_to(out)}: a config object leaked"
    # and the template syntax itself is on the pages that show those fields
    every = "\n".join(page_text(parse(p)) for p in pages_of(out))
    for written in ("{{ 7*7 }}", "{% raw %}", "{{ config }}", "{before}{after}{0}%s"):
        if name == "all" or written in HALVES["rest"]:
            assert written in every, written


def test_site_fields_are_shown_as_typed_on_every_page(built):
    for name, half in HALVES.items():
        out = built[name]
        joined = one_line(" ".join(half))
        for path in pages_of(out):
            soup = parse(path)
            text = page_text(soup)
            relative = path.relative_to(out).as_posix()
            assert joined in one_line(soup.title.get_text()), f"{relative}: site title not in <title>"
            # title, publisher, supervision phone each shown whole; the note line by line
            assert text.count(joined) >= 3, f"{relative}: a site.yaml field lost its text"
            for line in half:
                assert one_line(line) in text, f"{relative}: supervision note line {line!r} lost"


def test_every_project_field_is_shown_as_typed(built):
    out = built["all"]
    last = round_id(N - 1)
    for k in range(N):
        for relative in (f"projects/{unit_id(k)}/p{k:02d}.html", f"rounds/{last}/{unit_id(k)}.html"):
            text = page_text(parse(out / relative))
            expected = {
                "unit.name": one_line(payload(k, "unit.name")),
                "title": one_line(payload(k, "title")),
                "progress": one_line(visible_markdown(payload(k, "progress"))),
                "lead (corrected)": one_line(payload(k, "lead.corrected")),
                "lead (before the correction)": one_line(payload(k, "lead")),
                "category": one_line(payload(k, "category")),
                "location": one_line(payload(k, "location")),
                "funding.unit": one_line(payload(k, "funding.unit")),
                "target.name": one_line(payload(k, "target.name")),
                "target.unit": one_line(payload(k, "target.unit")),
                "corrections.reason": one_line(payload(k, "corrections.reason")),
                "round title": one_line(PAYLOADS[N - 1]),
            }
            published, corrected = corrected_texts(parse(out / relative))
            lost = {field: value for field, value in expected.items()
                    if value not in text and not (field == "lead (before the correction)" and value in published)}
            assert not lost, f"{relative}: text of these fields is not on the page as typed: {lost}"
            assert expected["lead (corrected)"] in corrected or expected["lead (corrected)"] in text
        if k != N - 1:  # the unit's earlier list, with the earlier title
            relative = f"rounds/{round_id(k)}/{unit_id(k)}.html"
            text = page_text(parse(out / relative))
            for value in (payload(k, "title.earlier"), PAYLOADS[k], payload(k, "unit.name")):
                assert one_line(value) in text, f"{relative}: {value!r} lost"
        text = page_text(parse(out / f"rounds/{last}/published/{unit_id(k)}.html"))
        assert one_line(payload(k, "lead")) in text and one_line(payload(k, "title")) in text


def test_round_unit_and_group_names_are_shown_as_typed(built):
    out = built["all"]
    search = parse(out / "search.html")
    options = {o.get("value") for o in search.find_all("option")}
    labels = {one_line(o.get_text()) for o in search.find_all("option")}
    for k in range(N):
        text = page_text(parse(out / "rounds" / round_id(k) / "index.html"))
        assert one_line(PAYLOADS[k]) in text, f"round {k}: title lost"
        unit_page = page_text(parse(out / "units" / f"{unit_id(k)}.html"))
        assert one_line(payload(k, "unit.name")) in unit_page
        # the search filters: the option's value (an attribute) and its label are the name as typed
        for value in (one_line(PAYLOADS[k]), one_line(payload(k, "unit.name")), one_line(payload(k, "unit.group"))):
            assert value in options, f"search filter value {value!r} not kept whole"
            assert value in labels, f"search filter label {value!r} not kept whole"
    index = page_text(parse(out / "index.html"))
    for k in range(N):
        assert one_line(payload(k, "unit.name")) in index
        assert one_line(payload(k, "unit.group")) in index


# --- the data -----------------------------------------------------------------------------------------------------

def expected_row(k: int) -> dict:
    return {
        "unit_name": one_line(payload(k, "unit.name")), "unit_group": one_line(payload(k, "unit.group")),
        "title": one_line(payload(k, "title")), "progress": payload(k, "progress").strip(),
        "lead": one_line(payload(k, "lead.corrected")), "category": one_line(payload(k, "category")),
        "location": one_line(payload(k, "location")), "funding_unit": one_line(payload(k, "funding.unit")),
        "target_name": one_line(payload(k, "target.name")), "target_unit": one_line(payload(k, "target.unit")),
        "round_title": one_line(PAYLOADS[N - 1]),
    }


def test_open_data_json_holds_the_payloads_as_strings(built):
    for name, half in HALVES.items():
        out = built[name]
        for path in sorted((out / "data").rglob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            assert document["site"]["title"] == one_line(" ".join(half))
            assert document["site"]["publisher"] == one_line(" ".join(half))
            if "supervision_phone" in document["site"]:
                assert document["site"]["supervision_phone"] == one_line(" ".join(half))
    out = built["all"]
    last = json.loads((out / "data/rounds" / f"{round_id(N - 1)}.json").read_text(encoding="utf-8"))
    rows = {row["unit_id"]: row for row in last["projects"]}
    assert len(rows) == N
    for k in range(N):
        row = rows[unit_id(k)]
        for key, value in expected_row(k).items():
            assert row[key] == value, (k, key, row[key], value)
    everything = json.loads(gzip.decompress((out / "data/projects.json.gz").read_bytes()).decode("utf-8"))
    assert [r["title"] for r in everything["rounds"]] == [one_line(p) for p in PAYLOADS]
    for item in everything["projects"]:
        k = int(item["unit_id"][1:])
        assert item["title"] == one_line(payload(k, "title"))
        assert item["unit_name"] == one_line(payload(k, "unit.name"))
        reported = [r for r in item["rounds"] if r["reported"]]
        assert reported[-1]["progress"] == payload(k, "progress").strip()
        if k != N - 1:
            assert reported[0]["title"] == one_line(payload(k, "title.earlier"))


def csv_cell(value: str) -> str:
    """A text cell as the CSV must hold it: a leading = + - @ is kept from running as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def test_open_data_csv_holds_the_payloads_as_text(built):
    out = built["all"]
    for path in sorted((out / "data").rglob("*.csv")):
        data = path.read_bytes()
        assert data.startswith("\ufeff".encode())
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        assert rows, path
        for row in rows:
            for key, value in row.items():
                assert value[:1] not in ("=", "+", "-", "@"), f"{path.name}: {key} cell starts a formula: {value!r}"
    last_round = out / "data/rounds" / f"{round_id(N - 1)}.csv"
    header, *last = list(csv.reader(io.StringIO(last_round.read_text(encoding="utf-8-sig"), newline="")))
    fields = json.loads(last_round.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    assert len(header) == len(fields)  # the headers are the site's language; the JSON names the fields
    rows = {row["unit_id"]: row for row in (dict(zip(fields, cells)) for cells in last)}
    for k in range(N):
        for key, value in expected_row(k).items():
            assert rows[unit_id(k)][key] == csv_cell(value), (k, key)


# A part of the search index: one call, its name a JSON string, its data JSON, and nothing else.
def index_parts(out: Path) -> dict[str, object]:
    """Every part of a site's search index, {name: data}, each file checked to be one inert call."""
    parts = {}
    for path in sorted((out / "search").rglob("*.js")):
        relative = path.relative_to(out / "search").as_posix()
        if relative == "t2s.js":  # the character table, no content in it
            continue
        name, data = index_part(path.read_bytes())  # one inert call, its data JSON: values, never code
        assert name == relative.removesuffix(".js"), relative
        parts[name] = data
    return parts


def test_search_index_holds_the_payloads_as_inert_strings(built):
    for name, out in built.items():
        parts = index_parts(out)
        assert "index" in parts and any(part.startswith("units/") for part in parts), (name, sorted(parts))
        assert any(re.fullmatch(r"shard-\d+/b\d+", part) for part in parts), (name, sorted(parts))
    parts = index_parts(built["all"])
    manifest = parts["index"]
    assert manifest["rounds"] == [one_line(p) for p in PAYLOADS]
    assert sorted(manifest["units"]) == sorted(one_line(payload(k, "unit.name")) for k in range(N))
    assert sorted(manifest["groups"]) == sorted(one_line(payload(k, "unit.group")) for k in range(N))
    assert manifest["categories"] == sorted({one_line(payload(k, "category")) for k in range(N)})
    assert manifest["locations"] == sorted({one_line(payload(k, "location")) for k in range(N)})
    # a unit's result lines: [url, title, latest progress, status, latest round, overdue]
    lines = [line for part, data in parts.items() if part.startswith("units/") for line in data]
    assert sorted(line[0] for line in lines) == sorted(f"projects/{unit_id(k)}/p{k:02d}.html" for k in range(N))
    assert {line[1] for line in lines} == {one_line(payload(k, "title")) for k in range(N)}
    excerpts = "\n".join(line[2] for line in lines)
    for k in range(N):
        assert visible_markdown(payload(k, "progress")).strip() in excerpts, k
    # the facets: [unit, group, categories, locations, projects]
    facets = [unit for part, data in parts.items() if re.fullmatch(r"shard-\d+/facets", part) for unit in data]
    assert {value for unit in facets for value in unit[2]} == {one_line(payload(k, "category")) for k in range(N)}
    assert {value for unit in facets for value in unit[3]} == {one_line(payload(k, "location")) for k in range(N)}
    # the words are strings too: the Latin words of the payloads are there as typed, folded to lower case
    words = {word for part, data in parts.items() if re.fullmatch(r"shard-\d+/b\d+", part)
             for _unit, found in data for word in found}
    assert {"script", "alert", "onmouseover", "javascript", "config"} <= words


# --- the browser ------------------------------------------------------------------------------------------------

# Records every alert/confirm/prompt and every Content-Security-Policy violation, before any script of the page.
WATCH = """() => {
  window.__violations = [];
  document.addEventListener("securitypolicyviolation",
    (e) => window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + (e.sample || "")));
}"""

BROWSER_PAGES = [
    "index.html",
    f"rounds/{round_id(N - 1)}/index.html",
    f"rounds/{round_id(N - 1)}/u00.html",
    f"rounds/{round_id(N - 1)}/u05.html",
    f"rounds/{round_id(N - 1)}/published/u03.html",
    "projects/u00/p00.html",
    "projects/u07/p07.html",
    "projects/u20/p20.html",
    "units/u01.html",
    "search.html",
]


@pytest.fixture(scope="module")
def site_urls(built):
    """{"http": base URL, "file": base URL} of the payload site."""
    with serve_folder(built["all"]) as url:
        yield {"http": url + "/", "file": built["all"].resolve().as_uri() + "/"}


@pytest.fixture
def watched(browser):
    """A fresh page that records dialogs and policy violations; yields (page, dialogs)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    context.add_init_script(f"({WATCH})()")
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        yield page, dialogs
    finally:
        context.close()


def poke_everything(page) -> None:
    """Hover over, focus and click what a citizen could: every element of the page's main content, every
    link without a target (a sanitized one), then tab through the page."""
    elements = page.locator("main *")
    for index in range(min(elements.count(), 80)):
        element = elements.nth(index)
        if element.is_visible():
            element.hover(timeout=2_000, force=True)
    for link in page.locator("main a:not([href]), main span, main dd, main h1, main h2").all()[:30]:
        if link.is_visible():
            link.click(timeout=2_000, force=True)
    for _ in range(40):
        page.keyboard.press("Tab")


@pytest.mark.parametrize("mode", ["http", "file"])
def test_no_payload_runs_in_the_browser(watched, site_urls, mode):
    page, dialogs = watched
    for relative in BROWSER_PAGES:
        page.goto(site_urls[mode] + relative)
        assert page.locator('meta[http-equiv="Content-Security-Policy"]').count() == 1, relative
        poke_everything(page)
        page.wait_for_timeout(100)
        assert not dialogs, f"{relative}: a dialog opened: {dialogs}"
        assert page.evaluate("() => window.__violations") == [], f"{relative}: blocked by the policy"
        counts = page.evaluate("""() => ({
          injected: document.querySelectorAll("svg:not(.chart), img, iframe, object, embed, base, style").length,
          handlers: Array.from(document.querySelectorAll("*")).filter(
            (e) => Array.from(e.attributes).some((a) => a.name.toLowerCase().startsWith("on"))).length,
          scripts: Array.from(document.scripts).map((s) => s.getAttribute("src") || s.type),
        })""")
        assert counts["injected"] == 0 and counts["handlers"] == 0, (relative, counts)
        assert all(runtime_script(s) or s == "application/json" for s in counts["scripts"]), counts


# True once the page shows every result of the search for this query, and its filters' counts (which may
# come just after the results): the status line gives the count and that many results (at most a page of
# 20) are rendered.
SETTLED = """(query) => {
  const form = document.getElementById("search-form");
  if (form.getAttribute("data-search-mode") !== "index") return false;
  if (form.getAttribute("data-search-state") !== "done") return false;
  if ((new URLSearchParams(location.search).get("q") || "") !== query) return false;
  const strings = JSON.parse(document.getElementById("search-config").textContent).strings;
  const status = document.getElementById("search-status").textContent;
  const [before, after] = strings.count.split("{count}");
  if (!status.startsWith(before) || !status.endsWith(after)) return false;
  const count = Number(status.slice(before.length, status.length - after.length));
  const rendered = document.querySelectorAll("#search-results > li.search-result > h2.search-result-title a");
  return Number.isInteger(count) && count > 0 && rendered.length === Math.min(count, 20);
}"""


def search_for(page, query: str) -> list[str]:
    """Type the query as a citizen does; the titles of the results shown, once they are all there."""
    box = page.locator("#search-query")
    box.click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.press("Backspace")
    page.keyboard.type(query, delay=20)
    page.wait_for_function(SETTLED, arg=query)
    return [one_line(t) for t in page.locator("#search-results h2.search-result-title a").all_inner_texts()]


@pytest.mark.parametrize("mode", ["http", "file"])
def test_search_works_under_the_policy_and_shows_payloads_as_text(watched, site_urls, mode):
    page, dialogs = watched
    page.goto(site_urls[mode] + "search.html")
    expect(page.locator("#search-form")).to_have_attribute("data-search-mode", "index")  # http and file://
    for query in ("onmouseover", "alert", "script", "config"):
        found = search_for(page, query)
        titles = {one_line(payload(k, "title")) for k in range(N)}
        assert found and set(found) <= titles, (query, found)  # each title whole, as typed
        if len(found) < 20:  # a first page of results that is not full holds them all
            # a word that starts with the query (a run of Latin letters and digits is found by its beginning)
            expected = {title for title in titles if re.search(f"(?<![0-9a-z]){query}", title.lower())}
            assert expected <= set(found), (query, found)
        poke_everything(page)
    assert not dialogs, dialogs
    assert page.evaluate("() => window.__violations") == []
    assert page.locator("#search-results img, #search-results svg, #search-results iframe").count() == 0


@pytest.mark.parametrize("mode", ["http", "file"])
def test_a_hostile_query_in_the_address_is_shown_as_text(watched, site_urls, mode):
    """search.html?q=... is a link anyone can send: the query is shown, never interpreted."""
    page, dialogs = watched
    # no project holds every word of it (zzqx), so the page answers "nothing found for <query>"
    query = '<img src=x onerror=alert(31337)><svg onload=alert(31337)>"\'><script>alert(31337)</script>zzqx'
    page.goto(site_urls[mode] + "search.html?q=" + quote(query))
    expect(page.locator("#search-form")).to_have_attribute("data-search-mode", "index")  # http and file://
    expect(page.locator("#search-query")).to_have_value(query)
    poke_everything(page)
    assert not dialogs, dialogs
    assert page.evaluate("() => window.__violations") == []
    assert page.locator("main img, main svg, main iframe").count() == 0
    strings = json.loads(page.locator("#search-config").text_content())["strings"]
    expect(page.locator("#search-status")).to_have_text(strings["none"].replace("{query}", query))
    assert page.locator("#search-results li").count() == 0
