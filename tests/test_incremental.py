"""Incremental builds: building again into the same output reuses a cache, and is never wrong.

The contract: an incremental build's output is byte-identical to a full build's; any cache is
invalidated by whatever it depends on (content, templates, static files, site.yaml, the
generator's version); a corrupt, stale or foreign cache is detected and ignored, never trusted;
a rebuild with nothing changed writes nothing.

The cache of an output folder `X/public` is the hidden sibling `X/.public.cache/`. A "full build"
here is a build into a fresh folder whose cache folder does not exist (made in-process, for speed);
incremental builds run through the real CLI, one process per build as staff run it (one series runs
in-process, as `serve` rebuilds), and each is compared with a full build, file by file.
BULLETIN_JOBS=N forces N worker processes (1: in-process).
"""

from __future__ import annotations

import importlib
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from conftest import ROOT, run_cli, write_site
from bulletin.builder import build_site

LATEST = "2021-2"
UNITS = ("qwbgs", "qrdjg", "qzfbgs", "qzxjg")


# --------------------------------------------------------------------------- helpers

def copy_sample(folder: Path) -> Path:
    """The shipped sample site (site.yaml, content/) copied into `folder`: bundled templates and static files."""
    folder.mkdir(parents=True)
    shutil.copy2(ROOT / "site.yaml", folder / "site.yaml")
    shutil.copytree(ROOT / "content", folder / "content")
    return folder


def cache_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.cache"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative POSIX path. A symlink is recorded as a link (a site copied to
    a web server must not point into a hidden cache), a folder as '<folder>' (an emptied folder left
    behind is not what a full build gives)."""
    found: dict[str, bytes] = {}
    for directory, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(directory, name)
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[relative] = b"<symlink to " + os.fsencode(os.readlink(path)) + b">"
            elif path.is_dir():
                found[relative + "/"] = b"<folder>"
            else:
                found[relative] = path.read_bytes()
    return found


def _first_difference(actual: bytes, expected: bytes) -> str:
    at = next((i for i, (a, b) in enumerate(zip(actual, expected)) if a != b), min(len(actual), len(expected)))
    start = max(0, at - 60)

    def show(data: bytes) -> str:
        return repr(data[start:at + 60].decode("utf-8", "replace"))
    return (f"sizes {len(actual)} vs {len(expected)} bytes, first difference at byte {at}:\n"
            f"      incremental: {show(actual)}\n      full build:  {show(expected)}")


def tree_diff(actual: dict[str, bytes], expected: dict[str, bytes], limit: int = 12) -> str:
    """'' when equal, else which paths are missing, extra or different (short: no megabytes of HTML)."""
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    differ = sorted(p for p in expected.keys() & actual.keys() if expected[p] != actual[p])
    lines = []
    for label, paths in (("missing", missing), ("extra", extra), ("different", differ)):
        if paths:
            shown = ", ".join(paths[:limit]) + (f", ... ({len(paths) - limit} more)" if len(paths) > limit else "")
            lines.append(f"  {label} ({len(paths)}): {shown}")
    if differ:
        lines.append(f"  {differ[0]}: {_first_difference(actual[differ[0]], expected[differ[0]])}")
    return "\n".join(lines)


def assert_same_tree(actual: Path, expected: Path, context: str) -> None:
    diff = tree_diff(tree(actual), tree(expected))
    assert not diff, f"{context}: {actual} differs from a full build ({expected}):\n{diff}"


def stats(folder: Path) -> dict[str, tuple[int, int, int]]:
    """(inode, mtime in ns, size) of every file: a file written again changes one of them."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            st = path.stat()
            found[path.relative_to(folder).as_posix()] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return found


def rewritten(before: dict[str, tuple], after: dict[str, tuple]) -> set[str]:
    """Files added, removed, or whose inode or mtime changed."""
    return ({p for p in before.keys() & after.keys() if before[p] != after[p]}
            | (before.keys() ^ after.keys()))


def _build_args(site: Path, out: Path, search: bool) -> list[str]:
    return ["build", "--site", str(site), "--out", str(out), *([] if search else ["--no-search"])]


def _env(jobs: int | None) -> dict[str, str]:
    env = dict(os.environ)
    if jobs is not None:
        env["BULLETIN_JOBS"] = str(jobs)
    return env


def start_build(site: Path, out: Path, search: bool = True, jobs: int | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "build.py"), *_build_args(site, out, search)],
                            cwd=ROOT, env=_env(jobs), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_build(process: subprocess.Popen, context: str = "") -> str:
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0 and "Traceback" not in stderr, (
        f"{context}: build exited {process.returncode}:\n{stderr[-3000:]}")
    return stdout


def cli_build(site: Path, out: Path, search: bool = True, jobs: int | None = None, context: str = "") -> str:
    """An incremental build through the real CLI (a new process, as staff run it); it must succeed."""
    return finish_build(start_build(site, out, search, jobs), context or f"build of {out}")


