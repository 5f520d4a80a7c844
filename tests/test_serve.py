"""serve: builds, serves on 127.0.0.1, rebuilds on change, keeps the last good build while content is broken."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from conftest import serving, wait_for_line, write_site


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def test_serve_rebuilds_and_survives_broken_content(minimal_site, tmp_path):
    with serving(minimal_site, tmp_path / "out") as (base, lines, seen):
        assert "路灯修复" in _get(base + "rounds/r2/u1.html")

        time.sleep(1.1)  # a later modification time than the first snapshot on coarse clocks
        write_site(minimal_site, {"content/r2/u1.yaml": "projects:\n  - id: p1\n    title: 路灯\n    status: finished\n    progress: x\n"})
        wait_for_line(lines, r"content/r2/u1\.yaml:4:5: item 1 \"路灯\" status: 'finished' is not a valid status; write ", seen)
        wait_for_line(lines, r"still serving the last good build", seen)
        page = _get(base + "rounds/r2/u1.html")
        assert "路灯修复" in page  # the last good build
        assert '<div class="build-error" role="alert">' in page  # and the problem, on the page
        assert ("content/r2/u1.yaml:4:5: item 1 &quot;路灯&quot; status: &#x27;finished&#x27; is not a valid status; "
                "write ") in page

        write_site(minimal_site, {"content/r2/u1.yaml": "projects:\n  - id: p1\n    title: 路灯全部修好\n    status: completed\n    progress: 完成\n"})
        wait_for_line(lines, r"Built \d+ pages", seen)
        assert "路灯全部修好" in _get(base + "rounds/r2/u1.html")
        assert 'class="build-error"' not in _get(base + "rounds/r2/u1.html")


def test_serve_answers_odd_addresses_without_a_traceback(minimal_site, tmp_path):
    """A NUL byte, an overlong name or a climb out of the folder in a URL: an HTTP error, the server lives on."""
    with serving(minimal_site, tmp_path / "out") as (base, lines, seen):
        for odd in ("%00", "index.html%00.txt", "rounds/%00/x.html", "a" * 5000 + ".html", "..%2f..%2fetc%2fpasswd"):
            try:
                urllib.request.urlopen(base + odd, timeout=5)
                raise AssertionError(f"{odd[:40]} was answered with a page")
            except urllib.error.HTTPError as error:
                assert error.code in (400, 404), (odd[:40], error.code)
        assert "路灯修复" in _get(base + "rounds/r2/u1.html")
        time.sleep(0.3)
        while not lines.empty():
            seen.append(lines.get())
        assert not [line for line in seen if "Traceback" in line], "\n".join(seen)
