#!/usr/bin/env python3
"""Benchmark: our build against Hugo on the same synthetic content, at a city's and a province's scale.

    python3 bench/run.py [--scale city|province|both] [--runs 3] [--out bench/out]

For each scale, in one run on one machine, in this order (the most telling first, since a
province run may be stopped midway; results are saved after each step):

1. generates the synthetic site (bench/generate.py) into OUT/<scale>/site, once: it is kept and
   reused while the generator's arguments and source are the same (OUT/<scale>/site.stamp.json);
2. "full": times our build, each run a fresh process under /usr/bin/time (wall seconds by
   time.perf_counter around the child, CPU seconds and peak resident memory from GNU time),
   without search and with search, each a cold build: into a folder that does not exist yet,
   its build cache (the hidden `.<folder>.cache` beside it) removed too; counts pages (.html
   files) and measures pagefind/ and search/offline-data.js;
3. "hugo": when `hugo` is installed, converts the same site into Hugo content
   (bench/hugo_content.py, layouts in bench/hugo/; cached like the site) and times
   `hugo --quiet` into a fresh folder;
4. "index": the indexing step as a build does it (bench/index_step.py): the no-search output of
   step 2 is brought to a fresh no-search state with its cache (`build.py build --no-search` into
   it again: nothing to do right after step 2), then a build WITH search into it, in the
   measured process, rebuilds no unit and only indexes the search shards; its time, shards, the
   pagefind binaries' peak memory (one process, and the sum of those running at once) and the
   Python process's; the folder is put back to its no-search state afterwards;
5. "rebuilds": incremental builds, each keeping the build cache: a rebuild with nothing changed,
   into the existing with-search output, and a rebuild after appending a sentence to one
   project's progress in one unit file of the latest round (restored afterwards), counting files
   rewritten (new inode or mtime) and files whose bytes changed, with the build's own summary
   ("N files written, M removed, K of U units rebuilt"), and their ratio to the full builds;
6. "import": `build.py import` of a ledger workbook (bench/ledger.py, --import-rows rows, one sheet
   with a unit column) into a new round of a site made for it by bench/generate.py (the scale's
   units, as many projects as rows, 2 rounds), with --dry-run and for real, each into a fresh copy
   of the site given a round by `new-round --empty`; beside the cold no-search build of that same
   site, for the ratio (see import_step).

Every measured command runs with a timeout (--timeout) and an address-space cap (--mem-cap-gb)
set in the child; a command that exceeds either is reported as failed, not fatal.
Prints a table and writes OUT/results.json and OUT/results.md (results of other scales measured
earlier are kept, each with its own date).
"""

from __future__ import annotations

import argparse
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

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
GNU_TIME = "/usr/bin/time"

SCALES = {
    "city": {"units": 60, "projects": 1200, "rounds": 6},
    "province": {"units": 2000, "projects": 100000, "rounds": 6},
}
ROWS = {
    "full_no_search": "full build, no search (fresh folder)",
    "full_search": "full build with search (fresh folder)",
    "noop_rebuild": "rebuild, nothing changed",
    "one_file_rebuild": "rebuild after editing one unit file",
    "hugo_full": "Hugo full build (fresh folder)",
    "import_site_build": "import site: full build, no search (fresh folder)",
    "import_dry_run": "import ledger workbook, --dry-run",
    "import_real": "import ledger workbook into a new round",
}
STEPS = ("full", "hugo", "index", "rebuilds", "import")
IMPORT_SUMMARY_LINES = ("Units:", "Matched", "Dry run", "Wrote")  # what `build.py --lang en import` sums up
IMPORT_ROUND = "next"  # the round `new-round --empty` adds to the import site before each import
EDIT_UNIT = "u0001"


# ---------------------------------------------------------------- running and measuring children

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
                               start_new_session=True, preexec_fn=_limits(int(mem_cap_gb * 2**30)))
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)  # GNU time and everything under it
        stdout, stderr = process.communicate()
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
              "peak_kb": peak_kb, "cpu_s": cpu, "load_before": round(load, 2),
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
              f"{(result['peak_kb'] or 0) / 1024:.0f} MB"
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
                                 "peak_mb": round(failed["peak_kb"] / 1024, 1) if failed["peak_kb"] else None}
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

