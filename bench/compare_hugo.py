"""How close the Hugo port's pages are to ours: per page kind, the pages each output has, the mean
size of a page, and which elements a sample page has in one output and not in the other.

    python3 bench/compare_hugo.py OURS_OUT HUGO_OUT [--sample KIND=URL ...] [--all-rows]

OURS_OUT is a folder `build.py build --out` wrote, HUGO_OUT one `hugo --destination` wrote from
bench/hugo_content.py's conversion of the same site. Only .html pages are compared (our output
also has data/, search/ and static/ files, which the Hugo port does not make).

For each kind (home, search, round bulletin, unit-round, unit, units index, project, other):
the number of pages in each output, the URLs only one of them has, the mean bytes per page and
their ratio; then, for one sample page (a URL both have: the middle one in sorted order unless
--sample names another), the count of elements by (tag, first class) in each, showing only the
rows that differ (--all-rows: every row). Reads files only; writes nothing.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

KINDS = ("home", "search", "round", "unit_round", "unit_round_published", "unit", "units_index", "project", "other")
PATTERNS = [
    ("home", re.compile(r"index\.html")),
    ("search", re.compile(r"search\.html")),
    ("round", re.compile(r"rounds/[^/]+/index\.html")),
    ("unit_round_published", re.compile(r"rounds/[^/]+/published/[^/]+\.html")),
    ("unit_round", re.compile(r"rounds/[^/]+/[^/]+\.html")),
    ("units_index", re.compile(r"units/index\.html")),
    ("unit", re.compile(r"units/[^/]+\.html")),
    ("project", re.compile(r"projects/[^/]+/[^/]+\.html")),
]


def kind_of(url: str) -> str:
    for kind, pattern in PATTERNS:
        if pattern.fullmatch(url):
            return kind
    return "other"


def html_pages(folder: Path) -> dict[str, Path]:
    """url -> file, for every .html page except the output's search/ and static/ files."""
    pages = {}
    for path in folder.rglob("*.html"):
        url = path.relative_to(folder).as_posix()
        if not url.startswith(("static/", "search/")):
            pages[url] = path
    return pages


class ElementCounter(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.counts: Counter[tuple[str, str]] = Counter()

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        self.counts[(tag, classes[0] if classes else "")] += 1

    handle_startendtag = handle_starttag


def element_counts(path: Path) -> Counter[tuple[str, str]]:
    parser = ElementCounter()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.counts


def compare(ours_dir: Path, hugo_dir: Path, samples: dict[str, str], all_rows: bool) -> None:
    ours, hugo = html_pages(ours_dir), html_pages(hugo_dir)
    by_kind: dict[str, tuple[list[str], list[str]]] = {kind: ([], []) for kind in KINDS}
    for url in ours:
        by_kind[kind_of(url)][0].append(url)
    for url in hugo:
        by_kind[kind_of(url)][1].append(url)

    print("| kind | pages ours | pages Hugo | only ours | only Hugo | mean bytes ours | mean bytes Hugo | Hugo/ours |")
    print("|---|---|---|---|---|---|---|---|")
    total_ours = total_hugo = 0
    for kind in KINDS:
        mine, theirs = by_kind[kind]
        if not mine and not theirs:
            continue
        only_ours, only_hugo = sorted(set(mine) - set(theirs)), sorted(set(theirs) - set(mine))
        bytes_ours = sum(ours[url].stat().st_size for url in mine)
        bytes_hugo = sum(hugo[url].stat().st_size for url in theirs)
        total_ours += bytes_ours
        total_hugo += bytes_hugo
        mean_ours = bytes_ours / len(mine) if mine else 0
        mean_hugo = bytes_hugo / len(theirs) if theirs else 0
        ratio = f"{mean_hugo / mean_ours:.3f}" if mean_ours and mean_hugo else "–"
        print(f"| {kind} | {len(mine)} | {len(theirs)} | {_few(only_ours)} | {_few(only_hugo)} "
              f"| {mean_ours:,.0f} | {mean_hugo:,.0f} | {ratio} |")
    if total_ours:
        print(f"| all | {len(ours)} | {len(hugo)} | | | {total_ours:,} total | {total_hugo:,} total "
              f"| {total_hugo / total_ours:.3f} |")

    for kind in KINDS:
        mine, theirs = by_kind[kind]
        common = sorted(set(mine) & set(theirs))
        if not common:
            continue
        url = samples.get(kind) or common[len(common) // 2]
        if url not in ours or url not in hugo:
            print(f"\n{kind}: sample {url} is not in both outputs")
            continue
        counts_ours, counts_hugo = element_counts(ours[url]), element_counts(hugo[url])
        rows = sorted(set(counts_ours) | set(counts_hugo))
        differing = [row for row in rows if counts_ours[row] != counts_hugo[row]]
        shown = rows if all_rows else differing
        print(f"\n{kind}: sample {url}: {sum(counts_ours.values())} elements ours, "
              f"{sum(counts_hugo.values())} Hugo, {ours[url].stat().st_size:,} / {hugo[url].stat().st_size:,} bytes; "
              f"{len(differing)} of {len(rows)} (tag, class) rows differ")
        for tag, first_class in shown:
            name = f"{tag}.{first_class}" if first_class else tag
            print(f"  {name:40} ours {counts_ours[(tag, first_class)]:5}  Hugo {counts_hugo[(tag, first_class)]:5}")


def _few(urls: list[str], limit: int = 3) -> str:
    if not urls:
        return "0"
    shown = ", ".join(urls[:limit])
    return f"{len(urls)}: {shown}{', …' if len(urls) > limit else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ours", type=Path, help="our build's output folder")
    parser.add_argument("hugo", type=Path, help="Hugo's output folder")
    parser.add_argument("--sample", action="append", default=[], metavar="KIND=URL",
                        help="the sample page of a kind (e.g. unit_round=rounds/r3/u0002.html)")
    parser.add_argument("--all-rows", action="store_true", help="every (tag, class) row, not only those that differ")
    args = parser.parse_args()
    samples = dict(item.split("=", 1) for item in args.sample)
    compare(args.ours, args.hugo, samples, args.all_rows)


if __name__ == "__main__":
    main()
