"""The output folder: written whole or not at all, never outside itself."""

from __future__ import annotations

import pytest

from bulletin.output import OutputFolder, OutputProblem, merged_files, safe_join
from bulletin.output_rule import check_output_folder, read_stamp


@pytest.mark.parametrize("bad", ["../x.html", "/etc/passwd", "a/../../x", "a\\..\\x", "a\0b", "", "./x", "a//b"])
def test_safe_join_refuses_escapes(tmp_path, bad):
    with pytest.raises(OutputProblem):
        safe_join(tmp_path, bad)


def test_safe_join_accepts_plain_paths(tmp_path):
    assert safe_join(tmp_path, "rounds/r1/index.html") == tmp_path / "rounds" / "r1" / "index.html"


def test_a_failed_build_keeps_the_previous_output(tmp_path):
    out = tmp_path / "public"
    with OutputFolder(out, tmp_path / "site") as output:
        output.emit("index.html", b"good")
        output.commit()
    with pytest.raises(RuntimeError):
        with OutputFolder(out, tmp_path / "site") as output:
            output.emit("index.html", b"half")
            raise RuntimeError("renderer failed")
    assert (out / "index.html").read_bytes() == b"good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_commit_replaces_the_whole_folder(tmp_path):
    out = tmp_path / "public"
    with OutputFolder(out, tmp_path / "site") as output:
        output.emit("old.html", b"old")
        output.commit()
    with OutputFolder(out, tmp_path / "site") as output:
        output.emit("new.html", b"new")
        output.commit()
    assert sorted(p.name for p in out.iterdir()) == [".bulletin-output", "new.html"]
    assert read_stamp(out) == {"new.html"}


def test_a_path_is_never_written_twice(tmp_path):
    with OutputFolder(tmp_path / "public", tmp_path / "site") as output:
        output.emit("units/A.html", b"1")
        with pytest.raises(OutputProblem):
            output.emit("units/a.html", b"2")  # the same file on a case-insensitive disk


def test_build_interrupted_between_renames_is_recovered(tmp_path):
    out = tmp_path / "public"
    previous = tmp_path / ".public.previous"
    previous.mkdir()
    (previous / "index.html").write_bytes(b"last good")
    with OutputFolder(out, tmp_path / "site") as output:
        assert (out / "index.html").read_bytes() == b"last good"
        output.emit("index.html", b"new")
        output.commit()
    assert (out / "index.html").read_bytes() == b"new"
    assert not previous.exists()


def test_output_folders_that_would_delete_content_are_refused(tmp_path):
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    for bad in (site, tmp_path, site / "content", site / "content" / "out"):
        with pytest.raises(OutputProblem):
            check_output_folder(bad, site)
    other = tmp_path / "other"
    (other / "content").mkdir(parents=True)
    with pytest.raises(OutputProblem):
        check_output_folder(other, site)
    check_output_folder(site / "public", site)


def test_merged_files_site_first_then_bundled(tmp_path):
    own, bundled = tmp_path / "own", tmp_path / "bundled"
    for folder, name, data in ((own, "style.css", "own"), (bundled, "style.css", "bundled"),
                               (bundled, "js/app.js", "app"), (own, ".hidden", "x")):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(data)
    files = merged_files([own, bundled])
    assert list(files) == ["js/app.js", "style.css"]
    assert files["style.css"].read_text() == "own"