def our_build(site: Path, out: Path, search: bool) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "build", "--site", str(site), "--out", str(out)] + \
        ([] if search else ["--no-search"])


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
    The most telling rows come first: full builds, Hugo, the indexer, then the rebuilds. With only
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
        result.update({k: v for k, v in previous.items()
                       if k in ("rows", "search", "hugo_conversion", "profile", "import")})
        result["steps_rerun"] = {"steps": sorted(args.steps), "at": result["measured_at"]}
        result["measured_at"] = previous.get("measured_at", result["measured_at"])
    rows, search = result["rows"], result["search"]
    nosearch, withsearch = work / "public-nosearch", work / "public-search"
    save(result)

    # (a), (b): full builds into a folder that does not exist
    if "full" in args.steps:
        for key, out, with_search in (("full_no_search", nosearch, False), ("full_search", withsearch, True)):
            rows[key] = repeated(ROWS[key], args.runs, lambda i, out=out: remove(out), our_build(site, out, with_search),
                                 args, after=lambda i, out=out: {"pages": html_pages(out)})
            save(result)
        if rows["full_no_search"]["ok"] and rows["full_search"]["ok"]:  # same runs: comparable
            search["indexing_s_by_difference"] = round(
                rows["full_search"]["median_s"] - rows["full_no_search"]["median_s"], 3)
        if (withsearch / "pagefind").is_dir():
            files, size = folder_size(withsearch / "pagefind")
            search.update({"pagefind_files": files, "pagefind_bytes": size,
                           "offline_data_bytes": (withsearch / "search" / "offline-data.js").stat().st_size})
        save(result)

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

    # the search index as a build makes it: a build with search into a fresh no-search output
    if "index" in args.steps:
        index_step(site, nosearch, search, args)
        save(result)

    # (c), (d): rebuilds of the with-search output (what `python3 build.py build` does)
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
            synced = measure(our_build(site, withsearch, True), timeout=args.timeout, mem_cap_gb=args.mem_cap_gb)
            print(f" {synced['seconds']:.2f} s [{cli_summary(synced['stdout'])}]"
                  + ("" if synced["ok"] else f"  FAILED: {synced['error']}"), flush=True)
            rows["noop_rebuild"] = repeated(ROWS["noop_rebuild"], args.runs, take_snapshot,
                                            our_build(site, withsearch, True), args, after=compared)
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
                                                    our_build(site, withsearch, True), args, after=compared)
            finally:
                restore_edit(work)
            rows["one_file_rebuild"]["edited"] = str(path.relative_to(site))
        else:
            for key in ("noop_rebuild", "one_file_rebuild"):
                rows[key] = {"ok": False, "error": "skipped: the full build with search failed"}
        save(result)

    for key in ("noop_rebuild", "one_file_rebuild"):  # the issue's target: one edit in ≤ 5 % of a full build
        for full in ("full_search", "full_no_search"):
            if rows.get(key, {}).get("median_s") and rows.get(full, {}).get("median_s"):
                rows[key][f"ratio_to_{full}"] = round(rows[key]["median_s"] / rows[full]["median_s"], 4)
            if rows.get(key, {}).get("median_cpu_s") and rows.get(full, {}).get("median_cpu_s"):
                rows[key][f"cpu_ratio_to_{full}"] = round(rows[key]["median_cpu_s"] / rows[full]["median_cpu_s"], 4)
    hugo_row = rows.get("hugo_full", {})
    for key in ("full_no_search", "full_search"):
        if hugo_row.get("median_s") and rows.get(key, {}).get("median_s"):
            rows[key]["ratio_to_hugo"] = round(rows[key]["median_s"] / hugo_row["median_s"], 2)
            rows[key]["cpu_ratio_to_hugo"] = round(rows[key]["median_cpu_s"] / hugo_row["median_cpu_s"], 2)

    if "import" in args.steps:
        import_step(scale, work, result, args, save)

    if args.profile:
        result["profile"] = profile(site, work, args)
    result["complete"] = all(key in rows for key in ROWS)
    save(result)
    return result


