"""The search-indexing step of a build, as the product does it, for its own time and memory
(used by bench/run.py).

    python3 bench/index_step.py SITE_DIR OUT_DIR

OUT_DIR must hold a fresh `build.py build --no-search` build of SITE_DIR, with its build cache
(`.<OUT_DIR name>.cache` beside it); bench/run.py prepares it. This runs, in this process,
bulletin.builder.build_site(SITE_DIR, OUT_DIR, with_search=True): the units are unchanged, so the
build rebuilds none of them and only indexes the search shards (and rewrites search.html, which
now merges the shards). OUT_DIR is left holding the with-search build. Prints one JSON line:

- total_s: build_site as a whole (reading and checking what changed, the site-wide pages,
  indexing every shard, putting the new files in place, recording the new state);
- report: build_site's BuildReport (units_built must be 0: the step measured is the indexing
  of an unchanged site; `incremental` says the cache was used);
- shards: shard folders in OUT_DIR/pagefind after the build (pagefind/ and pagefind/shard-i/);
  shards_indexed: how many times the pagefind binary ran; pagefind_s: the binary's wall seconds,
  summed over its runs (up to 2 run at once, so the sum may exceed the time they took), and
  pagefind_runs_s each run's;
- pagefind_peak_single_kb: the largest peak of one pagefind process (VmHWM and VmRSS of
  /proc/<pid>/status, sampled every ~50 ms in a thread, over every descendant process named
  pagefind_extended or whose command line names pagefind);
  pagefind_peak_sum_kb: the largest SUM of VmRSS over the pagefind processes running at the same
  sample (what the machine must hold when two shards are indexed at once);
  pagefind_processes_seen: how many distinct pagefind processes the sampler saw;
  children_peak_kb: RUSAGE_CHILDREN's ru_maxrss, the exact peak of the largest child waited for
  (the binary's runs only, as long as no unit is rebuilt: a rebuilt unit may start worker processes);
- python_peak_kb: this process's own peak (RUSAGE_SELF; the build's Python side);
- pagefind_files, pagefind_bytes: everything under OUT_DIR/pagefind; offline_data_bytes: the
  size of OUT_DIR/search/offline-data.js.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletin.builder import build_site  # noqa: E402

SAMPLE_EVERY_S = 0.05


class PagefindSampler(threading.Thread):
    """Samples the resident memory of this process's pagefind descendants."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.root = os.getpid()
        self.stopped = threading.Event()
        self.peak_single_kb = 0  # the largest VmHWM (or VmRSS) of one pagefind process
        self.peak_sum_kb = 0  # the largest sum of VmRSS over pagefind processes at one sample
        self.peak_sum_processes = 0  # how many ran at that sample
        self.max_concurrent = 0
        self.seen: set[int] = set()
        self.samples = 0

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(SAMPLE_EVERY_S)
        self.sample()

    def stop(self) -> None:
        self.stopped.set()
        self.join()

    def sample(self) -> None:
        self.samples += 1
        total = count = 0
        for pid in self._descendants():
            if not self._is_pagefind(pid):
                continue
            rss, hwm = self._memory_kb(pid)
            if rss is None:
                continue  # it has just ended
            self.seen.add(pid)
            count += 1
            total += rss
            self.peak_single_kb = max(self.peak_single_kb, rss, hwm or 0)
        if total > self.peak_sum_kb:
            self.peak_sum_kb, self.peak_sum_processes = total, count
        self.max_concurrent = max(self.max_concurrent, count)

    def _descendants(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:
                continue
            fields = stat.rpartition(b")")[2].split()  # the name in parentheses may hold spaces
            if len(fields) > 1:
                children.setdefault(int(fields[1]), []).append(int(name))
        found, stack = [], [self.root]
        while stack:
            for child in children.get(stack.pop(), ()):
                found.append(child)
                stack.append(child)
        return found

    @staticmethod
    def _is_pagefind(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/comm", "rb") as handle:
                if handle.read().startswith(b"pagefind"):
                    return True
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                return b"pagefind" in handle.read()
        except OSError:
            return False

    @staticmethod
    def _memory_kb(pid: int) -> tuple[int | None, int | None]:
        rss = hwm = None
        try:
            with open(f"/proc/{pid}/status", "rb") as handle:
                for line in handle:
                    if line.startswith(b"VmRSS:"):
                        rss = int(line.split()[1])
                    elif line.startswith(b"VmHWM:"):
                        hwm = int(line.split()[1])
        except (OSError, ValueError):
            return None, None
        return rss, hwm


def folder_size(folder: Path) -> tuple[int, int]:
    files = [Path(d) / n for d, _, names in os.walk(folder) for n in names]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> None:
    site_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    if not out_dir.is_dir():
        raise SystemExit(f"{out_dir}: no such folder (it must hold a --no-search build of {site_dir})")
    if (out_dir / "pagefind").exists():
        raise SystemExit(f"{out_dir} already has a search index: build it with --no-search first")

    binary_runs: list[float] = []
    real_run = subprocess.run

    def timed_run(*args, **kwargs):  # build_pagefind_index runs the binary once per shard
        started = time.perf_counter()
        try:
            return real_run(*args, **kwargs)
        finally:
            binary_runs.append(time.perf_counter() - started)

    subprocess.run = timed_run
    sampler = PagefindSampler()
    sampler.start()
    started = time.perf_counter()
    try:
        report = build_site(site_dir, out_dir, with_search=True)
    finally:
        total = time.perf_counter() - started
        sampler.stop()
        subprocess.run = real_run

    pagefind = out_dir / "pagefind"
    shards = sum(1 for _ in pagefind.glob("shard-*")) + (1 if (pagefind / "pagefind.js").is_file() else 0)
    files, size = folder_size(pagefind)
    print(json.dumps({
        "total_s": round(total, 3),
        "report": {key: (round(value, 3) if isinstance(value, float) else value)
                   for key, value in report.__dict__.items()},
        "shards": shards,
        "shards_indexed": len(binary_runs),
        "pagefind_s": round(sum(binary_runs), 3),
        "pagefind_runs_s": [round(s, 3) for s in binary_runs],
        "pagefind_peak_single_kb": sampler.peak_single_kb,
        "pagefind_peak_sum_kb": sampler.peak_sum_kb,
        "pagefind_peak_sum_processes": sampler.peak_sum_processes,
        "pagefind_max_concurrent": sampler.max_concurrent,
        "pagefind_processes_seen": len(sampler.seen),
        "samples": sampler.samples,
        "children_peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "python_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "pagefind_files": files,
        "pagefind_bytes": size,
        "offline_data_bytes": (out_dir / "search" / "offline-data.js").stat().st_size,
    }))


if __name__ == "__main__":
    main()
