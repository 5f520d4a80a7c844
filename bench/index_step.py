"""The search-indexing step of a build, alone, for its own time and memory (used by bench/run.py).

    python3 bench/index_step.py SITE_DIR SCRATCH_DIR

loads the site, makes its search records and runs bulletin.search.build_pagefind_index on them in
SCRATCH_DIR (removed afterwards), as build_site does, and prints one JSON line:

- load_s, records_s: loading the site and making the records (not indexing, for reference);
- index_s: build_pagefind_index as a whole (writing one document per project, running the
  pagefind_extended binary, rewriting its files in a reproducible order);
- pagefind_s: the binary's own run (subprocess.run timed from inside this process);
- pagefind_peak_kb: the binary's peak resident memory. It is the only child this process ever
  starts, so RUSAGE_CHILDREN's ru_maxrss is exactly its peak;
- python_peak_kb: this process's own peak (loading the site and the records dominate it).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletin.builder import BUNDLED_TEMPLATES, load_site, search_folders  # noqa: E402
from bulletin.i18n import load_translator  # noqa: E402
from bulletin.search import build_pagefind_index, pagefind_language, search_records  # noqa: E402


def main() -> None:
    site_dir, scratch = Path(sys.argv[1]), Path(sys.argv[2])
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)

    binary_seconds: list[float] = []
    real_run = subprocess.run

    def timed_run(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real_run(*args, **kwargs)
        finally:
            binary_seconds.append(time.perf_counter() - started)

    subprocess.run = timed_run  # build_pagefind_index calls subprocess.run once, for the binary

    started = time.perf_counter()
    site = load_site(site_dir)
    translator = load_translator(site.config.language, search_folders(site_dir, BUNDLED_TEMPLATES, "templates"),
                                 site_dir)
    loaded = time.perf_counter()
    records = search_records(site, translator)
    recorded = time.perf_counter()
    try:
        index = build_pagefind_index(records, pagefind_language(site, records), scratch)
        indexed = time.perf_counter()
        files = [p for p in index.rglob("*") if p.is_file()]
        result = {
            "records": len(records),
            "load_s": round(loaded - started, 3),
            "records_s": round(recorded - loaded, 3),
            "index_s": round(indexed - recorded, 3),
            "pagefind_s": round(sum(binary_seconds), 3),
            "pagefind_peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
            "python_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "index_files": len(files),
            "index_bytes": sum(p.stat().st_size for p in files),
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
