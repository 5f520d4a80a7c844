"""JSON Schemas for editors (`python build.py schema`): generated from the declarations `check`
applies, they accept what the checker accepts and refuse the same structural mistakes.

Files are read as an editor's YAML extension hands them to its validator: dates as the text
written (2021-08-24), everything else as YAML reads it (`12345` a number, `NO` false here).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import MINIMAL_SITE, ROOT, run_cli, write_site
from test_invalid_content import CASES, CASES_DIR, DELETE

from bulletin.jsonschema_export import MODELINE_PREFIX, modeline, schema_for

SCHEMA_NAMES = ("site.schema.json", "units.schema.json", "unit.schema.json")
CJK = re.compile(r"[\u4e00-\u9fff]")

# The invalid cases (tests/invalid/) whose mistake is one of shape, which a schema states and
# the editor underlines while staff type: an unknown field, a wrong type (text for a list, a
# list for text, a word for a number, a date written otherwise), a missing or empty required
# field, an unknown status or language, and an id that is not a plain name (or is a device
# name, or too long), a number below its minimum, a title over its length.
STRUCTURAL = {
    "encoding-bom-error-on-first-line", "encoding-bom-with-error", "encoding-crlf-with-error",
    "file-comment-only", "file-empty", "file-only-document-marker", "file-without-projects-key",
    "fullwidth-id", "fullwidth-key-id", "fullwidth-status",
    "id-absolute-path", "id-newline-escape", "id-not-plain-names", "id-nul-escape", "id-too-long",
    "id-windows-device-names", "id-zero-width-space",
    "merge-key-with-other-problems",
    "missing-funding-unit", "missing-id", "missing-phone", "missing-progress", "missing-progress-empty",
    "missing-status", "missing-title", "missing-unit-group",
    "project-status-unknown", "several-files-at-once",
    "site-base-url-not-an-address", "site-language-unknown", "site-round-date-chinese", "site-round-date-slashes-unpadded",
    "site-unknown-field-typo",
    "status-chinese", "status-complete",
    "type-funding-amount-text", "type-funding-amount-thousands-separator", "type-order-text",
    "type-progress-has-colon-fields", "type-progress-list", "type-project-not-a-mapping",
    "type-projects-not-a-list", "type-round-date-slashes", "type-target-planned-negative",
    "type-target-planned-zero", "type-title-too-long", "type-updated-chinese-date", "type-updated-date-formats",
    "units-id-not-plain", "units-id-windows-device-name",
    "unknown-field-chinese", "unknown-field-stauts", "unknown-field-titel",
}
# The others: files YAML cannot read (syntax, encoding, indentation, aliases, tags, an impossible
# date), and what only the whole site shows (an id used twice, rounds out of order, a folder or file
# in the wrong place), or what the checker reads closer than a pattern can (invisible characters in
# text, Markdown limits, YAML 1.1 numbers such as 12:30 that an editor reads as text anyway).
NOT_STRUCTURAL = {
    "alias-bomb", "alias-bomb-site", "control-character",
    "duplicate-key-in-funding", "duplicate-key-in-project", "duplicate-key-top-level",
    "encoding-gbk", "encoding-utf16", "id-differs-only-in-case", "id-duplicate",
    "indent-fullwidth-space", "indent-tabs",
    "layout-round-folder-deleted", "layout-round-folder-not-listed", "layout-round-without-folder",
    "layout-unit-file-twice", "layout-unit-not-registered", "layout-units-file-missing",
    "layout-word-file-in-round", "markdown-backtick-run", "markdown-brackets-never-closed",
    "number-exponent-and-sexagesimal",
    "site-duplicate-round-id", "site-round-id-differs-only-in-case", "site-rounds-out-of-order",
    "syntax-backslash-in-double-quotes", "syntax-colon-in-value", "syntax-continuation-not-indented",
    "syntax-dash-as-empty-value", "syntax-flow-mapping-unclosed", "syntax-fullwidth-colon",
    "syntax-indent-dedented", "syntax-indent-deeper", "syntax-no-space-after-colon",
    "syntax-stray-list-item", "syntax-stray-list-item-site", "syntax-unclosed-quote",
    "syntax-value-starts-with-asterisk",
    "tag-binary", "tag-custom-include", "tag-explicit-bool-not-a-bool", "tag-explicit-int-empty",
    "tag-explicit-map-on-text", "tag-explicit-timestamp-not-a-date", "tag-python-object",
    "title-bidi-override", "type-updated-impossible-date",
    "units-case-collision-files", "units-duplicate-id", "units-id-differs-only-in-case",
}


def as_an_editor_reads(value):
    """YAML data as the editor's validator sees it: a date is the text written."""
    if isinstance(value, dict):
        return {key: as_an_editor_reads(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_an_editor_reads(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def read_yaml(path: Path):
    return as_an_editor_reads(yaml.safe_load(path.read_bytes().decode("utf-8-sig")))


@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> dict[str, dict]:
    """The three schemas as `python build.py schema` writes them, in Chinese."""
    out = tmp_path_factory.mktemp("schemas")
    result = run_cli("schema", "--out", str(out), lang="zh-CN")
    assert result.returncode == 0, result.stderr
    return {name: json.loads((out / name).read_text(encoding="utf-8")) for name in SCHEMA_NAMES}


def validator(schemas: dict[str, dict], relative: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schemas[schema_for(relative)])


def test_the_schemas_are_valid_draft_07(schemas):
    for name, schema in schemas.items():
        assert schema["$schema"] == "http://json-schema.org/draft-07/schema#", name
        jsonschema.Draft7Validator.check_schema(schema)


def test_every_file_of_the_sample_site_validates(schemas):
    files = [ROOT / "site.yaml", ROOT / "content/units.yaml", *sorted((ROOT / "content").glob("*/*.yaml"))]
    assert len(files) > 3
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        errors = [error.message for error in validator(schemas, relative).iter_errors(read_yaml(path))]
        assert not errors, (relative, errors[:5])


def test_every_case_is_classified():
    """A new invalid case must say whether the schemas are expected to catch it."""
    assert STRUCTURAL.isdisjoint(NOT_STRUCTURAL)
    assert STRUCTURAL | NOT_STRUCTURAL == set(CASES)


@pytest.mark.parametrize("case", sorted(STRUCTURAL))
def test_the_schemas_refuse_the_structural_mistakes_the_checker_refuses(schemas, case):
    case_dir = CASES_DIR / case
    refused = []
    checked = 0
    for path in sorted(case_dir.rglob("*")):
        relative = path.relative_to(case_dir).as_posix()
        if path.is_dir() or schema_for(relative) is None or path.read_bytes().strip() == DELETE:
            continue  # expected*.txt, a Word file in a round folder, a file the case deletes
        try:
            data = read_yaml(path)
        except (yaml.YAMLError, ValueError):
            continue  # this file's mistake is its syntax; another file of the case is the structural one
        checked += 1
        refused += [f"{relative}: {error.message}" for error in validator(schemas, relative).iter_errors(data)]
    assert checked, f"{case}: no file of this case can be read as YAML, so it is not structural"
    assert refused, f"{case}: the schemas accept what `check` refuses"


def test_the_checker_accepts_what_the_sample_accepts_the_site_from_conftest_too(schemas, tmp_path):
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    for path in [site / "site.yaml", *sorted((site / "content").rglob("*.yaml"))]:
        relative = path.relative_to(site).as_posix()
        assert not list(validator(schemas, relative).iter_errors(read_yaml(path))), relative


def test_text_fields_take_what_yaml_reads_as_a_number_or_yes_no(schemas, tmp_path):
    """`phone: 12345`, `lead: NO`, `title: 2023` are text as typed, for the checker and the editor."""
    site = write_site(tmp_path / "site", {**MINIMAL_SITE, "content/r1/town.yaml": """
        projects:
          - id: 2023
            title: 2023
            status: 已完成
            progress: 12345
            lead: NO
            location: 1.10
            due: 2024-06
            updated: 2021-8-2
        """})
    settings = site / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("phone: 0000-1234567", "phone: 12345"),
                        encoding="utf-8")
    checked = run_cli("check", "--site", str(site))
    assert checked.returncode == 0, checked.stderr
    unit = read_yaml(site / "content/r1/town.yaml")
    assert unit["projects"][0]["progress"] == 12345 and unit["projects"][0]["lead"] is False
    assert not list(validator(schemas, "content/r1/town.yaml").iter_errors(unit))
    config = read_yaml(settings)
    assert config["supervision"]["phone"] == 12345
    assert not list(validator(schemas, "site.yaml").iter_errors(config))


def test_status_lists_the_keys_and_the_labels_the_bulletin_shows(schemas):
    status = schemas["unit.schema.json"]["properties"]["projects"]["items"]["properties"]["status"]
    assert status["enum"][:5] == ["not_started", "in_progress", "completed", "suspended", "cancelled"]
    assert "已完成" in status["enum"] and "推进中" in status["enum"]
    assert len(status["enumDescriptions"]) == len(status["enum"])
    described = dict(zip(status["enum"], status["enumDescriptions"]))
    assert "已完成" in described["completed"]  # the key's description names the label shown
    assert "completed" in described["已完成"]  # and the label's names the key it stands for
    assert all(CJK.search(text) for text in status["enumDescriptions"]), status["enumDescriptions"]


def properties_of(schema: dict, where: str = ""):
    """(path, property schema) for every property, at any depth."""
    for name, prop in schema.get("properties", {}).items():
        yield f"{where}.{name}".lstrip("."), prop
        yield from properties_of(prop, f"{where}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from properties_of(schema["items"], where + "[]")


def test_every_field_has_a_chinese_title_and_description(schemas, tmp_path):
    english_out = tmp_path / "en"
    assert run_cli("schema", "--out", str(english_out), lang="en").returncode == 0
    for name, schema in schemas.items():
        english = json.loads((english_out / name).read_text(encoding="utf-8"))
        english_descriptions = dict((path, prop["description"]) for path, prop in properties_of(english))
        assert CJK.search(schema["title"]) and CJK.search(schema["description"]), name
        found = list(properties_of(schema))
        assert len(found) > 4, name
        for path, prop in found:
            assert CJK.search(prop["title"]), f"{name}: {path}: title {prop['title']!r} is not Chinese"
            assert prop["description"] and prop["description"] != english_descriptions[path], \
                f"{name}: {path}: description {prop['description']!r} is not translated"


def test_unknown_fields_are_refused_everywhere(schemas):
    def objects(schema):
        if schema.get("type") in ("object", ["object", "null"]):
            yield schema
        for prop in schema.get("properties", {}).values():
            yield from objects(prop)
        if isinstance(schema.get("items"), dict):
            yield from objects(schema["items"])
    for name, schema in schemas.items():
        found = list(objects(schema))
        assert found and all(obj["additionalProperties"] is False for obj in found), name


def test_the_command_writes_the_same_bytes_again_and_deletes_nothing(tmp_path):
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    first = run_cli("schema", "--site", str(site))
    assert first.returncode == 0, first.stderr
    folder = site / "schemas"
    assert sorted(path.name for path in folder.iterdir()) == sorted(SCHEMA_NAMES)
    written = {name: (folder / name).read_bytes() for name in SCHEMA_NAMES}
    assert all(data.endswith(b"\n") and b"\\u" not in data for data in written.values())  # UTF-8, not escapes
    (folder / "notes.txt").write_text("staff's own", encoding="utf-8")
    second = run_cli("schema", "--site", str(site))
    assert second.returncode == 0, second.stderr
    assert {name: (folder / name).read_bytes() for name in SCHEMA_NAMES} == written
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "staff's own"
    for data in written.values():  # sorted keys: written from sorted data, byte for byte
        assert json.dumps(json.loads(data), ensure_ascii=False, sort_keys=True, indent=2).encode() + b"\n" == data


def test_the_command_refuses_a_file_or_a_folder_inside_content(tmp_path):
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    before = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    inside = run_cli("schema", "--site", str(site), "--out", str(site / "content" / "schemas"))
    assert inside.returncode == 1
    assert "is inside content/" in inside.stderr and "Traceback" not in inside.stderr
    a_file = site / "content/units.yaml"
    refused = run_cli("schema", "--site", str(site), "--out", str(a_file))
    assert refused.returncode == 1
    assert "is a file, not a folder" in refused.stderr and "Traceback" not in refused.stderr
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == before


def test_the_modeline_points_from_each_file_to_its_schema():
    assert modeline("content/r3/u1.yaml") == "# yaml-language-server: $schema=../../schemas/unit.schema.json"
    assert modeline("content/units.yaml") == "# yaml-language-server: $schema=../schemas/units.schema.json"
    assert modeline("site.yaml") == "# yaml-language-server: $schema=schemas/site.schema.json"


def test_new_round_files_name_their_schema_which_exists(tmp_path):
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    created = run_cli("new-round", "r3", "--site", str(site), "--title", "第三轮", "--date", "2021-10-25")
    assert created.returncode == 0, created.stderr
    for path in sorted((site / "content/r3").iterdir()):
        first_line = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first_line == "# yaml-language-server: $schema=../../schemas/unit.schema.json", path.name
        # the line leads to a schema on disk, and the file validates against it
        schema_file = (path.parent / first_line[len(MODELINE_PREFIX):]).resolve()
        assert schema_file == (site / "schemas/unit.schema.json").resolve() and schema_file.is_file()
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
        assert not list(jsonschema.Draft7Validator(schema).iter_errors(read_yaml(path)))
    again = run_cli("new-round", "r4", "--site", str(site), "--title", "第四轮", "--date", "2021-12-25")
    assert again.returncode == 0, again.stderr
    for path in sorted((site / "content/r4").iterdir()):
        assert path.read_text(encoding="utf-8").count(MODELINE_PREFIX) == 1, path.name
    checked = run_cli("check", "--site", str(site))
    assert checked.returncode == 0, checked.stderr
