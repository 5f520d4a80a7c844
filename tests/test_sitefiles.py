"""A site's own files can neither read the machine that builds it nor run code on it.

Links in content/, templates/ and static/ (or standing for them) that lead outside the site folder are
refused with their place; site templates run in Jinja2's sandbox; every template error is a located
message, never a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import run_cli, write_site

SECRET = "the-build-machine's-secret-3f9a"


@pytest.fixture
def secret_file(tmp_path) -> Path:
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET + "\n")
    return path


def build(site: Path, out: Path, *extra: str):
    return run_cli("build", "--site", str(site), "--out", str(out), "--no-search", *extra)


def assert_nothing_leaked(result, out: Path) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert not out.exists(), "a refused build wrote its output"


@pytest.mark.parametrize("where", ["static/secret.css", "templates/partials/leak.html", "content/r2/town.yaml",
                                   "static", "templates/partials", "site.yaml"])
def test_a_link_leading_outside_the_site_is_refused_with_its_place(minimal_site, tmp_path, secret_file, where):
    link = minimal_site / where
    if link.exists():
        target = secret_file if link.is_file() else secret_file.parent
        if link.is_dir():
            for child in link.iterdir():  # a folder replaced by a link to somewhere else
                os.rename(child, secret_file.parent / child.name)
            link.rmdir()
        else:
            link.unlink()
    else:
        target = secret_file
        link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    if where == "templates/partials/leak.html":
        write_site(minimal_site, {"templates/index.html": '{% include "partials/leak.html" %}\n'})
    out = tmp_path / "public"
    result = build(minimal_site, out)
    assert_nothing_leaked(result, out)
    assert f"{where}:1:1: is a link to {target}, outside the site folder" in result.stderr, result.stderr
    check = run_cli("check", "--site", str(minimal_site))
    assert check.returncode == 1 and f"{where}:1:1: is a link to" in check.stderr, check.stderr


def test_a_dangling_link_is_refused(minimal_site, tmp_path):
    (minimal_site / "static").mkdir(exist_ok=True)
    (minimal_site / "static" / "gone.css").symlink_to(tmp_path / "nowhere.css")
    result = build(minimal_site, tmp_path / "public")
    assert result.returncode == 1 and "static/gone.css:1:1: is a link to" in result.stderr, result.stderr
    assert "does not exist" in result.stderr


def test_a_link_inside_the_site_is_published_as_a_file(minimal_site, tmp_path):
    write_site(minimal_site, {"static/extra.css": "p { color: black }\n"})
    (minimal_site / "static" / "same.css").symlink_to("extra.css")
    out = tmp_path / "public"
    result = build(minimal_site, out)
    assert result.returncode == 0, result.stderr
    published = out / "static" / "same.css"
    assert published.is_file() and not published.is_symlink()
    assert published.read_text() == "p { color: black }\n"
    assert not [p for p in out.rglob("*") if p.is_symlink()], "links were published"


PAYLOADS = [
    '{{ cycler.__init__.__globals__.os.popen("echo PWNED-$((6*7))").read() }}',
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    '{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen("id").read() }}',
    "{{ lipsum.__globals__['os'].popen('echo PWNED-42').read() }}",
    "{{ config.__class__.__init__.__globals__ }}",
    "{% set x = namespace() %}{{ x.__init__.__globals__ }}",
    "{{ t.__self__ }}{{ link.__dict__ }}",
    # what the sandbox lets through without asking again (render._Sandbox): our template
    # functions, their bound methods and our data classes' fields must still guard their insides
    "{{ t.status('completed') }}{{ t.status.__func__.__globals__ }}",
    "{{ link.to('index.html') }}{{ link.to.__globals__['os'] }}",
    "{{ config.title }}{{ config.__dataclass_fields__ }}",
    "{{ site.units[0].name }}{{ site.units[0].__class__.__init__.__globals__ }}",
    "{{ '{0.__class__.__init__.__globals__}'.format(config) }}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_template_cannot_reach_pythons_internals(minimal_site, tmp_path, payload):
    write_site(minimal_site, {"templates/index.html": "<p>\n" + payload + "\n</p>\n"})
    out = tmp_path / "public"
    result = build(minimal_site, out)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "PWNED-42" not in result.stdout + result.stderr and "uid=" not in result.stdout + result.stderr
    assert "templates/index.html:2: template error:" in result.stderr, result.stderr
    assert not out.exists()


@pytest.mark.parametrize("template, line, expected", [
    ("<p>\n{% if %}\n</p>\n", 2, "template error: Expected an expression"),
    ("<p>\n\n{{ no_such_name }}\n</p>\n", 3, "template error: 'no_such_name' is undefined"),
    ("<p>\n{{ 1/0 }}\n</p>\n", 2, "template error: ZeroDivisionError"),
    ('<p>\n{% include "partials/missing.html" %}\n</p>\n', 2, "no template named 'partials/missing.html'"),
    ("<p>{{ site.title + 1 }}</p>\n", 1, "template error:"),
    ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}\n", 1, "template error:"),
])
def test_a_template_error_is_a_located_message(minimal_site, tmp_path, template, line, expected):
    write_site(minimal_site, {"templates/index.html": template})
    out = tmp_path / "public"
    result = build(minimal_site, out)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert f"templates/index.html:{line}: {expected}" in result.stderr or (
        f"templates/index.html:{line}:" in result.stderr and expected in result.stderr), result.stderr
    assert not out.exists()


def test_an_error_in_an_included_template_names_that_template(minimal_site, tmp_path):
    write_site(minimal_site, {"templates/partials/supervision.html": "<p>\n\n{{ 1/0 }}</p>\n"})
    result = build(minimal_site, tmp_path / "public")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "templates/partials/supervision.html:3: template error: ZeroDivisionError" in result.stderr, result.stderr