def import_step(scale: str, work: Path, result: dict, args, save) -> None:
    """Importing a staff ledger (bench/ledger.py: --import-rows rows, one sheet with a unit column,
    over the scale's units) into a new round of a site made by bench/generate.py for it (the
    scale's units, as many projects as rows, 2 rounds, titles distinct within a unit): the
    ledger re-reports the site's latest round, reworded a little, with new projects. Each run
    imports into a fresh copy of that site to which `new-round --empty` (not timed) added a round:
    with --dry-run, then for real (the unit files it wrote are counted, and the last run's site is
    checked with `build.py check`). Beside them, the cold no-search build of the same site: the
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
                                         our_build(site, out, False), args,
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


# Fields of "search" the index step sets (and, from earlier versions of this harness, used to set).
INDEX_STEP_FIELDS = ("records", "index_step_load_s", "index_step_s", "index_step_process_s", "index_step_cpu_s",
                     "index_step_runs_s", "pagefind_binary_s", "pagefind_peak_mb", "pagefind_peak_single_mb",
                     "pagefind_peak_sum_mb", "pagefind_max_concurrent", "pagefind_children_peak_mb",
                     "index_step_python_peak_mb", "index_step_peak_mb", "shards", "shards_indexed",
                     "index_step_report", "index_step_prepare", "index_step_error", "index_step_warning")


def index_step(site: Path, out: Path, search: dict, args) -> None:
    """The search index as a build makes it (bench/index_step.py), `args.runs` times: each run
    first brings `out` to a fresh no-search state with its cache (`build.py build --no-search`
    into it: nothing to do right after the full builds, otherwise it removes the index of the
    previous run, or builds everything if the folder or its cache is missing or stale; not
    timed), then measures a build with search into it. `out` is left in its no-search state."""
    for key in INDEX_STEP_FIELDS:
        search.pop(key, None)
    steps, prepared = [], []

    def no_search_state(label: str) -> bool:
        print(f"  index step: {label} (build.py build --no-search into {out.name}) ...", end="", flush=True)
        prep = measure(our_build(site, out, False), timeout=args.timeout, mem_cap_gb=args.mem_cap_gb)
        prep_summary = cli_summary(prep["stdout"])
        print(f" {prep['seconds']:.2f} s [{prep_summary}]" + ("" if prep["ok"] else f"  FAILED: {prep['error']}"),
              flush=True)
        prepared.append({"seconds": prep["seconds"], "cli_summary": prep_summary, "for": label})
        if not prep["ok"]:
            search["index_step_error"] = f"preparing the no-search output failed: {prep['error']}"
        return prep["ok"]

    for i in range(args.runs):
        if not no_search_state(f"run {i + 1}/{args.runs}: preparing"):
            break
        print(f"  index step (build with search after a no-search build): run {i + 1}/{args.runs} ...",
              end="", flush=True)
        step = measure([sys.executable, str(BENCH / "index_step.py"), str(site), str(out)],
                       timeout=args.timeout, mem_cap_gb=args.mem_cap_gb)
        if not step["ok"]:
            print(f" FAILED: {step['error']}", flush=True)
            search["index_step_error"] = step["error"]
            break
        found = json.loads(step["stdout"].splitlines()[-1])
        found.update({"process_s": step["seconds"], "cpu_s": step["cpu_s"], "peak_kb": step["peak_kb"],
                      "load_before": step["load_before"]})
        steps.append(found)
        report = found["report"]
        print(f" {found['total_s']:.2f} s in build_site ({step['seconds']:.2f} s for the process, load "
              f"{step['load_before']:.1f}): {found['shards']} shard(s), {found['shards_indexed']} indexed, pagefind "
              f"{found['pagefind_s']:.2f} s, peak {found['pagefind_peak_single_kb'] / 1024:.0f} MB one / "
              f"{found['pagefind_peak_sum_kb'] / 1024:.0f} MB at once ({found['pagefind_max_concurrent']} at most), "
              f"Python {found['python_peak_kb'] / 1024:.0f} MB; {report['written']} files written, "
              f"{report['deleted']} removed, {report['units_built']} of {report['units']} units rebuilt", flush=True)
        if report["units_built"] or not report["incremental"]:
            search["index_step_warning"] = (
                f"run {i + 1}: the build with search was not the indexing alone ({report['units_built']} of "
                f"{report['units']} units rebuilt, incremental: {report['incremental']})")
            print(f"  WARNING: {search['index_step_warning']}", flush=True)
    if (out / "pagefind").exists():
        no_search_state("putting the folder back to its no-search state")
    search["index_step_prepare"] = prepared
    if steps:
        last = steps[-1]
        search.update({
            "index_step_s": round(statistics.median(s["total_s"] for s in steps), 3),
            "index_step_runs_s": [s["total_s"] for s in steps],
            "index_step_process_s": round(statistics.median(s["process_s"] for s in steps), 3),
            "index_step_cpu_s": round(statistics.median(s["cpu_s"] or 0 for s in steps), 3),
            "shards": last["shards"],
            "shards_indexed": last["shards_indexed"],
            "pagefind_binary_s": round(statistics.median(s["pagefind_s"] for s in steps), 3),
            "pagefind_peak_single_mb": round(max(s["pagefind_peak_single_kb"] for s in steps) / 1024, 1),
            "pagefind_peak_sum_mb": round(max(s["pagefind_peak_sum_kb"] for s in steps) / 1024, 1),
            "pagefind_max_concurrent": max(s["pagefind_max_concurrent"] for s in steps),
            "pagefind_children_peak_mb": round(max(s["children_peak_kb"] for s in steps) / 1024, 1),
            "index_step_python_peak_mb": round(max(s["python_peak_kb"] for s in steps) / 1024, 1),
            "index_step_peak_mb": round(max(s["peak_kb"] or 0 for s in steps) / 1024, 1),
            "index_step_report": last["report"],
            "pagefind_files": last["pagefind_files"],
            "pagefind_bytes": last["pagefind_bytes"],
            "offline_data_bytes": last["offline_data_bytes"],
        })


def profile(site: Path, work: Path, args) -> dict:
    """Where our time goes: the no-search build once under cProfile, and -X importtime."""
    out, stats_file = work / "public-profile", work / "profile.pstats"
    remove(out)
    print("  profiling the no-search build (cProfile) ...", flush=True)
    # --jobs 1: cProfile sees only its own process, not the build's worker processes
    measured = measure([sys.executable, "-m", "cProfile", "-o", str(stats_file)] + our_build(site, out, False)[1:]
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
    try:
        from importlib.metadata import version
        pagefind = version("pagefind-bin-extended")
    except Exception:  # noqa: BLE001
        pagefind = None
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "bulletin", "templates", "static", "build.py"],
                           cwd=ROOT, capture_output=True, text=True)
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 2**20, 1),
        "os": platform.platform(), "python": platform.python_version(), "hugo": hugo_version,
        "pagefind_bin_extended": pagefind, "bulletin_jobs": os.environ.get("BULLETIN_JOBS"),
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
        for key, label in ROWS.items():
            row = data["rows"].get(key)
            if row is None:
                continue
            if not row.get("ok"):
                failed = row.get("failed_run") or {}
                detail = (f"after {failed['seconds']:.0f} s, peak {fmt(failed.get('peak_mb'), '.0f')} MB: "
                          if failed.get("seconds") else "")
                lines.append([scale, label, "FAILED", (detail + row.get("error", ""))[:300].replace("|", "/")]
                             + [""] * (len(HEADER) - 4))
                continue
            lines.append([scale, label, fmt(row["median_s"], ".2f"), fmt(row.get("best_s"), ".2f"),
                          " ".join(f"{s:.2f}" for s in row["runs_s"]),
                          fmt(row.get("median_cpu_s"), ".2f"), fmt(row["peak_mb"], ".0f"), fmt(row.get("pages")),
                          fmt(row.get("files_rewritten")), fmt(row.get("files_changed")),
                          percent(row.get("ratio_to_full_search")) + " / " + percent(row.get("ratio_to_full_no_search"))
                          + (" (CPU " + percent(row.get("cpu_ratio_to_full_search")) + " / "
                             + percent(row.get("cpu_ratio_to_full_no_search")) + ")"
                             if "cpu_ratio_to_full_search" in row or "cpu_ratio_to_full_no_search" in row else "")
                          if "ratio_to_full_search" in row or "ratio_to_full_no_search" in row else "–",
                          fmt(row.get("ratio_to_hugo"), ".2f") + " / " + fmt(row.get("cpu_ratio_to_hugo"), ".2f")
                          if row.get("ratio_to_hugo") else "–",
                          " ".join(f"{x:.1f}" for x in row.get("load_before_runs", []))])
    return lines


HEADER = ["scale", "row", "median s", "best s", "runs s", "CPU s", "peak MB", "pages", "files rewritten", "files changed",
          "÷ full build (with / without search)", "ours/Hugo (wall / CPU)", "load before"]

SEARCH_HEADER = ["scale", "measured", "generation", "Hugo conversion (not in Hugo's time)",
                 "indexing (with − without search)", "index step (build with search after a no-search build)",
                 "shards (indexed)", "pagefind binary (sum over shards)", "pagefind peak MB (one / sum at once)",
                 "index step Python peak MB", "pagefind/", "offline-data.js"]


def search_cells(scale: str, data: dict) -> list[str]:
    g, s, h = data["generation"], data.get("search", {}), data.get("hugo_conversion", {})
    if "index_step_s" in s:
        step = f"{s['index_step_s']:.2f} s" + (" (NOT indexing alone: see notes)" if s.get("index_step_warning") else "")
    elif s.get("index_step_error"):
        step = "FAILED"
    else:
        step = "–"
    single = s.get("pagefind_peak_single_mb", s.get("pagefind_peak_mb"))  # the latter: earlier versions
    return [
        scale, f"{data['measured_at']}, {data['runs']} run(s), revision {data.get('revision', '?')}"
        + (f" (steps {', '.join(data['steps_rerun']['steps'])} measured again at {data['steps_rerun']['at']})"
           if data.get("steps_rerun") else "")
        + ("" if data.get("complete") else " — INCOMPLETE (stopped)"),
        f"{g['seconds']:.1f} s{' (cached)' if g.get('cached') else ''}, {g['files']} files, {g['bytes'] / 2**20:.0f} MB",
        (f"{h['seconds']:.1f} s, {h['peak_mb']:.0f} MB, {h['pages']} pages, "
         f"{h['content_bytes'] / 2**20:.0f} MB front matter{' (cached)' if h.get('cached') else ''}")
        if h.get("ok") else h.get("error", "–"),
        f"{fmt(s.get('indexing_s_by_difference'), '.2f')} s",
        step,
        f"{s['shards']} ({s.get('shards_indexed', '?')})" if "shards" in s else "–",
        f"{fmt(s.get('pagefind_binary_s'), '.2f')} s",
        f"{fmt(single, '.0f')} / {fmt(s.get('pagefind_peak_sum_mb'), '.0f')}"
        + (f" ({s['pagefind_max_concurrent']} at most at once)" if "pagefind_max_concurrent" in s else ""),
        fmt(s.get("index_step_python_peak_mb"), ".0f"),
        f"{s['pagefind_files']} files, {s['pagefind_bytes'] / 2**20:.1f} MB" if "pagefind_bytes" in s else "–",
        f"{s['offline_data_bytes'] / 2**20:.2f} MB" if "offline_data_bytes" in s else "–",
    ]


def summary_notes(scale: str, data: dict) -> list[str]:
    """What the builds said they did, the issue's target, and anything the index step noticed."""
    notes = []
    rows, s = data["rows"], data.get("search", {})
    for key in ("full_no_search", "full_search", "noop_rebuild", "one_file_rebuild"):
        if rows.get(key, {}).get("cli_summary"):
            notes.append(f"{ROWS[key]}: build.py said \"{rows[key]['cli_summary']}\"")
    noop = rows.get("noop_rebuild", {}).get("cli_summary")
    if noop and not noop.startswith("nothing changed"):
        notes.append(f"WARNING: the rebuild with nothing changed did something: \"{noop}\"")
    one = rows.get("one_file_rebuild", {})
    if one.get("ratio_to_full_search") or one.get("ratio_to_full_no_search"):
        worst = max(v for v in (one.get("ratio_to_full_search"), one.get("ratio_to_full_no_search")) if v)
        notes.append(f"target (one unit file edited rebuilds in ≤ 5 % of a full build): "
                     f"{percent(one.get('ratio_to_full_search'))} of the full build with search, "
                     f"{percent(one.get('ratio_to_full_no_search'))} of the one without — "
                     + ("met" if worst <= 0.05 else "not met")
                     + (f" (CPU time: {percent(one.get('cpu_ratio_to_full_search'))} / "
                        f"{percent(one.get('cpu_ratio_to_full_no_search'))})"
                        if "cpu_ratio_to_full_search" in one or "cpu_ratio_to_full_no_search" in one else ""))
    imported = data.get("import")
    for key in ("import_dry_run", "import_real") if imported else ():
        row = rows.get(key, {})
        if row.get("ok"):
            notes.append(f"{ROWS[key]} ({imported['rows']:,} rows, {imported['units']} units, "
                         f"{imported['ledger_bytes'] / 2**20:.1f} MB; site of {imported['projects']:,} projects, "
                         f"{imported['rounds']} rounds): {row['median_s']:.2f} s, peak {row['peak_mb']:.0f} MB = "
                         f"{row.get('ratio_to_site_build', 0):.2f}× the no-search build of that site "
                         f"(CPU {row.get('cpu_ratio_to_site_build', 0):.2f}×); unit files written: "
                         f"{row.get('unit_files', 0)}; it said ({row.get('output_lines', '?')} lines): "
                         + " / ".join(line.strip() for line in
                                      row.get("output_head", []) + row.get("output_tail", [])[-1:]
                                      if line.strip().startswith(IMPORT_SUMMARY_LINES)))
            if row.get("check_after"):
                notes.append("check after the import: " + " / ".join(row["check_after"]))
        elif row:
            notes.append(f"{ROWS[key]}: FAILED: {row.get('error', '')}")
    if s.get("index_step_report"):
        r = s["index_step_report"]
        notes.append(f"index step: build_site said {r['written']} files written, {r['deleted']} removed, "
                     f"{r['units_built']} of {r['units']} units rebuilt (incremental: {r['incremental']})")
    for key in ("index_step_warning", "index_step_error"):
        if s.get(key):
            notes.append(f"index step: {s[key]}")
    return [f"{scale}: {note}" for note in notes]


