"""Resident memory of a whole process tree, sampled: what the machine must hold for a build, its
worker processes and any other child together (used by bench/run.py for every measured row).

GNU time's %M is the peak of the largest single process it waited for (the main process or one
worker), never their sum. TreeMemorySampler is a thread that, every ~50 ms, finds every
descendant of a process (scanning /proc/*/stat for parent ids: this kernel has no
/proc/<pid>/task/*/children) and sums their memory:

- VmRSS from /proc/<pid>/status: the issue's "peak resident memory of the whole build". Forked
  workers share the pages they inherited (copy on write), and each one's VmRSS counts them again,
  so this sum is an upper bound of the memory in use;
- Pss from /proc/<pid>/smaps_rollup: shared pages divided among the processes that share them, so
  the sum is the tree's actual share of physical memory (recorded beside it, for the record).

A peak that rises and falls between two samples (less than ~50 ms) is not seen.
"""

from __future__ import annotations

import os
import threading

SAMPLE_EVERY_S = 0.05


def descendants(root: int) -> list[int]:
    """Every process whose chain of parents leads to root (root not included)."""
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
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            found.append(child)
            stack.append(child)
    return found


def rss_kb(pid: int) -> tuple[int | None, int | None]:
    """(VmRSS, VmHWM) of pid in KB; (None, None) once it has ended (or for a zombie)."""
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


def pss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class TreeMemorySampler(threading.Thread):
    """Samples the summed resident memory of root's descendants (and of root itself if
    include_root) until stop(); the peaks are read afterwards from the attributes, or summary()."""

    def __init__(self, root: int, include_root: bool = False) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.include_root = include_root
        self.stopped = threading.Event()
        self.peak_sum_kb = 0  # the largest sum of VmRSS at one sample
        self.peak_sum_processes = 0  # how many processes that sample summed
        self.peak_pss_sum_kb = 0  # the largest sum of Pss at one sample
        self.peak_single_kb = 0  # the largest VmHWM (or VmRSS) of one process seen
        self.max_concurrent = 0
        self.seen: set[int] = set()
        self.samples = 0

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(SAMPLE_EVERY_S)

    def stop(self) -> None:
        self.stopped.set()
        self.join()

    def sample(self) -> None:
        self.samples += 1
        total = pss_total = count = 0
        for pid in ([self.root] if self.include_root else []) + descendants(self.root):
            rss, hwm = rss_kb(pid)
            if not rss:
                continue  # it has just ended, or is a zombie waiting for its parent
            self.seen.add(pid)
            count += 1
            total += rss
            pss_total += pss_kb(pid) or 0
            self.peak_single_kb = max(self.peak_single_kb, rss, hwm or 0)
        if total > self.peak_sum_kb:
            self.peak_sum_kb, self.peak_sum_processes = total, count
        self.peak_pss_sum_kb = max(self.peak_pss_sum_kb, pss_total)
        self.max_concurrent = max(self.max_concurrent, count)

    def summary(self) -> dict:
        return {"tree_peak_kb": self.peak_sum_kb, "tree_peak_pss_kb": self.peak_pss_sum_kb,
                "tree_peak_processes": self.peak_sum_processes, "tree_max_processes": self.max_concurrent,
                "tree_processes_seen": len(self.seen), "tree_samples": self.samples}
