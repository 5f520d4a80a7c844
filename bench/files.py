"""The files a citizen's browser loads from a built site, and their sizes (used by bench/run.py,
step "files"; issue 15: no file a page or the search loads may exceed 2 MB).

    python3 bench/files.py OUT_DIR [--json FILE]

OUT_DIR is a built output folder. Loaded: every `.html` page, everything under `static/` and
everything under `search/` (the index's manifest, shards, units' result lines, t2s.js). Not
loaded by a page, so not counted: `data/**` (open-data downloads), feeds and sitemaps (`*.xml`,
written only with base_url), anything else; `data/` and `search/` are summed apart for the record.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

LIMIT_BYTES = 2 * 2**20  # the 2 MB, as MB is counted everywhere in bench/ (2**20 bytes)
LARGEST = 10


def loaded_by_a_page(path: str) -> bool:
    """path: relative to the output folder, with forward slashes."""
    if path.startswith("data/"):
        return False
    return path.endswith(".html") or path.startswith(("static/", "search/"))


def percentile(ordered: list[int], share: float) -> int:
    """Nearest rank: the smallest size that at least `share` of the files do not exceed."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def distribution(files: dict[str, int]) -> dict:
    ordered = sorted(files.values())
    if not ordered:
        return {"files": 0, "bytes": 0}
    largest = sorted(files.items(), key=lambda item: (-item[1], item[0]))[:LARGEST]
    return {"files": len(ordered), "bytes": sum(ordered), "median": percentile(ordered, 0.5),
            "p90": percentile(ordered, 0.9), "p99": percentile(ordered, 0.99), "max": ordered[-1],
            "largest": [[path, size] for path, size in largest]}


def measure_files(out: Path) -> dict:
    sizes = {}
    for directory, _, names in os.walk(out):
        for name in names:
            path = Path(directory) / name
            sizes[path.relative_to(out).as_posix()] = path.stat().st_size
    loaded = {p: s for p, s in sizes.items() if loaded_by_a_page(p)}
    def part(prefix: str) -> dict:
        found = distribution({p: s for p, s in sizes.items() if p.startswith(prefix)})
        return {"files": found["files"], "bytes": found["bytes"],
                "largest": found["largest"][0] if found["files"] else None}
    over = sorted(p for p, s in loaded.items() if s > LIMIT_BYTES)
    return {"folder": str(out), "loaded": distribution(loaded), "search": part("search/"), "data": part("data/"),
            "not_loaded": {"files": len(sizes) - len(loaded), "bytes": sum(sizes.values()) - sum(loaded.values())},
            "limit_bytes": LIMIT_BYTES, "limit_holds": not over, "over_limit": over[:20], "over_limit_count": len(over)}


def size(value: int | None) -> str:
    if value is None:
        return "–"
    return f"{value / 2**20:.2f} MB" if value >= 2**20 else f"{value / 1024:.1f} KB"


def describe(found: dict) -> list[str]:
    """A few lines for a terminal or a results file."""
    d, s, data = found["loaded"], found["search"], found["data"]
    lines = [f"files a page or the search loads: {d['files']:,} files, {size(d['bytes'])}; median {size(d.get('median'))}, "
             f"p90 {size(d.get('p90'))}, p99 {size(d.get('p99'))}, max {size(d.get('max'))}",
             "largest: " + ", ".join(f"{path} {size(n)}" for path, n in d.get("largest", [])),
             f"search/: {s['files']:,} files, {size(s['bytes'])}, largest "
             + (f"{s['largest'][0]} {size(s['largest'][1])}" if s["largest"] else "–"),
             f"data/ (downloads, not counted): {data['files']:,} files, {size(data['bytes'])}, largest "
             + (f"{data['largest'][0]} {size(data['largest'][1])}" if data["largest"] else "–"),
             f"limit (no file a page or the search loads over {size(found['limit_bytes'])}): "
             + ("holds" if found["limit_holds"] else
                f"DOES NOT HOLD: {found['over_limit_count']} file(s) over it, e.g. {', '.join(found['over_limit'][:5])}")]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--json", type=Path, help="also write everything measured to this file")
    args = parser.parse_args()
    if not args.out.is_dir():
        raise SystemExit(f"{args.out}: no such folder")
    found = measure_files(args.out)
    print("\n".join(describe(found)))
    if args.json:
        args.json.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
