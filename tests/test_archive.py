"""Archives: each published round as a BagIt zip that `verify` can check, byte for byte the same whenever it
is made, and that opens from disk in a browser with working navigation and search.

Everything runs through the real CLI: `publish`, `archive`, `verify`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from bulletin import __version__
from conftest import ROOT, require_tool, run_cli, write_site

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - only on a machine without requirements-dev.txt
    expect = None


# --- helpers ----------------------------------------------------------------------------------------------

def publish(site: Path, round_id: str) -> None:
    result = run_cli("publish", round_id, "--site", str(site))
    assert result.returncode == 0, result.stderr


def archive(site: Path, out: Path, *round_id: str, env: dict | None = None) -> Path:
    result = run_cli("archive", *round_id, "--site", str(site), "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    printed = Path(result.stdout.strip())
    assert printed.is_file(), result.stdout
    assert printed.parent.resolve() == out.resolve()
    return printed


def verify(bundle: Path):
    result = run_cli("verify", str(bundle))
    assert "Traceback" not in result.stderr + result.stdout
    return result


def members(bundle: Path) -> list[str]:
    with zipfile.ZipFile(bundle) as z:
        return z.namelist()


def bag_folder(bundle: Path) -> str:
    tops = {name.split("/")[0] for name in members(bundle)}
    assert len(tops) == 1, tops
    return tops.pop()


def payload(bundle: Path) -> list[str]:
    """Payload paths as the manifest names them: data/..."""
    top = bag_folder(bundle)
    return [name[len(top) + 1:] for name in members(bundle) if name.startswith(f"{top}/data/")]


def bag_info(bundle: Path) -> dict[str, str]:
    with zipfile.ZipFile(bundle) as z:
        text = z.read(f"{bag_folder(bundle)}/bag-info.txt").decode("utf-8")
    info = {}
    for line in text.splitlines():
        key, _, value = line.partition(": ")
        info[key] = value
    return info


def rewrite(bundle: Path, target: Path, change) -> Path:
    """Copy a zip member by member through change(name, data) -> data, or None to leave the member out;
    change.extra: (name, data) pairs added at the end."""
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = change(info.filename, source.read(info))
            if data is not None:
                out.writestr(info, data)
        for name, data in getattr(change, "extra", ()):
            out.writestr(zipfile.ZipInfo(name, (2021, 1, 1, 0, 0, 0)), data)
    return target


def problem_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if re.match(r"(altered|missing|extra): ", line)]


@pytest.fixture
def archived(minimal_site: Path, tmp_path: Path) -> Path:
    """The minimal site with r1 published, archived."""
    publish(minimal_site, "r1")
    return archive(minimal_site, tmp_path / "archives")


# --- round trip -------------------------------------------------------------------------------------------

def test_archive_then_verify(minimal_site, tmp_path):
    publish(minimal_site, "r1")
    result = run_cli("archive", "r1", "--site", str(minimal_site), "--out", str(tmp_path / "archives"))
    assert result.returncode == 0, result.stderr
    bundle = Path(result.stdout.strip())
    assert bundle == tmp_path / "archives" / "site-r1.zip"  # <site folder name>-<round>.zip
    top = bag_folder(bundle)
    assert top == "site-r1"
    names = members(bundle)
    for tag in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"):
        assert f"{top}/{tag}" in names
    assert f"{top}/data/index.html" in names
    assert f"{top}/data/data/rounds/r1.csv" in names

    checked = verify(bundle)
    assert checked.returncode == 0, checked.stderr
    files = len(payload(bundle))
    assert checked.stdout.strip() == f"{bundle}: valid ({files} files match the SHA-256 manifest)"
    with zipfile.ZipFile(bundle) as z:
        manifest = z.read(f"{top}/manifest-sha256.txt").decode("utf-8").splitlines()
    assert sorted(line.split(None, 1)[1] for line in manifest) == sorted(payload(bundle))


def test_the_default_is_the_latest_published_round(minimal_site, tmp_path):
    publish(minimal_site, "r1")
    assert archive(minimal_site, tmp_path / "a").name == "site-r1.zip"  # r2 exists but is not published
    publish(minimal_site, "r2")
    assert archive(minimal_site, tmp_path / "b").name == "site-r2.zip"


def test_the_archive_is_named_after_the_site_id(tmp_path):
    from conftest import MINIMAL_SITE
    site = write_site(tmp_path / "folder", MINIMAL_SITE)
    path = site / "site.yaml"
    path.write_text("id: ceshiqu\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    publish(site, "r1")
    bundle = archive(site, tmp_path / "archives")
    assert bundle.name == "ceshiqu-r1.zip"
    assert bag_folder(bundle) == "ceshiqu-r1"


def test_the_site_in_the_bag_is_built_as_of_its_round(minimal_site, tmp_path):
    publish(minimal_site, "r1")
    publish(minimal_site, "r2")
    bundle = archive(minimal_site, tmp_path / "archives", "r1")
    files = payload(bundle)
    assert "data/rounds/r1/u1.html" in files
    assert not [f for f in files if "r2" in f], "a later round is in the archive of r1"
    assert "data/projects/u1/p4.html" not in files  # p4 first appears in r2
    top = bag_folder(bundle)
    with zipfile.ZipFile(bundle) as z:
        home = z.read(f"{top}/data/index.html").decode("utf-8")
        everything = b"".join(z.read(name) for name in z.namelist() if name.endswith((".html", ".json", ".csv", ".js")))
    assert "第二轮" not in home and "第一轮" in home
    assert "新项目".encode() not in everything and "全部更换完毕".encode() not in everything
    assert bag_info(bundle)["Bulletin-Round"] == "r1"


def test_an_unfinished_later_round_does_not_stop_the_archive_of_an_earlier_one(minimal_site, tmp_path):
    publish(minimal_site, "r1")
    (minimal_site / "content/r2/u1.yaml").write_text("projects:\n  - id: p1\n    title: 草稿\n", encoding="utf-8")
    bundle = archive(minimal_site, tmp_path / "archives", "r1")
    assert verify(bundle).returncode == 0


def test_bag_info(minimal_site, tmp_path):
    publish(minimal_site, "r1")
    bundle = archive(minimal_site, tmp_path / "archives")
    info = bag_info(bundle)
    assert info["Bulletin-Round"] == "r1"
    assert info["Publication-Date"] == "2021-06-30"
    assert info["Generator-Version"] == f"bulletin {__version__}"
    assert re.fullmatch(r"[0-9a-f]{64}", info["Content-SHA256"])
    import json
    entry = json.loads((minimal_site / "content/ledger.json").read_text(encoding="utf-8"))["published"][0]
    assert info["Ledger-Entry-SHA256"] == entry["sha256"]
    assert info["Source-Organization"] == "测试区办公室"
    assert "Payload-Oxum" in info and "Bagging-Date" in info
    assert "Source-Revision" not in info  # the site folder is not in git


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), "-c", "user.name=Test", "-c", "user.email=test@example.com",
                           "-c", "commit.gpgsign=false", *args],
                          capture_output=True, text=True, check=True, timeout=60).stdout.strip()


def test_source_revision_when_the_site_is_in_git(minimal_site, tmp_path):
    require_tool(shutil.which("git") is not None, "git")
    publish(minimal_site, "r1")
    git(minimal_site, "init", "-q")
    git(minimal_site, "add", "-A")
    git(minimal_site, "commit", "-q", "-m", "第一轮公布")
    head = git(minimal_site, "rev-parse", "HEAD")
    info = bag_info(archive(minimal_site, tmp_path / "clean"))
    assert info["Source-Revision"] == head
    # content edited after the commit: the revision says so
    path = minimal_site / "content/r2/u1.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# 待核实\n", encoding="utf-8")
    info = bag_info(archive(minimal_site, tmp_path / "dirty"))
    assert info["Source-Revision"].startswith(head)
    assert info["Source-Revision"] != head


def test_an_unpublished_round_is_not_archived(minimal_site, tmp_path):
    out = tmp_path / "archives"
    result = run_cli("archive", "--site", str(minimal_site), "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == ["no round is published yet: run 'python build.py publish ROUND' first",
                                          "no archive was written."]
    publish(minimal_site, "r1")
    result = run_cli("archive", "r2", "--site", str(minimal_site), "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "round 'r2' is not published: an archive proves what was published, so run 'python build.py publish r2' "
        "first", "no archive was written."]
    assert not out.exists() or not list(out.iterdir())


# --- verify names what changed -----------------------------------------------------------------------------

def test_one_flipped_byte_is_named(archived, tmp_path):
    target = "data/rounds/r1/u1.html"

    def flip(name: str, data: bytes) -> bytes:
        if name.endswith("/" + target):
            changed = bytearray(data)
            changed[len(changed) // 2] ^= 0x01
            return bytes(changed)
        return data

    result = verify(rewrite(archived, tmp_path / "flipped.zip", flip))
    assert result.returncode == 1
    assert problem_lines(result) == [f"altered: {target}"]
    assert result.stderr.splitlines()[-1].endswith("flipped.zip: NOT valid")
    assert "valid (" not in result.stdout


def test_a_deleted_and_an_added_file_are_named(archived, tmp_path):
    top = bag_folder(archived)

    def change(name: str, data: bytes) -> bytes | None:
        return None if name == f"{top}/data/units/u1.html" else data

    change.extra = [(f"{top}/data/rounds/r1/extra.html", b"<p>not published</p>\n")]
    result = verify(rewrite(archived, tmp_path / "changed.zip", change))
    assert result.returncode == 1
    assert sorted(problem_lines(result)) == ["extra: data/rounds/r1/extra.html", "missing: data/units/u1.html"]


def test_an_altered_bag_info_is_named(archived, tmp_path):
    def change(name: str, data: bytes) -> bytes:
        return data.replace(b"Bulletin-Round: r1", b"Bulletin-Round: r2") if name.endswith("/bag-info.txt") else data

    result = verify(rewrite(archived, tmp_path / "info.zip", change))
    assert result.returncode == 1
    assert problem_lines(result) == ["altered: bag-info.txt"]


@pytest.mark.parametrize("member", ["../evil.txt", "{top}/../../evil.txt", "/tmp/evil.txt"])
def test_a_zip_escaping_its_folder_is_refused(archived, tmp_path, member):
    name = member.format(top=bag_folder(archived))

    def same(_: str, data: bytes) -> bytes:
        return data

    same.extra = [(name, b"owned\n")]
    work = tmp_path / "deep" / "er"
    work.mkdir(parents=True)
    bundle = rewrite(archived, work / "evil.zip", same)
    result = verify(bundle)
    assert result.returncode == 1
    assert "refusing unsafe path in the zip" in result.stderr
    assert repr(name) in result.stderr
    assert "valid (" not in result.stdout
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "deep" / "evil.txt").exists()


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(b"PK not really")
    result = verify(bundle)
    assert result.returncode == 1
    assert "not a readable zip file" in result.stderr


# --- the same bytes every time -----------------------------------------------------------------------------

def test_archiving_twice_gives_the_same_bytes(archived, minimal_site, tmp_path):
    again = archive(minimal_site, tmp_path / "again" / "elsewhere")
    assert again.read_bytes() == archived.read_bytes()
    other_env = archive(minimal_site, tmp_path / "env",
                        env={"TZ": "Pacific/Kiritimati", "PYTHONHASHSEED": "987", "LC_ALL": "C", "LANG": "C"})
    assert other_env.read_bytes() == archived.read_bytes(), "TZ, PYTHONHASHSEED or the locale changed the archive"


# --- opened from disk in a browser -------------------------------------------------------------------------

def project_count(site: Path, round_id: str, unit_id: str) -> int:
    data = yaml.safe_load((site / "content" / round_id / f"{unit_id}.yaml").read_text(encoding="utf-8"))
    return len(data["projects"])


@pytest.fixture(scope="module")
def sample_archive(tmp_path_factory) -> tuple[Path, Path]:
    """The shipped sample, copied, published round by round, archived (latest round) and unzipped."""
    base = tmp_path_factory.mktemp("sample-archive")
    site = base / "yuanbaoshan"
    site.mkdir()
    shutil.copy2(ROOT / "site.yaml", site / "site.yaml")
    shutil.copytree(ROOT / "content", site / "content", ignore=shutil.ignore_patterns("ledger.json"))
    config = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    for round_ in config["rounds"]:
        publish(site, str(round_["id"]))
    bundle = archive(site, base / "archives")
    assert verify(bundle).returncode == 0
    unzipped = base / "unzipped"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(unzipped)
    return site, unzipped / bag_folder(bundle) / "data"


def test_the_unzipped_archive_works_from_disk(sample_archive, page):
    site, root = sample_archive
    config = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    latest = config["rounds"][-1]
    units = {u["id"]: u for u in yaml.safe_load((site / "content/units.yaml").read_text(encoding="utf-8"))["units"]}
    unit_id, project_id, project_title = "qwbgs", "xhc-ludeng", "下荒村路灯损坏修复项目"

    page.goto((root / "index.html").as_uri())
    expect(page.locator("h1")).to_have_text(config["title"])

    page.locator("section.rounds ul.round-list a", has_text=latest["title"]).click()
    expect(page).to_have_url(re.compile(rf"/data/rounds/{latest['id']}/index\.html$"))
    expect(page.locator("h1")).to_have_text(latest["title"])

    count = project_count(site, str(latest["id"]), unit_id)
    unit_heading = f"{units[unit_id]['name']}（{count}项）"
    page.locator("ul.unit-list > li > a", has_text=units[unit_id]["name"]).click()
    expect(page).to_have_url(re.compile(rf"/data/rounds/{latest['id']}/{unit_id}\.html$"))
    expect(page.locator("h1")).to_have_text(unit_heading)

    page.locator(f"li.entry#{project_id} p.history-link a").click()
    expect(page).to_have_url(re.compile(rf"/data/projects/{unit_id}/{project_id}\.html$"))
    expect(page.locator("h1")).to_have_text(project_title)

    page.goto((root / "search.html").as_uri())
    form = page.locator("#search-form")
    expect(form).to_have_attribute("data-search-mode", "index")
    page.locator("#search-query").click()
    page.keyboard.type("路灯", delay=20)
    result = page.locator("#search-results > li.search-result h2.search-result-title a", has_text=project_title)
    expect(result).to_have_count(1)
    expect(form).to_have_attribute("data-search-mode", "index")
    result.click()
    expect(page).to_have_url(re.compile(rf"/data/projects/{unit_id}/{project_id}\.html$"))
    expect(page.locator("h1")).to_have_text(project_title)
