#!/usr/bin/env python3
"""Benchmark: our build against Hugo on the same synthetic content, at a city's and a province's scale.

    python3 bench/run.py [--scale city|province|both] [--runs 3] [--out bench/out]

For each scale, in one run on one machine, in this order (the most telling first, since a
province run may be stopped midway; results are saved after each step):

1. generates the synthetic site (bench/generate.py) into OUT/<scale>/site, once: it is kept and
   reused while the generator's arguments and source are the same (OUT/<scale>/site.stamp.json);
2. "full": times our build (`build.py build`: the search index is always made), each run a fresh
   process under /usr/bin/time (wall seconds by time.perf_counter around the child, CPU seconds
   and the peak resident memory of the largest single process from GNU time, and the peak of the
   SUM over the process and all its descendants, workers included, sampled by bench/memory.py),
   of the site as generated and of the same site with `base_url` in its site.yaml (a copy of the
   site, its content hard-linked: QR codes on the printed pages, feeds and sitemaps), each a cold
   build: into a folder that does not exist yet, its build cache (the hidden `.<folder>.cache`
   beside it, which also keeps the QR codes) removed too; counts pages (.html files);
3. "hugo": when `hugo` is installed, converts the same site into Hugo content
   (bench/hugo_content.py, layouts in bench/hugo/; cached like the site) and times
   `hugo --quiet` into a fresh folder;
4. "files" (also accepted as "index", its name when it measured Pagefind): the size distribution
   of the files a citizen's browser loads from the full build's output (bench/files.py: every
   .html page, static/**, search/**; not data/** nor feeds or sitemaps), its 10 largest, search/
   and data/ apart, and whether the issue's limit (no such file over 2 MB) holds;
5. "rebuilds": incremental builds, each keeping the build cache: a rebuild with nothing changed,
   into the existing output of the full build, and a rebuild after appending a sentence to one
   project's progress in one unit file of the latest round (restored afterwards), counting files
   rewritten (new inode or mtime) and files whose bytes changed, with the build's own summary
   ("N files written, M removed, K of U units rebuilt"), and their ratio to the full build, held
   against the issue's targets (one edit: ≤ 15 % of the full build at city scale and within 2× the
   nothing-changed rebuild; ≤ 2 % at province scale);
6. "import": `build.py import` of a ledger workbook (bench/ledger.py, --import-rows rows, one sheet
   with a unit column) into a new round of a site made for it by bench/generate.py (the scale's
   units, as many projects as rows, 2 rounds), with --dry-run and for real, each into a fresh copy
   of the site given a round by `new-round --empty`; beside the cold build of that same site, for
   the ratio (see import_step);
7. "latency": search latency in Chromium (bench/latency.py, in a separate process): 20 queries
   derived from the site's project titles, on the output of the full build of step 2 as the steps
   before left it, served by a local static server and opened from file://; the time from the
   navigation's start to the first result shown (see latency_step).

Every measured command runs with a timeout (--timeout) and an address-space cap (--mem-cap-gb)
set in the child; a command that exceeds either is reported as failed, not fatal.
Prints a table and writes OUT/results.json and OUT/results.md (results of other scales measured
earlier are kept, each with its own date).
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import hashlib
import json
import os
import platform
import pstats
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from files import LIMIT_BYTES, describe as describe_files, measure_files, size as size_text  # bench/files.py
from memory import TreeMemorySampler  # bench/memory.py

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
GNU_TIME = "/usr/bin/time"

SCALES = {
    "city": {"units": 60, "projects": 1200, "rounds": 6},
    "province": {"units": 2000, "projects": 100000, "rounds": 6},
}
# "full_search" keeps its key from when a build could leave the index out: results.json files of
# that time stay comparable (it was, and is, what `build.py build` does).
ROWS = {
    "full_search": "full build (fresh folder)",
    "full_base_url": "full build with base_url (QR codes, feeds; fresh folder)",
    "noop_rebuild": "rebuild, nothing changed",
    "one_file_rebuild": "rebuild after editing one unit file",
    "hugo_full": "Hugo full build (fresh folder)",
    "import_site_build": "import site: full build (fresh folder)",
    "import_dry_run": "import ledger workbook, --dry-run",
    "import_real": "import ledger workbook into a new round",
}
# Rows earlier versions of this harness measured: shown when an old results.json has them.
OLD_ROWS = {"full_no_search": "full build, no search (earlier harness; --no-search now does nothing)"}
FULL_ROWS = ("full_search", "full_base_url")
STEPS = ("full", "hugo", "files", "rebuilds", "import", "latency")
STEP_ALIASES = {"index": "files"}  # the files step replaced the Pagefind index step
BASE_URL = "https://example.gov.cn/"
LIMIT_MB = LIMIT_BYTES / 2**20  # no file a page or the search loads above it
MEMORY_LIMIT_MB = 1536  # the issue: the whole build, workers included, within 1.5 GB
# the issue's targets for the one-edit rebuild, as a share of the full build
ONE_EDIT_TARGET = {"city": 0.15, "province": 0.02}
ONE_EDIT_TIMES_NOOP = 2  # at city scale, also within twice the nothing-changed rebuild
IMPORT_SUMMARY_LINES = ("Units:", "Matched", "Dry run", "Wrote")  # what `build.py --lang en import` sums up
IMPORT_ROUND = "next"  # the round `new-round --empty` adds to the import site before each import
EDIT_UNIT = "u0001"


# ---------------------------------------------------------------- running and measuring children

# Python as it runs on a staff member's machine, where our modules are compiled once and kept in
# __pycache__: a sandbox or CI that sets PYTHONDONTWRITEBYTECODE would time their compiling on every
# run (about 0.06 s a run here, a fifth of a rebuild). main() compiles them before the first run.
MEASURED_ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _limits(mem_cap_bytes: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem_cap_bytes, mem_cap_bytes))
    return apply


def measure(command: list[str], *, timeout: float, mem_cap_gb: float, cwd: Path = ROOT) -> dict:
    """Run command once under GNU time; wall seconds, peak RSS (KB), exit status, output tail."""
    with tempfile.NamedTemporaryFile(prefix="bench-time-", suffix=".txt", delete=False) as handle:
        time_file = handle.name
    full = [GNU_TIME, "-f", "%M %e %U %S", "-o", time_file, "--"] + command
    load = os.getloadavg()[0]  # other work on the machine slows the wall clock: recorded with each run
    timed_out = False
    started = time.perf_counter()
    process = subprocess.Popen(full, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, preexec_fn=_limits(int(mem_cap_gb * 2**30)),
                               env=MEASURED_ENVIRONMENT)
    # everything under GNU time (the command, its workers and their children), summed
    sampler = TreeMemorySampler(process.pid)
    sampler.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)  # GNU time and everything under it
        stdout, stderr = process.communicate()
    finally:
        sampler.stop()
    seconds = time.perf_counter() - started
    peak_kb = cpu = None
    try:
        lines = Path(time_file).read_text().strip().splitlines()
        match = re.fullmatch(r"(\d+) ([\d.]+) ([\d.]+) ([\d.]+)", lines[-1]) if lines else None
        if match:
            peak_kb, cpu = int(match.group(1)), float(match.group(3)) + float(match.group(4))
    finally:
        os.unlink(time_file)
    result = {"ok": process.returncode == 0 and not timed_out, "seconds": round(seconds, 3),
              "peak_kb": peak_kb, "cpu_s": cpu, "load_before": round(load, 2), **sampler.summary(),
              "returncode": process.returncode, "stdout": stdout.strip()[-2000:],
              "stdout_head": stdout.strip()[:2000], "stdout_lines": len(stdout.splitlines())}
    if not result["ok"]:
        text = (stderr or "") + (stdout or "")
        if timed_out:
            reason = f"timed out after {timeout:.0f} s"
        elif re.search(r"MemoryError|out of memory|Cannot allocate memory|memory allocation", text) \
                or process.returncode in (-9, 137):
            reason = f"ran out of memory (cap {mem_cap_gb:g} GB address space)"
        else:
            reason = f"exit status {process.returncode}"
        result["error"] = reason + ": " + " / ".join(text.strip().splitlines()[-4:])[-600:]
    return result


def repeated(label: str, runs: int, prepare, command: list[str], args, after=None, keep_output: bool = False) -> dict:
    """`runs` measured runs, each preceded by prepare(i) (not timed) and followed by after(i);
    keep_output: the last lines the command printed are kept (a command whose summary is not
    build's "Built …" line)."""
    measurements = []
    for i in range(runs):
        if prepare:
            prepare(i)
        print(f"  {label}: run {i + 1}/{runs} ...", end="", flush=True)
        result = measure(command, timeout=args.timeout, mem_cap_gb=args.mem_cap_gb)
        result["cli_summary"] = cli_summary(result["stdout"])
        if after and result["ok"]:
            result.update(after(i))
        print(f" {result['seconds']:.2f} s (CPU {result['cpu_s'] or 0:.2f} s, load {result['load_before']:.1f}), "
              f"{(result['peak_kb'] or 0) / 1024:.0f} MB, all processes {result['tree_peak_kb'] / 1024:.0f} MB"
              + (f" [{result['cli_summary']}]" if result["cli_summary"] else "")
              + (f", {result['files_rewritten']} files rewritten, {result['files_changed']} changed"
                 if "files_rewritten" in result else "")
              + ("" if result["ok"] else f"  FAILED: {result['error']}"), flush=True)
        measurements.append(result)
        if not result["ok"]:
            break
    ok = [m for m in measurements if m["ok"]]
    summary = {
        "ok": bool(ok) and len(ok) == len(measurements),
        "runs_s": [m["seconds"] for m in measurements],
        "median_s": round(statistics.median(m["seconds"] for m in ok), 3) if ok else None,
        "best_s": round(min(m["seconds"] for m in ok), 3) if ok else None,
        "measured_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "peak_mb": round(max(m["peak_kb"] or 0 for m in ok) / 1024, 1) if ok else None,
        # the sum over the process tree (bench/memory.py): VmRSS, and Pss for the record
        "peak_all_mb": round(max(m["tree_peak_kb"] for m in ok) / 1024, 1) if ok else None,
        "peak_all_pss_mb": round(max(m["tree_peak_pss_kb"] for m in ok) / 1024, 1) if ok else None,
        "peak_all_processes": max(m["tree_peak_processes"] for m in ok) if ok else None,
        "median_cpu_s": round(statistics.median(m["cpu_s"] or 0 for m in ok), 3) if ok else None,
        "cpu_runs_s": [m["cpu_s"] for m in measurements],
        "load_before_runs": [m["load_before"] for m in measurements],
    }
    if any(m.get("cli_summary") for m in measurements):  # build.py's own account of what it did
        summary["cli_summary"] = (ok or measurements)[-1].get("cli_summary")
        summary["cli_summary_runs"] = [m.get("cli_summary") for m in measurements]
    if not summary["ok"]:
        failed = next(m for m in measurements if not m["ok"])
        summary["error"] = failed["error"]
        summary["failed_run"] = {"seconds": failed["seconds"], "cpu_s": failed["cpu_s"],
                                 "peak_mb": round(failed["peak_kb"] / 1024, 1) if failed["peak_kb"] else None,
                                 "peak_all_mb": round(failed["tree_peak_kb"] / 1024, 1)}
    for key in ("pages", "files", "files_rewritten", "files_changed", "changed_paths", "rewritten_paths",
                "unit_files", "unit_files_bytes", "check_after"):
        if ok and key in ok[-1]:
            summary[key] = ok[-1][key]
    if keep_output and measurements:
        last = (ok or measurements)[-1]
        summary["output_head"] = last["stdout_head"].splitlines()[:12]
        summary["output_tail"] = last["stdout"].splitlines()[-8:]
        summary["output_lines"] = last["stdout_lines"]
    return summary


def cli_summary(stdout: str) -> str | None:
    """What `build.py build` says it did, from its last line: "Built … (N files written, M removed,
    K of U units rebuilt)" or "(nothing changed, nothing written)"."""
    lines = [line for line in (stdout or "").splitlines() if line.startswith("Built ")]
    match = re.search(r"\(([^()]*)\)\s*$", lines[-1]) if lines else None
    return match.group(1) if match else None


# ---------------------------------------------------------------- output folders

def html_pages(folder: Path) -> int:
    return sum(1 for _, _, names in os.walk(folder) for name in names if name.endswith(".html"))


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every file: (inode, mtime_ns, SHA-1 of its bytes)."""
    found = {}
    for directory, _, names in os.walk(folder):
        for name in names:
            path = Path(directory) / name
            stat = path.stat()
            with open(path, "rb") as handle:
                digest = hashlib.file_digest(handle, "sha1").hexdigest()
            found[path.relative_to(folder).as_posix()] = (stat.st_ino, stat.st_mtime_ns, digest)
    return found


def compare(before: dict, after: dict) -> dict:
    rewritten = [p for p, (ino, mtime, _) in after.items()
                 if p not in before or before[p][0] != ino or before[p][1] != mtime]
    changed = sorted([p for p, (_, _, digest) in after.items() if p not in before or before[p][2] != digest]
                     + [f"(removed) {p}" for p in before if p not in after])
    return {"files": len(after), "files_rewritten": len(rewritten), "files_changed": len(changed),
            "changed_paths": changed[:40], "rewritten_paths": sorted(rewritten)[:40]}


def folder_size(folder: Path) -> tuple[int, int]:
    files = [Path(d) / n for d, _, names in os.walk(folder) for n in names]
    return len(files), sum(p.stat().st_size for p in files)


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    # left by a killed build (bulletin.output), and the build cache (bulletin.cache): a cold build
    for hidden in (".staging", ".previous", ".scratch", ".cache"):
        leftover = path.parent / f".{path.name}{hidden}"
        if leftover.is_dir():
            shutil.rmtree(leftover)


# ---------------------------------------------------------------- cached inputs

def file_digest(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def cached(stamp_path: Path, key: dict, target: Path, make) -> dict:
    """Run make() unless stamp_path records the same key and target exists; return the stamp."""
    if stamp_path.is_file() and target.exists():
        stamp = json.loads(stamp_path.read_text())
        if stamp.get("key") == key and stamp.get("ok", True):  # a failed conversion is tried again
            stamp["cached"] = True
            return stamp
    stamp_path.unlink(missing_ok=True)
    if target.exists():
        shutil.rmtree(target)
    stamp = {"key": key, **make()}
    stamp_path.write_text(json.dumps(stamp, indent=1))
    return {**stamp, "cached": False}


def generate_site(scale: str, work: Path, args) -> dict:
    site = work / "site"
    params = SCALES[scale]
    key = {**params, "generator": file_digest(BENCH / "generate.py")}

    def make() -> dict:
        print(f"  generating {scale} site: {params} ...", flush=True)
        result = measure([sys.executable, str(BENCH / "generate.py"), str(site), "--units", str(params["units"]),
                          "--projects", str(params["projects"]), "--rounds", str(params["rounds"])],
                         timeout=args.timeout, mem_cap_gb=args.mem_cap_gb)
        if not result["ok"]:
            raise SystemExit(f"cannot generate the {scale} site: {result['error']}")
        files, size = folder_size(site)
        return {"seconds": result["seconds"], "peak_mb": round(result["peak_kb"] / 1024, 1),
                "files": files, "bytes": size}

    return cached(work / "site.stamp.json", key, site, make)


def hugo_content(work: Path, site_stamp: dict, args) -> dict:
    hugo_dir = work / "hugo"
    # not keyed on bulletin/ (edited often; a province conversion takes minutes): delete
    # OUT/<scale>/hugo.stamp.json to convert again after a change to the model
    key = {"site": site_stamp["key"], "converter": file_digest(BENCH / "hugo_content.py")}

    def make() -> dict:
        print("  converting the site into Hugo content ...", flush=True)
        result = measure([sys.executable, str(BENCH / "hugo_content.py"), str(work / "site"), str(hugo_dir)],
                         timeout=args.timeout, mem_cap_gb=args.mem_cap_gb)
        if not result["ok"]:
            return {"ok": False, "error": result["error"]}
        reported = json.loads(result["stdout"].splitlines()[-1])
        files, size = folder_size(hugo_dir / "content")
        return {"ok": True, "seconds": result["seconds"], "peak_mb": round(result["peak_kb"] / 1024, 1),
                "pages": reported["pages"], "content_files": files, "content_bytes": size}

    stamp = cached(work / "hugo.stamp.json", key, hugo_dir, make)
    if stamp.get("ok"):  # the skeleton is small: always take the current one
        for name in ("layouts", "i18n"):
            shutil.rmtree(hugo_dir / name, ignore_errors=True)
            shutil.copytree(BENCH / "hugo" / name, hugo_dir / name)
        shutil.copy2(BENCH / "hugo" / "config.toml", hugo_dir / "config.toml")
    return stamp


# ---------------------------------------------------------------- one scale

def our_build(site: Path, out: Path) -> list[str]:
    # --lang en: cli_summary reads the build's English last line (the sites are zh-CN)
    return [sys.executable, str(ROOT / "build.py"), "--lang", "en", "build", "--site", str(site), "--out", str(out)]


def base_url_site(site: Path, copy: Path) -> None:
    """copy: the site with `base_url` added to its site.yaml (QR codes on printed pages, feeds,
    sitemaps). Made again each time: the content is hard-linked (no space, and a province's
    12,000 files link in seconds), site.yaml is a file of its own."""
    remove(copy)
    try:
        shutil.copytree(site, copy, copy_function=os.link)
    except OSError:  # another file system: copy instead
        remove(copy)
        shutil.copytree(site, copy)
    config = copy / "site.yaml"
    text = (site / "site.yaml").read_text(encoding="utf-8")
    config.unlink()
    config.write_text(f"base_url: {BASE_URL}\n" + text, encoding="utf-8")


def edited_file(site: Path) -> Path:
    rounds = [line.split(":", 1)[1].strip() for line in (site / "site.yaml").read_text(encoding="utf-8").splitlines()
              if line.strip().startswith("- id:")]
    return site / "content" / rounds[-1] / f"{EDIT_UNIT}.yaml"


def restore_edit(work: Path) -> None:
    """Put back a unit file left edited by an interrupted run."""
    backup = work / "edit-backup.json"
    if backup.is_file():
        saved = json.loads(backup.read_text())
        path = Path(saved["path"])
        path.write_bytes(bytes.fromhex(saved["bytes"]))
        os.utime(path, ns=(saved["atime_ns"], saved["mtime_ns"]))
        backup.unlink()


def run_scale(scale: str, args, save, previous: dict | None = None) -> dict:
    """Measure one scale; save(result) after each step, so a run stopped midway keeps what it measured.
    The most telling rows come first: full builds, Hugo, the files a citizen loads, then the rebuilds. With only
    some --steps, the other rows are kept from `previous` (each row records when it was measured)."""
    work = args.out / scale
    work.mkdir(parents=True, exist_ok=True)
    restore_edit(work)
    print(f"== {scale}: {SCALES[scale]}", flush=True)
    site_stamp = generate_site(scale, work, args)
    site = work / "site"
    print(f"  site: {site_stamp['files']} files, {site_stamp['bytes'] / 2**20:.1f} MB "
          f"({'cached' if site_stamp['cached'] else 'generated'} in {site_stamp['seconds']:.1f} s)", flush=True)
    result: dict = {"scale": scale, "parameters": SCALES[scale], "runs": args.runs,
                    "measured_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                    "complete": False, "revision": machine()["revision"],
                    "generation": {k: site_stamp[k] for k in ("seconds", "peak_mb", "files", "bytes", "cached")},
                    "rows": {}, "search": {}}
    if previous and set(args.steps) != set(STEPS):
        # not "search": the Pagefind figures of earlier versions describe an index that is gone
        result.update({k: v for k, v in previous.items()
                       if k in ("rows", "hugo_conversion", "profile", "import", "latency", "files")})
        result["steps_rerun"] = {"steps": sorted(args.steps), "at": result["measured_at"]}
        result["measured_at"] = previous.get("measured_at", result["measured_at"])
    result.pop("search", None)
    rows = result["rows"]
    # "public-search": the name from when a build could leave the index out (kept for old OUT folders)
    withsearch, base_url_out = work / "public-search", work / "public-base-url"
    site_base_url = work / "site-base-url"
    save(result)

    # full builds into a folder that does not exist, the site as generated and with base_url
    if "full" in args.steps:
        for key in OLD_ROWS:  # measured by an earlier harness, not comparable with the new rows
            rows.pop(key, None)
        remove(work / "public-nosearch")  # an earlier harness's output
        base_url_site(site, site_base_url)
        for key, source, out in (("full_search", site, withsearch), ("full_base_url", site_base_url, base_url_out)):
            rows[key] = repeated(ROWS[key], args.runs, lambda i, out=out: remove(out), our_build(source, out),
                                 args, after=lambda i, out=out: {"pages": html_pages(out)})
            save(result)
        remove(base_url_out)  # only its time and memory are wanted: half the disk at province scale

    # Hugo on the same content
    hugo = shutil.which("hugo")
    if "hugo" not in args.steps:
        pass
    elif hugo and not args.no_hugo:
        convert = hugo_content(work, site_stamp, args)
        result["hugo_conversion"] = {k: v for k, v in convert.items() if k != "key"}
        if convert.get("ok"):
            hugo_out, cache = work / "hugo-public", work / "hugo-cache"
            command = [hugo, "--quiet", "--source", str(work / "hugo"), "--destination", str(hugo_out),
                       "--cacheDir", str(cache), "--noBuildLock"]
            rows["hugo_full"] = repeated(ROWS["hugo_full"], args.runs, lambda i: remove(hugo_out), command, args,
                                         after=lambda i: {"pages": html_pages(hugo_out)})
        else:
            rows["hugo_full"] = {"ok": False, "error": "Hugo content conversion failed: " + convert.get("error", "")}
    elif not hugo:
        rows["hugo_full"] = {"ok": False, "error": "hugo is not installed (apt-get install -y hugo)"}
    save(result)

    # what a citizen's browser downloads: the full build's output as the full step left it
    if "files" in args.steps:
        if (withsearch / "index.html").is_file():
            print(f"  files: the files a page or the search loads, in {withsearch.name} ...", flush=True)
            result["files"] = {"measured_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                               **measure_files(withsearch)}
            for line in describe_files(result["files"]):
                print(f"    {line}", flush=True)
        else:
            result["files"] = {"error": f"skipped: {withsearch.name} holds no build (run --steps full first)"}
        save(result)

    # rebuilds of the full build's output (what `python3 build.py build` does)
    if "rebuilds" in args.steps:
        if rows.get("full_search", {}).get("ok") and withsearch.is_dir():
            state: dict = {}

            def take_snapshot(i: int) -> None:
                state["before"] = snapshot(withsearch)

            def compared(i: int) -> dict:
                return {"pages": html_pages(withsearch), **compare(state["before"], snapshot(withsearch))}

            # not timed: brings the output in line with the content (after the full builds, it has
            # nothing to do; after an earlier run of these rows, it undoes their last edit)
            print(f"  rebuilds: bringing {withsearch.name} up to date (not timed) ...", end="", flush=True)
            synced = measure(our_build(site, withsearch), timeout=args.timeout, mem_cap_gb=args.mem_cap_gb)
            print(f" {synced['seconds']:.2f} s [{cli_summary(synced['stdout'])}]"
                  + ("" if synced["ok"] else f"  FAILED: {synced['error']}"), flush=True)
            rows["noop_rebuild"] = repeated(ROWS["noop_rebuild"], args.runs, take_snapshot,
                                            our_build(site, withsearch), args, after=compared)
            rows["noop_rebuild"]["before_it"] = {"seconds": synced["seconds"],
                                                 "cli_summary": cli_summary(synced["stdout"])}
            save(result)

            path = edited_file(site)
            original = path.read_bytes()
            stat = path.stat()
            (work / "edit-backup.json").write_text(json.dumps({
                "path": str(path), "bytes": original.hex(), "atime_ns": stat.st_atime_ns, "mtime_ns": stat.st_mtime_ns}))

            def edit(i: int) -> None:
                take_snapshot(i)
                text = original.decode("utf-8")
                at = text.index("\n    progress: ")  # the first project's progress
                end = text.index("\n", at + 1)
                # a different sentence each run, so each run changes the file against the previous build
                sentence = f"（基准测试第{i + 1}次修改）本周已完成现场复核。"
                path.write_bytes((text[:end] + sentence + text[end:]).encode("utf-8"))

            try:
                rows["one_file_rebuild"] = repeated(ROWS["one_file_rebuild"], args.runs, edit,
                                                    our_build(site, withsearch), args, after=compared)
            finally:
                restore_edit(work)
            rows["one_file_rebuild"]["edited"] = str(path.relative_to(site))
        else:
            for key in ("noop_rebuild", "one_file_rebuild"):
                rows[key] = {"ok": False, "error": "skipped: the full build failed"}
        save(result)

    for key in ("noop_rebuild", "one_file_rebuild"):  # the issue's targets: see summary_notes
        for name in ("ratio_to_full_search", "cpu_ratio_to_full_search", "ratio_to_full_no_search",
                     "cpu_ratio_to_full_no_search"):  # the last two: earlier harness
            rows.get(key, {}).pop(name, None)
        full = "full_search"
        if rows.get(key, {}).get("median_s") and rows.get(full, {}).get("median_s"):
            rows[key][f"ratio_to_{full}"] = round(rows[key]["median_s"] / rows[full]["median_s"], 4)
        if rows.get(key, {}).get("median_cpu_s") and rows.get(full, {}).get("median_cpu_s"):
            rows[key][f"cpu_ratio_to_{full}"] = round(rows[key]["median_cpu_s"] / rows[full]["median_cpu_s"], 4)
    one, noop = rows.get("one_file_rebuild", {}), rows.get("noop_rebuild", {})
    if one.get("median_s") and noop.get("median_s"):
        one["ratio_to_noop_rebuild"] = round(one["median_s"] / noop["median_s"], 3)
    hugo_row = rows.get("hugo_full", {})
    for key in FULL_ROWS:
        if hugo_row.get("median_s") and rows.get(key, {}).get("median_s"):
            rows[key]["ratio_to_hugo"] = round(rows[key]["median_s"] / hugo_row["median_s"], 2)
            rows[key]["cpu_ratio_to_hugo"] = round(rows[key]["median_cpu_s"] / hugo_row["median_cpu_s"], 2)

    if "import" in args.steps:
        import_step(scale, work, result, args, save)

    if "latency" in args.steps:
        result["latency"] = latency_step(withsearch, args)
        save(result)

    if args.profile:
        result["profile"] = profile(site, work, args)
    result["complete"] = all(key in rows for key in ROWS)
    save(result)
    return result


def latency_step(withsearch: Path, args) -> dict:
    """Search latency in Chromium (bench/latency.py, served and file://) on the scale's full build's
    output as the earlier steps left it; a separate process, so that Playwright stays out of this one."""
    measured_at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    if not (withsearch / "search.html").is_file():
        return {"ok": False, "measured_at": measured_at,
                "error": f"skipped: {withsearch.name} has no search.html (run --steps full first)"}
    print("  latency: search.html in Chromium, served and file:// ...", flush=True)
    json_path = withsearch.parent / "latency.json"
    json_path.unlink(missing_ok=True)
    try:
        done = subprocess.run([sys.executable, str(BENCH / "latency.py"), str(withsearch), "--json", str(json_path)],
                              cwd=ROOT, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "measured_at": measured_at, "error": f"timed out after {args.timeout:.0f} s"}
    if done.returncode != 0 or not json_path.is_file():
        return {"ok": False, "measured_at": measured_at,
                "error": f"exit status {done.returncode}: " + " / ".join(done.stderr.strip().splitlines()[-4:])[-600:]}
    measured = json.loads(json_path.read_text(encoding="utf-8"))
    print("    " + latency_note(measured), flush=True)
    return {"ok": True, "measured_at": measured_at, **measured}


def latency_note(latency: dict) -> str:
    modes = latency.get("modes", {})
    parts = []
    for mode, data in modes.items():
        s = data["summary"]
        parts.append(f"{'file://' if mode == 'file' else mode} ({data.get('search_mode') or '?'}) median "
                     f"{fmt(s['median_ms'], '.0f')} ms, p90 {fmt(s['p90_ms'], '.0f')}, max {fmt(s['max_ms'], '.0f')}"
                     + (f", {s['timeouts']} timed out" if s["timeouts"] else "")
                     + (f", {s['no_results']} found nothing" if s["no_results"] else "")
                     + (f", {s['errors']} failed" if s["errors"] else ""))
    return (f"search latency (Chromium {latency.get('chromium', '?')}, {len(latency.get('queries', []))} queries, "
            f"navigation start to the first result shown): " + "; ".join(parts))


def import_step(scale: str, work: Path, result: dict, args, save) -> None:
    """Importing a staff ledger (bench/ledger.py: --import-rows rows, one sheet with a unit column,
    over the scale's units) into a new round of a site made by bench/generate.py for it (the
    scale's units, as many projects as rows, 2 rounds, titles distinct within a unit): the
    ledger re-reports the site's latest round, reworded a little, with new projects. Each run
    imports into a fresh copy of that site to which `new-round --empty` (not timed) added a round:
    with --dry-run, then for real (the unit files it wrote are counted, and the last run's site is
    checked with `build.py check`). Beside them, the cold build of the same site: the
    import is reported as a ratio of it, measured in the same session."""
    rows = result["rows"]
    folder = work / "import"
    folder.mkdir(parents=True, exist_ok=True)
    params = {"units": SCALES[scale]["units"], "projects": args.import_rows, "rounds": 2}
    site_key = {**params, "distinct_titles": True, "generator": file_digest(BENCH / "generate.py")}
    site, ledger_dir = folder / "site", folder / "ledger"
    ledger = ledger_dir / "ledger.xlsx"

    def make_site() -> dict:
        print(f"  generating the import site: {params} ...", flush=True)
        made = measure([sys.executable, str(BENCH / "generate.py"), str(site), "--units", str(params["units"]),
                        "--projects", str(params["projects"]), "--rounds", str(params["rounds"]),
                        "--distinct-titles"], timeout=args.timeout, mem_cap_gb=args.mem_cap_gb)
        if not made["ok"]:
            raise SystemExit(f"cannot generate the import site: {made['error']}")
        return {"seconds": made["seconds"]}

    def make_ledger() -> dict:
        print(f"  writing the ledger workbook: {args.import_rows} rows ...", flush=True)
        ledger_dir.mkdir(parents=True)
        made = measure([sys.executable, str(BENCH / "ledger.py"), str(site), str(ledger),
                        "--rows", str(args.import_rows)], timeout=args.timeout, mem_cap_gb=args.mem_cap_gb)
        if not made["ok"]:
            raise SystemExit(f"cannot write the ledger workbook: {made['error']}")
        return {"seconds": made["seconds"], "bytes": ledger.stat().st_size}

    cached(folder / "site.stamp.json", site_key, site, make_site)
    ledger_stamp = cached(folder / "ledger.stamp.json",
                          {"site": site_key, "rows": args.import_rows, "ledger": file_digest(BENCH / "ledger.py")},
                          ledger_dir, make_ledger)
    result["import"] = {"rows": args.import_rows, **params, "ledger_bytes": ledger_stamp["bytes"]}

    out = folder / "public"
    rows["import_site_build"] = repeated(ROWS["import_site_build"], args.runs, lambda i: remove(out),
                                         our_build(site, out), args,
                                         after=lambda i: {"pages": html_pages(out)})
    remove(out)
    save(result)

    fresh = folder / "run" / "site"
    new_round_folder = fresh / "content" / IMPORT_ROUND

    def fresh_site(i: int) -> None:
        remove(fresh.parent)
        shutil.copytree(site, fresh)
        made = subprocess.run([sys.executable, str(ROOT / "build.py"), "--lang", "en", "new-round", IMPORT_ROUND,
                               "--site", str(fresh), "--empty", "--title", "第三轮公布", "--date", "2030-01-01"],
                              capture_output=True, text=True)
        if made.returncode != 0:  # the import then fails too, and says why
            print(f"  new-round failed: {made.stderr.strip()[-300:]}", flush=True)

    def written(i: int, check: bool = False) -> dict:
        files = sorted(new_round_folder.glob("*.yaml")) if new_round_folder.is_dir() else []
        found = {"unit_files": len(files), "unit_files_bytes": sum(f.stat().st_size for f in files)}
        if check and i == args.runs - 1:
            checked = subprocess.run([sys.executable, str(ROOT / "build.py"), "--lang", "en", "check", "--site",
                                      str(fresh)], capture_output=True, text=True)
            found["check_after"] = (checked.stdout + checked.stderr).strip().splitlines()[-3:]
        return found

    command = [sys.executable, str(ROOT / "build.py"), "--lang", "en", "import", str(ledger), "--round",
               IMPORT_ROUND, "--site", str(fresh)]
    rows["import_dry_run"] = repeated(ROWS["import_dry_run"], args.runs, fresh_site, command + ["--dry-run"], args,
                                      after=written, keep_output=True)
    save(result)
    rows["import_real"] = repeated(ROWS["import_real"], args.runs, fresh_site, command, args,
                                   after=lambda i: written(i, check=True), keep_output=True)
    remove(fresh.parent)
    build = rows["import_site_build"]
    for key in ("import_dry_run", "import_real"):
        if rows[key].get("median_s") and build.get("median_s"):
            rows[key]["ratio_to_site_build"] = round(rows[key]["median_s"] / build["median_s"], 3)
            rows[key]["cpu_ratio_to_site_build"] = round(rows[key]["median_cpu_s"] / build["median_cpu_s"], 3)
    save(result)


def profile(site: Path, work: Path, args) -> dict:
    """Where our time goes: the full build once under cProfile, and -X importtime."""
    out, stats_file = work / "public-profile", work / "profile.pstats"
    remove(out)
    print("  profiling the full build (cProfile) ...", flush=True)
    # --jobs 1: cProfile sees only its own process, not the build's worker processes
    measured = measure([sys.executable, "-m", "cProfile", "-o", str(stats_file)] + our_build(site, out)[1:]
                       + ["--jobs", "1"],
                       timeout=args.timeout * 2, mem_cap_gb=args.mem_cap_gb)
    remove(out)
    summary: dict = {"seconds_under_profiler": measured["seconds"]}
    if measured["ok"]:
        stats = pstats.Stats(str(stats_file))
        total = stats.total_tt
        wanted = {  # the build's steps, by function name in bulletin/
            "build_unit": "unitwork.py", "load_unit_file": "content.py", "read_yaml_file": "source.py",
            "check_document": "schema.py", "build_model": "model.py", "check_unit_files": "ledger.py",
            "plan_unit_pages": "pages.py", "search_records": "search.py", "render": "render.py",
            "render_markdown": "markup.py", "plain_text": "markup.py", "write_file": "output.py",
            "unit_sections": "unitwork.py", "write_parts": "cache.py", "_assemble": "builder.py",
            "commit": "output.py", "__exit__": "output.py", "build_site": "builder.py",
        }
        steps = {}
        for (filename, _, name), (_, calls, _, cumulative, _) in stats.stats.items():
            if name in wanted and filename.endswith(f"bulletin/{wanted[name]}"):
                steps[f"{wanted[name]}:{name}"] = {"calls": calls, "cumulative_s": round(cumulative, 3)}
        summary["profiled_total_s"] = round(total, 3)
        summary["steps"] = dict(sorted(steps.items(), key=lambda kv: -kv[1]["cumulative_s"]))
        top = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:15]
        summary["top_self_time"] = [{"function": f"{Path(f).name}:{line}:{name}", "self_s": round(tt, 3),
                                     "calls": calls} for (f, line, name), (_, calls, tt, _, _) in top]
    else:
        summary["error"] = measured.get("error")
    importtime = subprocess.run([sys.executable, "-X", "importtime", "-c", "import build"], cwd=ROOT,
                                capture_output=True, text=True)
    imports = {}
    for line in importtime.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if match:
            imports[match.group(3)] = int(match.group(2))
    summary["import_build_py_s"] = round(imports.get("build", 0) / 1e6, 3)
    summary["slowest_imports"] = [{"module": m, "cumulative_s": round(us / 1e6, 3)} for m, us in
                                  sorted(imports.items(), key=lambda kv: -kv[1]) if m not in ("build", "site")][:10]
    return summary


# ---------------------------------------------------------------- machine and report

def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    hugo = shutil.which("hugo")
    hugo_version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip() if hugo else None
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "bulletin", "templates", "static", "build.py"],
                           cwd=ROOT, capture_output=True, text=True)
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 2**20, 1),
        "os": platform.platform(), "python": platform.python_version(), "hugo": hugo_version,
        "bulletin_jobs": os.environ.get("BULLETIN_JOBS"),
        "revision": (revision.stdout.strip() or None) and revision.stdout.strip()
        + (" (with uncommitted changes in bulletin/templates/static)" if dirty.stdout.strip() else ""),
    }


def fmt(value, spec: str = "") -> str:
    return "–" if value is None else format(value, spec)


def percent(value) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def table_rows(results: dict) -> list[list[str]]:
    lines = []
    for scale, data in results["scales"].items():
        for key, label in {**OLD_ROWS, **ROWS}.items():
            row = data["rows"].get(key)
            if row is None:
                continue
            if not row.get("ok"):
                failed = row.get("failed_run") or {}
                detail = (f"after {failed['seconds']:.0f} s, peak {fmt(failed.get('peak_mb'), '.0f')} MB "
                          f"(all processes {fmt(failed.get('peak_all_mb'), '.0f')} MB): "
                          if failed.get("seconds") else "")
                lines.append([scale, label, "FAILED", (detail + row.get("error", ""))[:300].replace("|", "/")]
                             + [""] * (len(HEADER) - 4))
                continue
            lines.append([scale, label, fmt(row["median_s"], ".2f"), fmt(row.get("best_s"), ".2f"),
                          " ".join(f"{s:.2f}" for s in row["runs_s"]),
                          fmt(row.get("median_cpu_s"), ".2f"), fmt(row["peak_mb"], ".0f"),
                          fmt(row.get("peak_all_mb"), ".0f"),  # absent from an earlier harness's rows
                          fmt(row.get("pages")), fmt(row.get("files_rewritten")), fmt(row.get("files_changed")),
                          percent(row["ratio_to_full_search"]) + " / " + percent(row.get("cpu_ratio_to_full_search"))
                          if "ratio_to_full_search" in row else "–",
                          fmt(row.get("ratio_to_hugo"), ".2f") + " / " + fmt(row.get("cpu_ratio_to_hugo"), ".2f")
                          if row.get("ratio_to_hugo") else "–",
                          " ".join(f"{x:.1f}" for x in row.get("load_before_runs", []))])
    return lines


HEADER = ["scale", "row", "median s", "best s", "runs s", "CPU s", "peak MB (one process)",
          "peak MB (all processes)", "pages", "files rewritten", "files changed", "÷ full build (wall / CPU)",
          "ours/Hugo (wall / CPU)", "load before"]

INPUTS_HEADER = ["scale", "measured", "generation", "Hugo conversion (not in Hugo's time)"]

FILES_HEADER = ["scale", "files a page or the search loads", "total", "median", "p90", "p99", "largest",
                f"≤ {LIMIT_MB:g} MB", "search/", "data/ (downloads, not counted)"]


def inputs_cells(scale: str, data: dict) -> list[str]:
    g, h = data["generation"], data.get("hugo_conversion", {})
    return [
        scale, f"{data['measured_at']}, {data['runs']} run(s), revision {data.get('revision', '?')}"
        + (f" (steps {', '.join(data['steps_rerun']['steps'])} measured again at {data['steps_rerun']['at']})"
           if data.get("steps_rerun") else "")
        + ("" if data.get("complete") else " — INCOMPLETE (stopped)"),
        f"{g['seconds']:.1f} s{' (cached)' if g.get('cached') else ''}, {g['files']} files, {g['bytes'] / 2**20:.0f} MB",
        (f"{h['seconds']:.1f} s, {h['peak_mb']:.0f} MB, {h['pages']} pages, "
         f"{h['content_bytes'] / 2**20:.0f} MB front matter{' (cached)' if h.get('cached') else ''}")
        if h.get("ok") else h.get("error", "–"),
    ]


def files_cells(scale: str, found: dict) -> list[str]:
    d, s, data = found["loaded"], found["search"], found["data"]
    biggest = d.get("largest") or [["–", None]]
    return [scale, f"{d['files']:,}", size_text(d["bytes"]), size_text(d.get("median")), size_text(d.get("p90")),
            size_text(d.get("p99")), f"{size_text(biggest[0][1])} ({biggest[0][0]})",
            "holds" if found["limit_holds"] else f"NO: {found['over_limit_count']} over",
            f"{s['files']:,} files, {size_text(s['bytes'])}, largest "
            + (f"{size_text(s['largest'][1])} ({s['largest'][0]})" if s["largest"] else "–"),
            f"{data['files']:,} files, {size_text(data['bytes'])}, largest "
            + (f"{size_text(data['largest'][1])} ({data['largest'][0]})" if data["largest"] else "–")]


def holds(ok: bool) -> str:
    return "holds" if ok else "DOES NOT HOLD"


def summary_notes(scale: str, data: dict) -> list[str]:
    """What the builds said they did, and the issue's targets: one-edit rebuild, memory, ≤ Hugo,
    the size of the files a citizen loads."""
    notes = []
    rows = data["rows"]
    for key in FULL_ROWS + ("noop_rebuild", "one_file_rebuild"):
        if rows.get(key, {}).get("cli_summary"):
            notes.append(f"{ROWS[key]}: build.py said \"{rows[key]['cli_summary']}\"")
    noop = rows.get("noop_rebuild", {}).get("cli_summary")
    if noop and not noop.startswith("nothing changed"):
        notes.append(f"WARNING: the rebuild with nothing changed did something: \"{noop}\"")
    one = rows.get("one_file_rebuild", {})
    target = ONE_EDIT_TARGET.get(scale)
    if one.get("ratio_to_full_search") and target:
        note = (f"target (one unit file edited: ≤ {target * 100:g} % of the full build): "
                f"{percent(one['ratio_to_full_search'])} (CPU {percent(one.get('cpu_ratio_to_full_search'))}) — "
                + holds(one["ratio_to_full_search"] <= target))
        if scale == "city" and one.get("ratio_to_noop_rebuild"):
            note += (f"; and within {ONE_EDIT_TIMES_NOOP}× the rebuild with nothing changed: "
                     f"{one['ratio_to_noop_rebuild']:.2f}× — " + holds(one["ratio_to_noop_rebuild"] <= ONE_EDIT_TIMES_NOOP))
        notes.append(note)
    ours = [key for key in FULL_ROWS + ("noop_rebuild", "one_file_rebuild") if rows.get(key, {}).get("peak_all_mb")]
    if ours:
        worst = max(rows[key]["peak_all_mb"] for key in ours)
        notes.append(f"memory (the whole build, every process summed, ≤ {MEMORY_LIMIT_MB / 1024:g} GB): "
                     + ", ".join(f"{ROWS[key]} {rows[key]['peak_all_mb']:.0f} MB (Pss {fmt(rows[key].get('peak_all_pss_mb'), '.0f')} MB, "
                                 f"{rows[key].get('peak_all_processes', '?')} process(es))" for key in ours)
                     + " — " + holds(worst <= MEMORY_LIMIT_MB))
    compared = [key for key in FULL_ROWS if rows.get(key, {}).get("ratio_to_hugo")]
    if compared:
        notes.append("full builds ≤ Hugo: " + ", ".join(
            f"{ROWS[key]} {rows[key]['ratio_to_hugo']:.2f}× wall, {rows[key]['cpu_ratio_to_hugo']:.2f}× CPU"
            for key in compared) + " — " + holds(all(rows[key]["ratio_to_hugo"] <= 1 for key in compared)))
    found = data.get("files")
    if found and found.get("loaded"):
        notes += [f"{line} (measured {found['measured_at']})" if i == 0 else line
                  for i, line in enumerate(describe_files(found))]
    elif found:
        notes.append(f"files: {found.get('error', '')}")
    imported = data.get("import")
    for key in ("import_dry_run", "import_real") if imported else ():
        row = rows.get(key, {})
        if row.get("ok"):
            notes.append(f"{ROWS[key]} ({imported['rows']:,} rows, {imported['units']} units, "
                         f"{imported['ledger_bytes'] / 2**20:.1f} MB; site of {imported['projects']:,} projects, "
                         f"{imported['rounds']} rounds): {row['median_s']:.2f} s, peak {row['peak_mb']:.0f} MB = "
                         f"{row.get('ratio_to_site_build', 0):.2f}× the full build of that site "
                         f"(CPU {row.get('cpu_ratio_to_site_build', 0):.2f}×); unit files written: "
                         f"{row.get('unit_files', 0)}; it said ({row.get('output_lines', '?')} lines): "
                         + " / ".join(line.strip() for line in
                                      row.get("output_head", []) + row.get("output_tail", [])[-1:]
                                      if line.strip().startswith(IMPORT_SUMMARY_LINES)))
            if row.get("check_after"):
                notes.append("check after the import: " + " / ".join(row["check_after"]))
        elif row:
            notes.append(f"{ROWS[key]}: FAILED: {row.get('error', '')}")
    latency = data.get("latency")
    if latency:
        notes.append((latency_note(latency) if latency.get("ok") else f"search latency: FAILED: {latency.get('error', '')}")
                     + f" (measured {latency['measured_at']})")
    return [f"{scale}: {note}" for note in notes]


def markdown(results: dict) -> str:
    m = results["machine"]
    out = ["# Benchmark results", "",
           f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, {m['os']}; Python {m['python']}; "
           f"{m['hugo'] or 'Hugo not installed'}"
           + (f"; BULLETIN_JOBS={m['bulletin_jobs']}" if m.get("bulletin_jobs") else "") + ".", "",
           "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(line) + " |" for line in table_rows(results)]
    out += ["", "| " + " | ".join(INPUTS_HEADER) + " |", "|" + "---|" * len(INPUTS_HEADER)]
    for scale, data in results["scales"].items():
        out.append("| " + " | ".join(inputs_cells(scale, data)) + " |")
    measured_files = [(scale, data["files"]) for scale, data in results["scales"].items()
                      if data.get("files", {}).get("loaded")]
    if measured_files:
        out += ["", "| " + " | ".join(FILES_HEADER) + " |", "|" + "---|" * len(FILES_HEADER)]
        out += ["| " + " | ".join(files_cells(scale, found)) + " |" for scale, found in measured_files]
    out.append("")
    for scale, data in results["scales"].items():
        out += [f"- {note}" for note in summary_notes(scale, data)]
    for scale, data in results["scales"].items():
        for note in data.get("notes", []):  # added by hand to results.json: measurements made outside run.py
            out.append(f"\n- {scale}: {note}")
    return "\n".join(out) + "\n"


def print_table(results: dict) -> None:
    lines = table_rows(results)
    shown = [HEADER] + [line for line in lines if line[2] != "FAILED"]
    widths = [max(len(line[i]) for line in shown) for i in range(len(HEADER))]
    for line in [HEADER] + lines:
        if line[2] == "FAILED":
            print(f"{line[0]}  {line[1]}  FAILED: {line[3]}")
        else:
            print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["city", "province", "both"], default="city")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per measured command (default 1800)")
    parser.add_argument("--mem-cap-gb", type=float, default=16, help="address-space cap per command (default 16)")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo row")
    parser.add_argument("--steps", nargs="+", choices=STEPS + tuple(STEP_ALIASES), default=list(STEPS),
                        help="measure only these (default: all); rows of the others are kept from results.json")
    parser.add_argument("--import-rows", type=int, default=10_000,
                        help="rows of the ledger workbook the import step reads (default 10000)")
    parser.add_argument("--profile", action="store_true",
                        help="also run the full build once under cProfile and -X importtime")
    args = parser.parse_args()
    args.steps = list(dict.fromkeys(STEP_ALIASES.get(step, step) for step in args.steps))
    args.out = args.out.resolve()
    if not Path(GNU_TIME).is_file():
        raise SystemExit(f"{GNU_TIME} (GNU time) is needed: apt-get install -y time")
    args.out.mkdir(parents=True, exist_ok=True)
    compileall.compile_dir(ROOT / "bulletin", quiet=1)  # see MEASURED_ENVIRONMENT

    results_path = args.out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {"scales": {}}
    results["machine"] = machine()
    scales = ["city", "province"] if args.scale == "both" else [args.scale]
    def save(scale_result: dict) -> None:
        results["scales"][scale_result["scale"]] = scale_result
        results["scales"] = {s: results["scales"][s] for s in SCALES if s in results["scales"]}
        results_path.write_text(json.dumps(results, ensure_ascii=False, indent=1))
        (args.out / "results.md").write_text(markdown(results), encoding="utf-8")

    for scale in scales:
        run_scale(scale, args, save, results["scales"].get(scale))
    m = results["machine"]
    print()
    print(f"machine: {m['nproc']} CPUs, {m['cpu']}, {m['ram_gb']} GB RAM; Python {m['python']}; {m['hugo']}")
    print_table(results)
    print()
    for scale, data in results["scales"].items():
        print("; ".join(f"{name}: {cell}" for name, cell in zip(INPUTS_HEADER, inputs_cells(scale, data))))
        for note in summary_notes(scale, data):
            print(f"- {note}")
    print(f"\nwritten: {results_path}, {args.out / 'results.md'}")


if __name__ == "__main__":
    main()