def markdown(results: dict) -> str:
    m = results["machine"]
    out = ["# Benchmark results", "",
           f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, {m['os']}; Python {m['python']}; "
           f"{m['hugo'] or 'Hugo not installed'}; pagefind-bin-extended {m['pagefind_bin_extended']}"
           + (f"; BULLETIN_JOBS={m['bulletin_jobs']}" if m.get("bulletin_jobs") else "") + ".", "",
           "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(line) + " |" for line in table_rows(results)]
    out += ["", "| " + " | ".join(SEARCH_HEADER) + " |", "|" + "---|" * len(SEARCH_HEADER)]
    for scale, data in results["scales"].items():
        out.append("| " + " | ".join(search_cells(scale, data)) + " |")
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
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS),
                        help="measure only these (default: all); rows of the others are kept from results.json")
    parser.add_argument("--import-rows", type=int, default=10_000,
                        help="rows of the ledger workbook the import step reads (default 10000)")
    parser.add_argument("--profile", action="store_true",
                        help="also run the no-search build once under cProfile and -X importtime")
    args = parser.parse_args()
    args.out = args.out.resolve()
    if not Path(GNU_TIME).is_file():
        raise SystemExit(f"{GNU_TIME} (GNU time) is needed: apt-get install -y time")
    args.out.mkdir(parents=True, exist_ok=True)

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
        if data.get("search"):
            print("; ".join(f"{name}: {cell}" for name, cell in zip(SEARCH_HEADER, search_cells(scale, data))))
        for note in summary_notes(scale, data):
            print(f"- {note}")
    print(f"\nwritten: {results_path}, {args.out / 'results.md'}")


if __name__ == "__main__":
    main()