_fresh = iter(range(10**9))


def full_build(site: Path, base: Path, search: bool = True) -> Path:
    """A full build: into a fresh folder whose cache folder does not exist (in-process, for speed)."""
    out = base / f"full-{next(_fresh)}" / "public"
    assert not out.exists() and not cache_dir(out).exists()
    build_site(site, out)
    return out


def assert_matches_full(site: Path, out: Path, base: Path, search: bool, context: str) -> None:
    assert_same_tree(out, full_build(site, base, search), context)


def stray_siblings(out: Path) -> list[str]:
    """Hidden folders of this output other than its cache, left beside it after a build finished."""
    return sorted(p.name for p in out.parent.iterdir()
                  if p.name.startswith(f".{out.name}.") and p.name != cache_dir(out).name)


def cache_files(out: Path) -> list[Path]:
    folder = cache_dir(out)
    assert folder.is_dir(), f"no cache folder {folder} after building {out}"
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files, f"the cache folder {folder} holds no file"
    return files


# --------------------------------------------------------------------------- edits to a copy of the sample

def replace_in(site: Path, relative: str, old: str, new: str) -> None:
    path = site / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{relative}: {old!r} not found"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _split_projects(text: str) -> tuple[str, list[str]]:
    """A unit file as written in the sample: its header, then one text block per `  - id:` item."""
    header, blocks = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith("  - id: "):
            blocks.append(line)
        elif blocks:
            blocks[-1] += line
        else:
            header.append(line)
    return "".join(header), blocks


def edit_project(site: Path, relative: str, project_id: str, edit: Callable[[str], str | None]) -> None:
    """Rewrite one project's block (None removes it), every other byte of the file as it was."""
    path = site / relative
    header, blocks = _split_projects(path.read_text(encoding="utf-8"))
    ids = [block.splitlines()[0].split(":", 1)[1].strip() for block in blocks]
    assert project_id in ids, f"{relative}: no project {project_id} in {ids}"
    index = ids.index(project_id)
    new = edit(blocks[index])
    assert new != blocks[index], f"{relative}: the edit of {project_id} changed nothing"
    blocks[index:index + 1] = [] if new is None else [new]
    path.write_text(header + "".join(blocks), encoding="utf-8")


def sub(old: str, new: str) -> Callable[[str], str]:
    def edit(block: str) -> str:
        assert old in block, f"{old!r} not in {block[:80]!r}"
        return block.replace(old, new, 1)
    return edit


def edit_progress(site: Path, relative: str = f"content/{LATEST}/qwbgs.yaml", project_id: str = "xhc-ludeng",
                  added: str = "群众满意。") -> None:
    edit_project(site, relative, project_id, sub("    progress: |\n      ", f"    progress: |\n      {added}"))


NEW_PROJECT = """\
  - id: qrdjg-xinzeng
    title: 新增便民服务项目
    status: not_started
    progress: |
      正在调研群众需求，**计划**九月启动。
    lead: 张三
    location: 银河社区
    funding: {amount: 2, unit: 万元}
    target: {name: 服务人次, planned: 100, done: 0, unit: 人次}
"""


def add_project(site: Path) -> None:
    path = site / f"content/{LATEST}/qrdjg.yaml"
    path.write_text(path.read_text(encoding="utf-8") + NEW_PROJECT, encoding="utf-8")


