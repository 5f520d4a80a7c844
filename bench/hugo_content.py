"""The synthetic site as a Hugo site: the same pages, at the same URLs, with the same data.

    python3 bench/hugo_content.py SITE_DIR HUGO_DIR

reads SITE_DIR with the product's own loader (bulletin.loader.load_site: validation, model,
histories, not-reported rule), so both generators render the very same data, and writes into
HUGO_DIR a copy of the skeleton in bench/hugo/ (config, layouts, i18n), the product's static/
files, data/site.yaml, and one Markdown file per page our build writes:

    content/_index.md                      -> index.html          (home: latest round, unit table)
    content/search.md                      -> search.html
    content/rounds/<round>/bulletin.md     -> rounds/<round>/index.html
    content/rounds/<round>/<unit>.md       -> rounds/<round>/<unit>.html
    content/units/<unit>.md                -> units/<unit>.html
    content/projects/<unit>/<project>.md   -> projects/<unit>/<project>.html
    content/units/all.md                   -> units/index.html    (every unit with its latest list)

Each page's data is in its YAML front matter (what a Hugo user would do); derived values that a
Hugo template cannot compute without scanning every page (histories, changes between rounds,
projects not reported, counts per status, the rounds before and after) are computed here, so Hugo's
build time covers parsing the front matter, Markdown, templates and writing, but not the loading and
checking our build also does. What a page draws from those values is drawn by Hugo's templates, as
ours draw it: totals summed from the counts, the SVG charts' geometry (bulletin/charts.py) computed
with Hugo's math functions, completion rates, 逾期 (overdue) from `due` and the round's date.
Prints the number of pages and the seconds spent.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bulletin.layout import BUNDLED_STATIC, TEMPLATES, overridable  # noqa: E402
from bulletin.loader import load_site  # noqa: E402
from bulletin.content import STATUSES  # noqa: E402
from bulletin.i18n import load_translator  # noqa: E402
from bulletin.render import format_change_value  # noqa: E402
from bulletin.govsite import open_info  # noqa: E402

SKELETON = BENCH / "hugo"
STATUS_ORDER = tuple(STATUSES) + ("not_reported",)
Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def number(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def round_data(rnd) -> dict:
    return {"id": rnd.id, "title": rnd.title, "date": rnd.date.isoformat()}


def round_ref(rnd) -> dict | None:
    return {"id": rnd.id, "title": rnd.title} if rnd else None


def neighbours(rounds: list, position: int) -> dict:
    """The rounds before and after rounds[position] (the benchmark has no draft rounds)."""
    return {"previous_round": round_ref(rounds[position - 1] if position > 0 else None),
            "next_round": round_ref(rounds[position + 1] if position + 1 < len(rounds) else None)}


def counts_list(counts: Counter, keep_zero: bool = True) -> list[dict]:
    # "count", not "n": YAML 1.1 (Hugo's parser) reads the key n as the boolean false
    return [{"status": status, "count": counts.get(status, 0)} for status in STATUS_ORDER
            if keep_zero or counts.get(status, 0)]


def entry_data(entry) -> dict:
    data = {"status": entry.status, "progress": entry.progress}
    for name in ("lead", "category", "location"):
        if getattr(entry, name):
            data[name] = getattr(entry, name)
    if entry.funding:
        data["funding"] = {"amount": number(entry.funding.amount), "unit": entry.funding.unit}
    if entry.target:
        data["target"] = {"name": entry.target.name, "planned": number(entry.target.planned),
                          "done": number(entry.target.done), "unit": entry.target.unit}
    if entry.updated:
        data["updated"] = entry.updated.isoformat()
    if entry.due:
        data["due"] = entry.due
    return data


def footer_data(footer) -> dict | None:
    """site.yaml footer: its fields that are set, and the police record's digits; None without one."""
    if not footer:
        return None
    data = {name: getattr(footer, name) for name in footer.__dataclass_fields__ if getattr(footer, name)}
    if footer.police_code:
        data["police_code"] = footer.police_code
    return data


