"""Progress of a build: shown on a terminal, quiet in logs, pipes and CI."""

import io
import os
import pty
import subprocess
import sys

from bulletin.progress import Progress
from conftest import ROOT


def test_progress_lines_rewrite_one_line_when_enabled():
    stream = io.StringIO()
    progress = Progress(stream=stream, enabled=True, interval=0)
    progress.stage("building units")
    progress.count(3, 10, "units")
    progress.count(10, 10, "units")
    progress.done()
    text = stream.getvalue()
    assert text.count("\r") >= 4 and "\n" not in text
    assert "building units: 10/10 units" in text
    assert text.endswith("\r")  # the line is cleared, so the summary that follows starts clean


def test_a_shorter_chinese_line_blanks_every_column_of_a_longer_one():
    stream = io.StringIO()
    progress = Progress(stream=stream, enabled=True, interval=0)
    progress.stage("生成单位页面")
    progress.count(4, 4, "个单位，40 个页面")
    progress.stage("写入")
    progress.done()
    lines = stream.getvalue().split("\r")[1:]
    def columns(text):  # a Chinese character takes two columns of a terminal
        return sum(2 if "\u3000" <= character <= "\uffef" or "\u4e00" <= character <= "\u9fff" else 1
                   for character in text)
    longest = columns(lines[1])
    assert columns(lines[2]) == longest, lines  # 写入 and enough spaces to cover the longer line
    assert lines[3] == " " * longest  # done() blanks the whole line


def test_progress_is_quiet_when_disabled():
    stream = io.StringIO()
    progress = Progress(stream=stream, enabled=False)
    progress.stage("reading")
    progress.count(1, 2, "units")
    progress.done()
    assert stream.getvalue() == ""


def run_on_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run the CLI with a pseudo-terminal as its standard error; return what it printed there."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--lang", "en", *args],
                               stdout=subprocess.DEVNULL, stderr=follower, cwd=ROOT, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=300)
    os.close(leader)
    assert process.returncode == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_the_cli_shows_progress_on_a_terminal_only(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    shown = run_on_terminal(["build", "--out", str(tmp_path / "a"), "--no-search"], env)
    assert "building units" in shown and "\r" in shown
    quiet_in_ci = run_on_terminal(["build", "--out", str(tmp_path / "b"), "--no-search"], {**env, "CI": "true"})
    assert "building units" not in quiet_in_ci
    piped = subprocess.run([sys.executable, str(ROOT / "build.py"), "--lang", "en", "build", "--out",
                            str(tmp_path / "c"), "--no-search"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert piped.returncode == 0 and "building units" not in piped.stderr and "\r" not in piped.stderr