def add_round(site: Path) -> None:
    result = run_cli("new-round", "2021-3", "--title", "第三轮公布", "--date", "2021-10-25", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert (site / "content/2021-3/qwbgs.yaml").is_file()
    edit_project(site, "content/2021-3/qwbgs.yaml", "xhc-huazigu", sub("status: in_progress", "status: completed"))
    edit_progress(site, "content/2021-3/qwbgs.yaml", "xhc-huazigu", "已找到新的销售渠道。")


def bundled(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


def override_template(site: Path) -> None:
    text = bundled("templates/partials/status.html")
    assert '<span class="status' in text
    write_site(site, {"templates/partials/status.html": text.replace('<span class="status',
                                                                     '<span data-v="1" class="status')})


def change_template_override(site: Path) -> None:  # same size, one byte different
    replace_in(site, "templates/partials/status.html", 'data-v="1"', 'data-v="2"')


def override_translation(site: Path) -> None:
    write_site(site, {"templates/i18n/zh-CN.yaml": "status.completed: 已办结\n"})


def override_static(site: Path) -> None:
    write_site(site, {"static/style.css": bundled("static/style.css") + "\n.status { font-weight: bold; }\n",
                      "static/notice.txt": "本站内容以纸质公示为准。\n"})


def change_units(site: Path) -> None:
    replace_in(site, "content/units.yaml", "name: 区人大常委会机关", "name: 区人大常委会办公室")
    replace_in(site, "content/units.yaml", "    order: 1\n", "    order: 9\n")


def add_unit(site: Path) -> None:
    path = site / "content/units.yaml"
    path.write_text(path.read_text(encoding="utf-8")
                    + "  - id: hsz\n    name: 红山镇\n    group: 镇乡街\n    order: 5\n", encoding="utf-8")
    write_site(site, {"content/2021-3/hsz.yaml": """
        projects:
          - id: hsz-lukou
            title: 红山镇路口改造项目
            status: in_progress
            progress: 已完成设计。
        """})


def publish_round(site: Path) -> None:
    result = run_cli("publish", LATEST, "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert (site / "content/ledger.json").is_file()


def declare_correction(site: Path) -> None:
    relative = f"content/{LATEST}/qwbgs.yaml"
    edit_project(site, relative, "xhc-ludeng", sub("status: completed", "status: in_progress"))
    path = site / relative
    path.write_text(path.read_text(encoding="utf-8") + "corrections:\n  - date: 2021-09-03\n"
                    "    reason: 经核实，路灯尚有两成未更换，原公布内容有误。\n    project: xhc-ludeng\n", encoding="utf-8")
    # the correction pins the project with the state the check reports (see README, corrections)
    state = re.search(r"state is missing: add state: ([a-p]{12}) ", run_cli("check", "--site", str(site)).stderr)
    path.write_text(path.read_text(encoding="utf-8") + f"    state: {state.group(1)}\n", encoding="utf-8")


def remove_overrides(site: Path) -> None:
    shutil.rmtree(site / "templates")
    shutil.rmtree(site / "static")


# Applied cumulatively to one copy of the sample, a build after each.
SEQUENCE: list[tuple[str, Callable[[Path], None]]] = [
    ("one project's progress text changed", lambda s: edit_progress(s)),
    ("a project added to a unit file of the latest round", add_project),
    ("an unfinished project removed", lambda s: edit_project(s, f"content/{LATEST}/qzxjg.yaml", "xlj-tuopin",
                                                             lambda block: None)),
    ("a project renamed (its id changed)", lambda s: replace_in(s, f"content/{LATEST}/qwbgs.yaml",
                                                                "  - id: jx-qunuan\n", "  - id: jx-qunuan-2\n")),
    ("a project's status changed", lambda s: edit_project(s, f"content/{LATEST}/qzfbgs.yaml", "yinhe-sdlj",
                                                          sub("status: in_progress", "status: completed"))),
    ("an earlier round's file changed", lambda s: edit_project(s, "content/2021-1/qzfbgs.yaml", "yinhe-sdlj",
                                                               sub("status: suspended", "status: not_started"))),
    ("a round added with new-round, one of its files edited", add_round),
    ("a whole unit file deleted from the latest round", lambda s: (s / "content/2021-3/qzxjg.yaml").unlink()),
    ("round 2021-2 published: the ledger written", publish_round),
    ("a correction declared in the published round", declare_correction),
    ("the deleted unit file back in the latest round", lambda s: shutil.copy(s / f"content/{LATEST}/qzxjg.yaml",
                                                                             s / "content/2021-3/qzxjg.yaml")),
    ("a bundled template overridden by the site", override_template),
    ("the site's template changed (same size)", change_template_override),
    ("a translation string overridden", override_translation),
    ("the bundled style.css overridden, a static file added", override_static),
    ("site.yaml: title changed", lambda s: replace_in(s, "site.yaml", "title: 元宝山区“我为群众办实事”项目清单公示",
                                                      "title: 元宝山区民生实事公示")),
    ("units.yaml: a unit renamed, an order changed", change_units),
    ("a unit added with a file in the latest round", add_unit),
    ("the site's templates/ and static/ removed: bundled ones again", remove_overrides),
    ("site.yaml: language changed to en", lambda s: replace_in(s, "site.yaml", "language: zh-CN", "language: en")),
]


# --------------------------------------------------------------------------- the tests

def test_cache_is_a_hidden_sibling_of_the_output(tmp_path):
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "web" / "site-preview"
    cli_build(site, out, search=False)
    assert cache_files(out)
    assert cache_dir(out) == tmp_path / "web" / ".site-preview.cache"
    hidden = [p for p in tree(out) if p.startswith(".") or "/." in p]
    assert hidden == [".bulletin-output"], "hidden files inside the output besides its stamp"
    assert stray_siblings(out) == []
    assert_matches_full(site, out, tmp_path, False, "first build")


def test_edit_sequence_matches_a_full_build_after_every_edit(tmp_path):
    """After every edit: an incremental build with search and one without (each through the CLI, a new
    process per build), and one that switches between the two on every step (in this process, as
    `serve` rebuilds), each equal to a fresh full build with the same flag."""
    site = copy_sample(tmp_path / "site")
    outs = {"search": tmp_path / "inc-search" / "public", "no-search": tmp_path / "inc-plain" / "public",
            "switching": tmp_path / "inc-switch" / "public"}
    failures: list[str] = []
    for step, (name, edit) in enumerate([("first build", lambda s: None), *SEQUENCE]):
        edit(site)
        flags = {"search": True, "no-search": False, "switching": step % 2 == 0}
        running = {kind: start_build(site, outs[kind], flags[kind]) for kind in ("search", "no-search")}
        build_site(site, outs["switching"])
        references = {flag: full_build(site, tmp_path / f"step-{step}", flag) for flag in (True, False)}
        for kind, process in running.items():
            finish_build(process, f"step {step} ({name}), {kind}")
        expected = {flag: tree(folder) for flag, folder in references.items()}
        for kind, out in outs.items():
            diff = tree_diff(tree(out), expected[flags[kind]])
            if diff:
                failures.append(f"step {step} ({name}), {kind} build "
                                f"({'with' if flags[kind] else 'without'} search):\n{diff}")
            if stray_siblings(out):
                failures.append(f"step {step} ({name}), {kind}: left beside the output: {stray_siblings(out)}")
            if not cache_dir(out).is_dir():
                failures.append(f"step {step} ({name}), {kind}: no cache folder {cache_dir(out)}")
        shutil.rmtree(tmp_path / f"step-{step}")
    assert not failures, f"{len(failures)} incremental builds differ from full builds:\n" + "\n".join(failures)


def test_switching_search_on_and_off_with_nothing_changed(tmp_path):
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "inc" / "public"
    for search in (False, True, False, True):
        cli_build(site, out, search=search)
        assert_matches_full(site, out, tmp_path, search, f"build {'with' if search else 'without'} search")


def test_parallel_workers_give_the_same_site(tmp_path):
    site = copy_sample(tmp_path / "site")
    _widen(site, extra_units=12)
    outs = {jobs: tmp_path / f"jobs-{jobs}" / "public" for jobs in (1, 2)}
    running = [start_build(site, out, jobs=jobs) for jobs, out in outs.items()]
    for process in running:
        finish_build(process, "fresh build")
    assert_same_tree(outs[2], outs[1], "BULLETIN_JOBS=2 vs BULLETIN_JOBS=1, fresh folders")
    # incremental, and each folder now built by the other number of workers
    edit_progress(site, f"content/{LATEST}/u03.yaml", "u03-p2")
    (site / f"content/{LATEST}/u07.yaml").unlink()
    for jobs, out in outs.items():
        cli_build(site, out, jobs=3 - jobs)
    reference = tmp_path / "jobs-1-fresh" / "public"
    cli_build(site, reference, jobs=1)
    for jobs, out in outs.items():
        assert_same_tree(out, reference, f"incremental with BULLETIN_JOBS={3 - jobs}")


def _widen(site: Path, extra_units: int) -> None:
    """More units (each with projects in both rounds) so that the work is worth sharing out."""
    units = site / "content/units.yaml"
    text = units.read_text(encoding="utf-8")
    files = {}
    for n in range(1, extra_units + 1):
        text += f"  - id: u{n:02}\n    name: 第{n}街道办事处\n    group: 镇乡街\n    order: {10 + n}\n"
        for rnd, status in (("2021-1", "in_progress"), (LATEST, "completed")):
            files[f"content/{rnd}/u{n:02}.yaml"] = "projects:\n" + "".join(
                f"  - id: u{n:02}-p{p}\n    title: 第{n}街道第{p}号民生项目\n    status: {status}\n"
                f"    progress: |\n      第{p}号项目在{rnd}轮的进展：已完成{p * 10}%。\n"
                for p in range(1, 7) if not (rnd == LATEST and p == 6))
    units.write_text(text, encoding="utf-8")
    write_site(site, files)


def _set_shard_size(site: Path, size: int) -> None:
    path = site / "site.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"search:\n  shard_size: {size}\n", encoding="utf-8")


def test_search_index_in_shards_follows_edits(tmp_path):
    """site.yaml's search: shard_size splits the index; an edit re-indexes only some shards, and edits
    that change the number of shards re-shard it. 16 units, 100 projects in shards of 30: 4 shards, then
    5, then 3 (sizes for which every shard has a unit)."""
    site = copy_sample(tmp_path / "site")
    _widen(site, extra_units=12)
    _set_shard_size(site, 30)
    out = tmp_path / "inc" / "public"
    extra = "".join(f"  - id: u06-extra-{n}\n    title: 追加项目{n}\n    status: in_progress\n"
                    f"    progress: 第{n}个追加项目。\n" for n in range(1, 21))

    def append_extra(s: Path) -> None:
        path = s / f"content/{LATEST}/u06.yaml"
        path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")

    def remove_extra_and_three_units(s: Path) -> None:
        path = s / f"content/{LATEST}/u06.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace(extra, ""), encoding="utf-8")
        for unit in ("u07", "u08", "u09"):
            for rnd in ("2021-1", LATEST):
                (s / f"content/{rnd}/{unit}.yaml").unlink()

    steps: list[tuple[str, Callable[[Path], None], bool]] = [
        ("first build", lambda s: None, True),
        ("one unit's progress text changed", lambda s: edit_progress(s), True),
        ("a project added", lambda s: edit_progress(s, f"content/{LATEST}/u05.yaml", "u05-p1", "再次。"), True),
        ("20 projects added: one shard more", append_extra, True),
        ("back to 83 projects: two shards fewer", remove_extra_and_three_units, True),
        ("an edit without search", lambda s: edit_progress(s, f"content/{LATEST}/u10.yaml", "u10-p3"), False),
        ("an edit with search again", lambda s: edit_progress(s, f"content/{LATEST}/u11.yaml", "u11-p3"), True),
    ]
    failures = []
    for step, (name, edit, search) in enumerate(steps):
        edit(site)
        cli_build(site, out, search, context=f"step {step} ({name})")
        diff = tree_diff(tree(out), tree(full_build(site, tmp_path, search)))
        if diff:
            failures.append(f"step {step} ({name}):\n{diff}")
    assert not failures, f"{len(failures)} incremental builds differ from full builds:\n" + "\n".join(failures)


def test_more_search_shards_than_units_still_builds(tmp_path):
    """The sample (4 units, 28 projects) with search: shard_size: 8 asks for 4 shards; units are shared
    among them by id, so some shard may get none: the build must still succeed (an empty shard is
    no reason to fail), incrementally as well."""
    site = copy_sample(tmp_path / "site")
    _set_shard_size(site, 8)
    out = tmp_path / "inc" / "public"
    cli_build(site, out)
    edit_progress(site)
    cli_build(site, out)
    assert_matches_full(site, out, tmp_path, True, "after an edit, in shards")


@pytest.mark.parametrize("search", [True, False], ids=["search", "no-search"])
def test_rebuild_with_nothing_changed_writes_nothing(tmp_path, search):
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "inc" / "public"
    cli_build(site, out, search)
    for when in ("after a first build", "after an incremental build"):
        before = stats(out)
        cli_build(site, out, search)
        changed = rewritten(before, stats(out))
        assert not changed, (f"{when}, a rebuild with nothing changed wrote {len(changed)} of {len(before)} "
                             f"files: {sorted(changed)[:10]}")
        edit_progress(site)
        cli_build(site, out, search)
    assert_matches_full(site, out, tmp_path, search, "after the edit")


def test_touched_but_unchanged_sources_write_nothing(tmp_path):
    """Every source file touched (as a checkout of another branch and back does) and one rewritten with
    the same bytes: the content is what it was, so nothing is written."""
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "inc" / "public"
    cli_build(site, out, search=False)
    before = stats(out)
    later = time.time() + 5
    for path in [site / "site.yaml", *(site / "content").rglob("*")]:
        os.utime(path, (later, later))
    same = site / f"content/{LATEST}/qwbgs.yaml"
    same.write_bytes(same.read_bytes())
    cli_build(site, out, search=False)
    changed = rewritten(before, stats(out))
    assert not changed, f"{len(changed)} files written although no content changed: {sorted(changed)[:10]}"


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(tmp_path):
    """Two saves within one tick of the file system's clock, or a tool that restores the mtime: the
    content changed, so the output must follow (a cache keyed on mtime and size alone would miss it)."""
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "inc" / "public"
    cli_build(site, out, search=False)
    path = site / f"content/{LATEST}/qwbgs.yaml"
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "目前全部更换完毕" in text
    path.write_text(text.replace("目前全部更换完毕", "目前全部更换完成", 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    cli_build(site, out, search=False)
    assert "更换完成".encode() in (out / f"rounds/{LATEST}/qwbgs.html").read_bytes(), "the edit is not on the page"
    assert_matches_full(site, out, tmp_path, False, "after a same-size edit with the mtime restored")


def test_one_unit_edited_rewrites_only_what_depends_on_it(tmp_path):
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "inc" / "public"
    cli_build(site, out)
    before = stats(out)
    edit_progress(site)  # qwbgs, round 2021-2, project xhc-ludeng
    cli_build(site, out)
    after = stats(out)
    changed = rewritten(before, after)
    print(f"\none unit file edited: {len(changed)} of {len(after)} output files rewritten "
          f"({len([p for p in changed if not p.startswith('search/')])} outside search/)")

    def may_depend(path: str) -> bool:
        if path == ".bulletin-output":  # the stamp lists the files: the search shard's names changed
            return set(before) != set(after)
        return (path in {f"rounds/{LATEST}/index.html", f"rounds/{LATEST}/qwbgs.html",
                         f"rounds/{LATEST}/published/qwbgs.html", "units/qwbgs.html", "index.html", "search.html"}
                or path.startswith(("projects/qwbgs/", "data/", "search/")))

    other_units = sorted(p for p in changed for unit in UNITS if unit != "qwbgs"
                         and (p.startswith(f"projects/{unit}/") or p == f"units/{unit}.html"
                              or (p.startswith("rounds/") and p.endswith(f"/{unit}.html"))))
    assert not other_units, f"pages of other units rewritten ({len(other_units)}): {other_units[:10]}"
    unrelated = sorted(p for p in changed if not may_depend(p))
    assert not unrelated, (f"{len(unrelated)} files that cannot depend on content/{LATEST}/qwbgs.yaml "
                           f"rewritten: {unrelated[:10]}")
    assert_matches_full(site, out, tmp_path, True, "after editing one unit file")


def test_failed_build_keeps_the_output_and_the_next_build_is_right(tmp_path):
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "inc" / "public"
    cli_build(site, out, search=False)
    good = tree(out)
    edit_project(site, f"content/{LATEST}/qwbgs.yaml", "xhc-ludeng", sub("status: completed", "status: done"))
    edit_progress(site, f"content/{LATEST}/qrdjg.yaml", "xj-laji")  # a valid edit in the same broken build
    result = run_cli(*_build_args(site, out, False))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert not tree_diff(tree(out), good), "a failed build changed the output"
    edit_project(site, f"content/{LATEST}/qwbgs.yaml", "xhc-ludeng", sub("status: done", "status: suspended"))
    cli_build(site, out, search=False)
    assert_matches_full(site, out, tmp_path, False, "after fixing the content")

    good = tree(out)
    write_site(site, {"templates/partials/status.html": "{% if %}\n"})
    result = run_cli(*_build_args(site, out, False))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert not tree_diff(tree(out), good), "a failed build changed the output"
    shutil.rmtree(site / "templates")
    cli_build(site, out, search=False)
    assert_matches_full(site, out, tmp_path, False, "after removing the broken template")


# --------------------------------------------------------------------------- the cache is never trusted

def truncate(out: Path) -> None:
    for path in cache_files(out):
        path.write_bytes(b"")


def randomize(out: Path) -> None:
    rng = random.Random(20210824)
    for path in cache_files(out):
        path.write_bytes(rng.randbytes(path.stat().st_size or 64))


def flip_one_byte(out: Path) -> None:
    for path in cache_files(out):
        data = bytearray(path.read_bytes())
        if data:
            data[len(data) // 2] ^= 0x01
            path.write_bytes(bytes(data))


def replace_by_a_file(out: Path) -> None:
    cache_files(out)
    shutil.rmtree(cache_dir(out))
    cache_dir(out).write_bytes(b"not a cache\n")


def delete(out: Path) -> None:
    cache_files(out)
    shutil.rmtree(cache_dir(out))


@pytest.mark.parametrize("damage", [truncate, randomize, flip_one_byte, replace_by_a_file, delete],
                         ids=lambda f: f.__name__)
def test_damaged_cache_is_ignored(tmp_path, damage):
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "inc" / "public"
    cli_build(site, out, search=False)
    damage(out)
    cli_build(site, out, search=False, context=f"build after {damage.__name__}")
    assert_matches_full(site, out, tmp_path, False, f"cache damaged ({damage.__name__}), nothing edited")
    damage(out)  # the build made a cache again
    edit_progress(site)
    add_project(site)
    cli_build(site, out, search=False, context=f"build after {damage.__name__} and an edit")
    assert_matches_full(site, out, tmp_path, False, f"cache damaged ({damage.__name__}), content edited")
    assert cache_files(out)


def test_damage_to_any_one_cache_file_is_ignored(tmp_path):
    """Each file of the cache in turn has one byte changed in its middle while the others stay intact,
    then one unit is edited (so that what the cache holds for the other units is used): whatever the
    damaged file held, the build notices, succeeds and is right."""
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "inc" / "public"
    cli_build(site, out)
    names = sorted(p.relative_to(cache_dir(out)).as_posix() for p in cache_files(out))
    failures = []
    for n, name in enumerate(names):
        path = cache_dir(out) / name
        if not path.is_file():
            continue  # a file of the first build's cache that a later build dropped
        data = bytearray(path.read_bytes())
        if data:
            data[len(data) // 2] ^= 0x01
            path.write_bytes(bytes(data))
        edit_progress(site, added=f"第{n}次编辑。")
        result = run_cli(*_build_args(site, out, True))
        if result.returncode != 0 or "Traceback" in result.stderr:
            failures.append(f"{name} damaged: the build exited {result.returncode}: "
                            f"{' | '.join(result.stderr.strip().splitlines()[-2:])}")
            shutil.rmtree(cache_dir(out))  # go on from a sound cache
            cli_build(site, out)
            continue
        diff = tree_diff(tree(out), tree(full_build(site, tmp_path, True)))
        if diff:
            failures.append(f"{name} damaged: the output differs from a full build:\n{diff}")
    assert not failures, f"{len(failures)} of {len(names)} cache files, damaged, broke the build:\n" + "\n".join(failures)


def _replace_folder(source: Path, target: Path) -> None:
    shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=True)


def test_cache_of_another_site_is_ignored(tmp_path):
    site_a = copy_sample(tmp_path / "a")
    site_b = copy_sample(tmp_path / "b")
    replace_in(site_b, "site.yaml", "title: 元宝山区“我为群众办实事”项目清单公示", "title: 另一个区的公示")
    edit_progress(site_b, added="乙站。")
    edit_project(site_b, f"content/{LATEST}/qzfbgs.yaml", "yinhe-sdlj", sub("status: in_progress", "status: suspended"))
    out_a, out_b = tmp_path / "outA" / "public", tmp_path / "outB" / "public"
    for process in [start_build(site_a, out_a, search=False), start_build(site_b, out_b, search=False)]:
        finish_build(process)
    assert cache_files(out_a) and cache_files(out_b)

    _replace_folder(cache_dir(out_a), cache_dir(out_b))
    cli_build(site_b, out_b, search=False)
    assert_matches_full(site_b, out_b, tmp_path, False, "B rebuilt with A's cache, nothing edited")

    _replace_folder(cache_dir(out_a), cache_dir(out_b))
    edit_progress(site_b, f"content/{LATEST}/qrdjg.yaml", "xj-laji", "乙站再次编辑。")
    cli_build(site_b, out_b, search=False)
    assert_matches_full(site_b, out_b, tmp_path, False, "B edited, rebuilt with A's cache")

    # A's output and A's cache, both copied over B's (a public/ folder copied from elsewhere)
    _replace_folder(out_a, out_b)
    _replace_folder(cache_dir(out_a), cache_dir(out_b))
    cli_build(site_b, out_b, search=False)
    assert_matches_full(site_b, out_b, tmp_path, False, "B rebuilt over A's output and A's cache")

    # one output folder built from A, then from B; A's cache put back, B edited
    shared = tmp_path / "shared" / "public"
    cli_build(site_a, shared, search=False)
    saved = tmp_path / "cache-of-a"
    shutil.copytree(cache_dir(shared), saved, symlinks=True)
    cli_build(site_b, shared, search=False)
    _replace_folder(saved, cache_dir(shared))
    edit_progress(site_b, f"content/{LATEST}/qzxjg.yaml", "xlj-tuopin", "乙站第三次编辑。")
    cli_build(site_b, shared, search=False)
    assert_matches_full(site_b, shared, tmp_path, False, "B rebuilt into its output folder with A's cache of it")


def test_stale_cache_is_ignored(tmp_path):
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "inc" / "public"
    cli_build(site, out, search=False)
    assert cache_files(out)
    saved_cache = tmp_path / "saved-cache"
    saved_content = tmp_path / "saved-content"
    shutil.copytree(cache_dir(out), saved_cache, symlinks=True)
    shutil.copytree(site / "content", saved_content)  # copy2: mtimes kept

    edit_progress(site)
    add_project(site)
    cli_build(site, out, search=False)
    _replace_folder(saved_cache, cache_dir(out))
    cli_build(site, out, search=False)
    assert_matches_full(site, out, tmp_path, False, "old cache restored after later builds")

    # the content too goes back to exactly what the old cache was made from (bytes and mtimes),
    # while the output holds the later site: the cache matches the content but not the output
    shutil.rmtree(site / "content")
    shutil.copytree(saved_content, site / "content")
    _replace_folder(saved_cache, cache_dir(out))
    cli_build(site, out, search=False)
    assert_matches_full(site, out, tmp_path, False, "old content and old cache restored, output of a later build")


def test_output_edited_by_hand_is_restored(tmp_path):
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "inc" / "public"
    cli_build(site, out)

    def tamper() -> None:
        page = out / f"rounds/{LATEST}/qwbgs.html"
        page.write_bytes(page.read_bytes().replace("下荒村".encode(), "上荒村".encode()))
        (out / "units/qzxjg.html").unlink()
        (out / "search/index.js").unlink()
        (out / "static/style.css").write_text("body { display: none }\n", encoding="utf-8")


    tamper()
    cli_build(site, out)
    assert_matches_full(site, out, tmp_path, True, "output edited by hand, nothing else changed")
    tamper()
    edit_progress(site)
    cli_build(site, out)
    assert_matches_full(site, out, tmp_path, True, "output edited by hand and content edited")


def edit_every_unit(site: Path, mark: str) -> None:
    """The first progress text of every unit file of the latest round gets `mark` in front."""
    for path in sorted((site / "content" / LATEST).glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert "    progress: |\n      " in text, path
        path.write_text(text.replace("    progress: |\n      ", f"    progress: |\n      {mark}", 1), encoding="utf-8")


def test_build_killed_midway_then_the_next_build_is_right(tmp_path):
    """A build killed at some moment (whichever: before, while or after it writes the output or the
    cache) leaves nothing the next build trusts wrongly. The moments are spread over the run of an
    incremental build that rebuilds every unit; its worker processes are killed with it."""
    site = copy_sample(tmp_path / "site")
    _widen(site, extra_units=12)
    out = tmp_path / "inc" / "public"
    cli_build(site, out, search=False)
    edit_every_unit(site, "测。")
    started = time.perf_counter()
    cli_build(site, out, search=False)
    seconds = time.perf_counter() - started
    killed = 0
    for n, fraction in enumerate((0.6, 0.75, 0.9)):
        edit_every_unit(site, f"第{n}次。")
        process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), *_build_args(site, out, False)],
                                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        time.sleep(seconds * fraction)
        killed += process.poll() is None
        try:
            os.killpg(process.pid, 9)
        except ProcessLookupError:
            pass
        process.wait(timeout=60)
        edit_progress(site, f"content/{LATEST}/u{n + 1:02}.yaml", f"u{n + 1:02}-p2", f"杀后第{n}次。")
        cli_build(site, out, search=False, context=f"build after one killed at {fraction:.0%} of a build")
        assert_matches_full(site, out, tmp_path, False, f"after a build killed at {fraction:.0%} of its run")
    print(f"\n{killed} of 3 builds were still running when killed")


# --------------------------------------------------------------------------- the generator's version

FINGERPRINT_NAMES = ("generator_fingerprint", "GENERATOR_FINGERPRINT", "GENERATOR_VERSION", "generator_version")


def _find_fingerprint() -> tuple[str, object] | None:
    """(name, object) of what the builder keys its cache on as the generator's version, if it exists."""
    for module_name in ("bulletin.cache", "bulletin.builder", "bulletin"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in FINGERPRINT_NAMES:
            if hasattr(module, name):
                return name, getattr(module, name)
    return None


def _bumped(value):
    if isinstance(value, str):
        return value + "+a-newer-generator"
    if isinstance(value, bytes):
        return value + b"+a-newer-generator"
    return (value, "a-newer-generator")


def test_a_new_generator_version_invalidates_the_cache(tmp_path, monkeypatch):
    """A newer generator (simulated: every template renders with one more line) with its own version:
    the pages rendered by the old generator must not be reused from the cache."""
    import jinja2

    found = _find_fingerprint()
    if found is None:
        pytest.fail(f"bulletin has none of {FINGERPRINT_NAMES} (in bulletin.cache, bulletin.builder or "
                    "bulletin): nothing to change the generator's version with")
    name, original = found
    monkeypatch.setenv("BULLETIN_JOBS", "1")  # in-process: the patches below must reach the rendering
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "inc" / "public"
    build_site(site, out)
    old = tree(out)

    replacement = (lambda *args, **kwargs: _bumped(original(*args, **kwargs))) if callable(original) \
        else _bumped(original)
    patched = [module for module_name, module in list(sys.modules.items())
               if module_name == "bulletin" or module_name.startswith("bulletin.")
               if getattr(module, name, None) is original]
    for module in patched:
        monkeypatch.setattr(module, name, replacement)
    render = jinja2.Template.render
    monkeypatch.setattr(jinja2.Template, "render",
                        lambda self, *args, **kwargs: render(self, *args, **kwargs) + "<!-- generator 2 -->\n")

    build_site(site, out)
    reference = full_build(site, tmp_path, search=False)
    assert tree_diff(tree(reference), old), "the simulated new generator changes nothing: the test proves nothing"
    assert_same_tree(out, reference, f"rebuilt after {name} changed (patched in {[m.__name__ for m in patched]})")


def test_compiled_templates_are_kept_and_a_changed_template_is_compiled_again(tmp_path):
    """A rebuild reuses the templates the last build compiled (kept in the cache, a folder per generator);
    a template edited since is compiled again: its same-size, one-byte change reaches the pages."""
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "inc" / "public"
    override_template(site)
    cli_build(site, out)
    compiled = list((cache_dir(out) / "templates").glob("*/*.cache"))
    assert len(compiled) >= 10, f"the compiled templates are not kept: {compiled}"
    assert 'data-v="1"' in (out / f"rounds/{LATEST}/qwbgs.html").read_text(encoding="utf-8")
    change_template_override(site)
    cli_build(site, out)
    page = (out / f"rounds/{LATEST}/qwbgs.html").read_text(encoding="utf-8")
    assert 'data-v="2"' in page and 'data-v="1"' not in page
    assert_matches_full(site, out, tmp_path, True, "a template changed, its compiled copy in the cache")