def write_page(path: Path, front: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.dump(front, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=10_000)
    path.write_text(f"---\n{text}---\n", encoding="utf-8")


def convert(site_dir: Path, hugo_dir: Path) -> int:
    site = load_site(site_dir)
    translator = load_translator(site.config.language, overridable(site_dir, TEMPLATES),
                                 site_dir)

    if hugo_dir.exists():
        shutil.rmtree(hugo_dir)
    shutil.copytree(SKELETON, hugo_dir)
    shutil.copytree(BUNDLED_STATIC, hugo_dir / "static" / "static")
    content = hugo_dir / "content"
    latest = site.latest_round

    (hugo_dir / "data").mkdir()
    site_data = {
        "title": site.config.title, "publisher": site.config.publisher,
        "phone": site.config.supervision_phone, "note": site.config.supervision_note,
        "latest_round": latest.id,
        "round_titles_newest_first": [rnd.title for rnd in reversed(site.rounds)],
        "unit_names": [unit.name for unit in site.units], "groups": list(site.groups),
        "statuses": list(STATUSES),
        "footer": footer_data(site.config.footer),
    }
    if site.config.base_url:
        site_data["base_url"] = site.config.base_url
    (hugo_dir / "data" / "site.yaml").write_text(
        yaml.dump(site_data, Dumper=Dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")

    pages = 0

    def page(path: Path, front: dict) -> None:
        nonlocal pages
        write_page(path, front)
        pages += 1

    # home
    latest_units = site.round_units(latest.id)
    counts = sum((Counter(ur.counts) for ur in latest_units), Counter())
    total = sum(counts.values())  # as ours: the projects not reported this round included
    counts_by_round = [(rnd, sum((Counter(ur.counts) for ur in site.round_units(rnd.id)), Counter()))
                       for rnd in site.rounds]
    page(content / "_index.md", {
        "title": site.config.title,
        "round": round_data(latest), "total": total,
        "completion_rate": (counts["completed"] / total * 100) if total else 0.0,
        "counts": counts_list(counts),
        "unit_rows": [{"id": ur.unit.id, "name": ur.unit.name, "group": ur.unit.group, "count": len(ur.entries),
                       "counts": counts_list(ur.counts)} for ur in latest_units],
        "round_totals": [{"round": round_data(rnd), "count": sum(each.values())}
                         for rnd, each in reversed(counts_by_round)],
        "round_counts": [{"round": round_ref(rnd), "counts": counts_list(each)} for rnd, each in counts_by_round],
    })
    page(content / "search.md", {"title": translator("search_page_title"), "layout": "search",
                                 "url": "/search.html", "trail": [{"label": translator("nav_search")}]})

    for position, (rnd, round_counts) in enumerate(counts_by_round):
        unit_rounds = site.round_units(rnd.id)
        info = open_info(site.config, rnd.id)
        page(content / "rounds" / rnd.id / "bulletin.md", {
            "title": rnd.title, "layout": "round", "url": f"/rounds/{rnd.id}/index.html",
            "trail": [{"label": rnd.title}],
            "round": round_data(rnd), "total": sum(round_counts.values()),
            "open_info": {name: value for name, value in (("index_number", info.index_number),
                          ("subject", info.subject), ("document_number", info.document_number)) if value},
            **({"intro": rnd.intro} if rnd.intro else {}),
            "overdue": sum(ur.overdue for ur in unit_rounds),
            **neighbours(site.rounds, position),
            "counts": counts_list(round_counts),
            "groups": [{"group": group, "units": [
                {"id": ur.unit.id, "name": ur.unit.name, "count": len(ur.entries),
                 "counts": counts_list(ur.counts, keep_zero=False), "submitted": ur.submitted}
                for ur in unit_rounds if ur.unit.group == group]}
                for group in site.groups if any(ur.unit.group == group for ur in unit_rounds)],
        })
        for ur in unit_rounds:
            unit = ur.unit
            with_pages = [each for each in site.rounds if (each.id, unit.id) in site.unit_rounds]
            page(content / "rounds" / rnd.id / f"{unit.id}.md", {
                "title": f"{unit.name}（{rnd.title}）", "layout": "unit_round",
                "url": f"/rounds/{rnd.id}/{unit.id}.html",
                "trail": [{"label": rnd.title, "href": f"/rounds/{rnd.id}/index.html"}, {"label": unit.name}],
                "round": round_data(rnd), "unit": {"id": unit.id, "name": unit.name},
                **neighbours(with_pages, with_pages.index(rnd)),
                "counts": counts_list(ur.counts, keep_zero=False), "submitted": ur.submitted,
                "entries": [{"number": e.number, "project_id": e.project_id, "title": e.title,
                             "has_history": (unit.id, e.project_id) in site.histories, **entry_data(e)}
                            for e in ur.entries],
                "missing": [{"project_id": step.last.project_id, "title": step.last.title,
                             "last_round": next(r.title for r in site.rounds if r.id == step.last.round_id),
                             "last_status": step.last.status, **({"due": step.last.due} if step.last.due else {})}
                            for step in ur.missing],
            })

    for unit in site.units:
        histories = site.unit_histories(unit.id)
        rounds = [site.unit_rounds[(rnd.id, unit.id)] for rnd in site.rounds if (rnd.id, unit.id) in site.unit_rounds]
        if not rounds:
            continue
        page(content / "units" / f"{unit.id}.md", {
            "title": unit.name, "layout": "unit", "url": f"/units/{unit.id}.html",
            "trail": [{"label": unit.name}],
            "unit": {"id": unit.id, "name": unit.name, "group": unit.group},
            "unit_rounds": [{"round": round_data(ur.round), "counts": counts_list(ur.counts, keep_zero=False)}
                            for ur in reversed(rounds)],
            "projects": [{"id": h.project_id, "title": h.latest.title, "status": h.latest.status,
                          "reported": h.latest_step.reported, "latest_report": h.latest_reported_round.title,
                          "first_round": h.first_round.title,
                          **({"due": h.latest.due, "on": h.latest_step.round.date.isoformat()} if h.latest.due else {})}
                         for h in histories],
        })
        for h in histories:
            steps = []
            for step in reversed(h.steps):
                item = {"round": round_data(step.round), "reported": step.reported}
                if step.reported:
                    item["first"] = step.progress_rewritten is None
                    item["progress_rewritten"] = bool(step.progress_rewritten)
                    item["changes"] = [
                        {"field": c.field, "before": c.before, "after": c.after} if c.field == "status" else
                        {"field": c.field, "before": format_change_value(c.before, translator),
                         "after": format_change_value(c.after, translator)} for c in step.changes]
                    item["entry"] = entry_data(step.entry)
                steps.append(item)
            page(content / "projects" / unit.id / f"{h.project_id}.md", {
                "title": h.latest.title, "layout": "project", "url": f"/projects/{unit.id}/{h.project_id}.html",
                "trail": [{"label": unit.name, "href": f"/units/{unit.id}.html"}, {"label": h.latest.title}],
                "unit": {"id": unit.id, "name": unit.name}, "latest_status": h.latest.status,
                "latest_reported": h.latest_step.reported,
                "first_round": round_data(h.first_round), "latest_reported_round": round_data(h.latest_reported_round),
                "steps": steps,
            })
    units_groups: dict[str, list[dict]] = {group: [] for group in site.groups}
    for unit in site.units:
        shown = [site.unit_rounds[(rnd.id, unit.id)] for rnd in site.rounds if (rnd.id, unit.id) in site.unit_rounds]
        if shown:
            units_groups.setdefault(unit.group, []).append({
                "id": unit.id, "name": unit.name, "latest": round_ref(shown[-1].round),
                "counts": counts_list(shown[-1].counts, keep_zero=False), "submitted": shown[-1].submitted})
    page(content / "units" / "all.md", {
        "title": translator("all_units"), "layout": "units", "url": "/units/index.html",
        "trail": [{"label": translator("all_units")}],
        "groups": [{"group": group, "units": units} for group, units in units_groups.items() if units],
    })
    return pages


def main() -> None:
    site_dir, hugo_dir = Path(sys.argv[1]), Path(sys.argv[2])
    started = time.perf_counter()
    pages = convert(site_dir, hugo_dir)
    print(json.dumps({"pages": pages, "seconds": round(time.perf_counter() - started, 3)}))


if __name__ == "__main__":
    main()
