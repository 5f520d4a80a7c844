"""bulletin/source.py: reading hand-written YAML with a location for every value."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import yaml

from bulletin import source
from bulletin.problems import ContentError, Location
from bulletin.source import format_path, parse_yaml, read_yaml_file


def parse(text: str | bytes):
    return parse_yaml(text.encode("utf-8") if isinstance(text, str) else text, "f.yaml")


def problems(text: str | bytes) -> list[str]:
    with pytest.raises(ContentError) as caught:
        parse(text)
    return [str(p) for p in caught.value.problems]


@pytest.fixture(params=["C", "pure"])
def loader(request, monkeypatch):
    """Syntax messages must not depend on whether PyYAML was built with libyaml."""
    if request.param == "C":
        if not hasattr(yaml, "CSafeLoader"):
            pytest.skip("PyYAML without libyaml")
        monkeypatch.setattr(source, "_Loader", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(source, "_Loader", yaml.SafeLoader)
    return request.param


# ---- values and marks ----------------------------------------------------

PROJECTS = """\
projects:
  - id: p1
    title: 路灯修复
    funding: {amount: 5000, unit: 元}
"""


def test_builds_plain_values():
    assert parse(PROJECTS).data == {
        "projects": [{"id": "p1", "title": "路灯修复", "funding": {"amount": 5000, "unit": "元"}}]}


def test_records_where_every_key_and_value_starts():
    document = parse(PROJECTS)
    assert document.value_marks[("projects", 0)] == (2, 5)
    assert document.value_marks[("projects", 0, "title")] == (3, 12)
    assert document.key_marks[("projects", 0, "title")] == (3, 5)
    assert document.value_marks[("projects", 0, "funding", "unit")] == (4, 35)
    assert document.where(("projects", 0, "funding", "amount")) == Location("f.yaml", 4, 23)
    assert document.where(("projects", 0, "funding", "amount"), key=True) == Location("f.yaml", 4, 15)


def test_where_falls_back_to_the_nearest_parent():
    document = parse(PROJECTS)
    assert document.where(("projects", 0, "status")) == Location("f.yaml", 2, 5)
    assert document.where(("projects", 7, "status")) == Location("f.yaml", 2, 3)
    assert document.where(()) == Location("f.yaml", 1, 1)


def test_columns_count_characters_not_bytes():
    document = parse("title: 路灯路灯\nlead: 张三\n")
    assert document.value_marks[("lead",)] == (2, 7)
    assert document.where(("title",)).column == 8


def test_keeps_the_text_of_scalars_yaml_did_not_read_as_text():
    document = parse("lead: NO\nphone: 010\nwhen: 2021-08-24\nname: 张三\nempty:\n")
    assert document.data == {"lead": False, "phone": 8, "when": dt.date(2021, 8, 24),
                             "name": "张三", "empty": None}
    assert document.raw(("lead",)) == "NO"
    assert document.raw(("phone",)) == "010"
    assert document.raw(("when",)) == "2021-08-24"
    assert document.raw(("name",)) is None  # text is kept as text already


def test_a_date_that_does_not_exist_stays_text_for_the_schema_to_report():
    document = parse("updated: 2021-02-30\n")
    assert document.data == {"updated": "2021-02-30"}


def test_quoted_values_stay_text():
    assert parse("lead: 'NO'\nid: \"010\"\n").data == {"lead": "NO", "id": "010"}


def test_crlf_line_endings_keep_line_numbers():
    document = parse("a: 1\r\nb: 2\r\nc: 3\r\n")
    assert document.value_marks[("c",)] == (3, 4)
    assert problems("a: 1\r\nb: 2\r\nc: \"x\r\n") == [
        'f.yaml:3:4: YAML syntax error: the quote " that starts here is never closed; '
        'add a closing " at the end of the value']


def test_empty_and_comment_only_files_have_no_data():
    assert parse("").data is None
    assert parse("# nothing this round\n\n").data is None


# ---- duplicate keys ------------------------------------------------------

def test_duplicate_top_level_key_is_located_at_the_second_one():
    assert problems("title: a\nlead: b\ntitle: c\n") == [
        "f.yaml:3:1: title: duplicate key 'title' (first written at line 1, column 1); "
        "YAML would silently keep only the last one"]


def test_duplicate_keys_nested_in_lists_and_flow_mappings():
    text = ("projects:\n"
            "  - id: p1\n"
            "    status: completed\n"
            "    status: in_progress\n"
            "    funding: {amount: 1, amount: 2}\n")
    assert problems(text) == [
        "f.yaml:4:5: item 1 status: duplicate key 'status' (first written at line 3, column 5); "
        "YAML would silently keep only the last one",
        "f.yaml:5:26: item 1 funding.amount: duplicate key 'amount' (first written at line 5, "
        "column 15); YAML would silently keep only the last one"]


def test_the_same_key_in_different_entries_is_fine():
    assert parse("a:\n  - id: 1\n  - id: 2\n").data == {"a": [{"id": 1}, {"id": 2}]}


# ---- tags and keys -------------------------------------------------------

@pytest.mark.parametrize("text, tag, column", [
    ("title: !!python/object/apply:os.system [\"echo hi\"]\n", "!!python/object/apply:os.system", 8),
    ("title: !!python/object:builtins.dict {}\n", "!!python/object:builtins.dict", 8),
    ("title: !!binary aGVsbG8=\n", "!!binary", 8),
    ("title: !custom x\n", "!custom", 8),
    ("title: !!set {a, b}\n", "!!set", 8),
])
def test_tags_beyond_plain_values_are_refused(text, tag, column):
    assert problems(text) == [f"f.yaml:1:{column}: title: YAML tag '{tag}' is not allowed here; write plain text"]


def test_explicit_plain_tags_are_allowed():
    assert parse("a: !!str 010\nb: !!int '3'\n").data == {"a": "010", "b": 3}


def test_merge_keys_are_refused_and_the_rest_of_the_file_is_still_read():
    """The merge key is left out and noted on the document, so the schema check lists it
    together with the file's other problems instead of hiding them."""
    document = parse("base: &b {unit: 元}\nfunding:\n  <<: *b\n  amount: 5\n")
    assert document.data == {"base": {"unit": "元"}, "funding": {"amount": 5}}
    assert [str(p) for p in document.problems] == [
        "f.yaml:3:3: funding: '<<' (merging in fields from an alias) is not supported; write the fields out"]


def test_keys_must_be_plain_names():
    assert problems("? [a, b]\n: x\n") == ["f.yaml:1:3: only plain names may be used as keys"]


def test_a_key_with_a_full_width_space_is_refused():
    # Parses (the key is at column 1), but no field is called '　title'.
    text = "projects:\n  - id: p1\n\u3000\u3000title: x\n"
    assert problems(text) == [
        "f.yaml:3:1: full-width space (U+3000) in the name 'title' "
        "(or in its indentation); use ordinary spaces only"]


# ---- decoding ------------------------------------------------------------

def test_utf8_bom_is_accepted_and_does_not_shift_columns():
    document = parse("\ufefftitle: 路灯\nlead: 张三\n".encode("utf-8"))
    assert document.data == {"title": "路灯", "lead": "张三"}
    assert document.value_marks[("title",)] == (1, 8)


def test_gbk_file_is_named_and_located():
    raw = "title: 路灯修复\nlead: 张三\n".encode("gbk")
    assert problems(raw) == [
        "f.yaml:1:8: file is not UTF-8 (byte 0xc2); it looks like GBK/GB18030 (the usual encoding "
        "of Chinese Windows); open it in your editor and save it with encoding UTF-8"]


def test_gbk_after_utf8_lines_is_located_on_its_line():
    raw = "title: 路灯\n".encode("utf-8") + "lead: 张三\n".encode("gbk")
    [message] = problems(raw)
    assert message.startswith("f.yaml:2:7: file is not UTF-8")


def test_other_encodings_are_not_called_gbk():
    [message] = problems(b"title: caf\xe9\n")
    assert message == "f.yaml:1:11: file is not UTF-8 (byte 0xe9); save it as UTF-8"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_is_refused(encoding):
    raw = ("\ufeff" if encoding == "utf-16-be" else "") + "title: 路灯\n"
    assert problems(raw.encode(encoding)) == [
        "f.yaml:1:1: file is UTF-16 (what Notepad calls 'Unicode'), not UTF-8; save it with encoding UTF-8"]


def test_control_characters_are_located_by_character():
    text = "title: 路灯路灯\x07\nlead: a\x0bb\n"
    assert problems(text) == [
        "f.yaml:1:12: invisible control character U+0007 (often pasted from Word or a web page), "
        "which YAML does not allow; delete it",
        "f.yaml:2:8: invisible control character U+000B (often pasted from Word or a web page), "
        "which YAML does not allow; delete it"]


# ---- syntax errors -------------------------------------------------------

SYNTAX_CASES = [
    # (text, location, message after "YAML syntax error: ")
    ('a: "x\nb: y\n', "1:4",
     'the quote " that starts here is never closed; add a closing " at the end of the value'),
    ("a: 'x\nb: y\n", "1:4",
     "the quote ' that starts here is never closed; add a closing ' at the end of the value"),
    ("a: 截至8月: 完成\n", "1:8",
     "':' followed by a space inside an unquoted value; put the whole value in quotes, "
     "or write the colon as full-width '：'"),
    ("a:\n  b: x\n    c: y\n", "3:5",
     "this line is indented more than the field above it; the fields of one entry must start in the same column"),
    ("a:\n  - b: x\n   c: y\n", "3:4",
     "this line is not indented like the lines above it; the fields of one entry must start in the same column"),
    ("a:\n  b: x\n  - c: y\n", "3:3",
     "a '- ' list entry among the fields of an entry; only the entries of a list start with '- ': "
     "remove it, or check the indentation"),
    ("a: x\nb：y\nc: z\n", "2:1",
     "full-width colon '：' after 'b'; write an ordinary ':' followed by a space: 'b: ...'"),
    ("a: x\nstatus:done\nc: z\n", "2:1", "put a space after the ':' of 'status' (write 'status: ...')"),
    ("a: x\nb: y\nzzz\nc: z\n", "3:1",
     "this line is not 'name: value'; to continue the text of the line above, indent it further, "
     "or write '|' after the field name and indent every line of the text below it"),
    ("a: *重点* 完成\n", "1:4",
     "a value cannot start with '*' (YAML reads it as an alias or anchor); put the whole value in quotes"),
    ("a: *x\n", "1:4",
     "a value cannot start with '*' (YAML reads it as an alias or anchor); put the whole value in quotes"),
    ("a: @张三\n", "1:4", "a value cannot start with '@'; put the whole value in quotes"),
    ("a: {b: 1\nc: 2\n", "1:4",
     "the '{' that starts here is not closed with '}' (or a ',' is missing between its entries)"),
    ("a: [1, 2\nc: 2\n", "1:4",
     "the '[' that starts here is not closed with ']' (or a ',' is missing between its entries)"),
    ('a: "D:\\资料"\n', "1:7",
     "inside double quotes '\\' starts an escape; use single quotes around a value that holds '\\'"),
    ("a: 1\n---\nb: 2\n", "2:1", "'---' starts a second document; a file holds one: remove the line"),
    ("a: |x\n  y\n", "1:5",
     "after '|' or '>' only a comment may follow on the same line; start the text on the next line, indented"),
]


@pytest.mark.parametrize("text, where, message", SYNTAX_CASES)
def test_syntax_errors_say_what_to_fix_where(loader, text, where, message):
    assert problems(text) == [f"f.yaml:{where}: YAML syntax error: {message}"]


def test_tabs_in_indentation_are_all_reported(loader):
    text = "projects:\n  - id: p1\n\ttitle: x\n\tstatus: y\n"
    assert problems(text) == [
        "f.yaml:3:1: tab character in indentation; YAML indents with ordinary spaces only",
        "f.yaml:4:1: tab character in indentation; YAML indents with ordinary spaces only"]


def test_tab_after_spaces_is_located_at_the_tab(loader):
    assert problems("a:\n  b: 1\n  \tc: 2\n") == [
        "f.yaml:3:3: tab character in indentation; YAML indents with ordinary spaces only"]


@pytest.mark.parametrize("space, name", [("\u3000", "full-width space (U+3000)"),
                                         ("\u00a0", "non-breaking space (U+00A0)")])
def test_look_alike_spaces_in_indentation(loader, space, name):
    text = f"projects:\n  - id: p1\n    title: x\n{space * 4}status: y\n    progress: z\n"
    assert problems(text) == [f"f.yaml:4:1: {name} in indentation; YAML indents with ordinary spaces only"]


def test_full_width_space_starting_a_paragraph_is_text():
    text = "progress: |\n  \u3000\u3000第一段。\n  \u3000\u3000第二段。\n"
    assert parse(text).data == {"progress": "\u3000\u3000第一段。\n\u3000\u3000第二段。\n"}


def test_odd_indentation_far_from_the_error_does_not_hide_it():
    text = "progress: |\n  \u3000\u3000第一段。\nstatus: ok\ntitle: \"x\n"
    assert problems(text) == [
        'f.yaml:4:8: YAML syntax error: the quote " that starts here is never closed; '
        'add a closing " at the end of the value']


# ---- aliases -------------------------------------------------------------

def test_a_few_aliases_are_fine():
    text = "base: &b {amount: 5, unit: 元}\na: *b\nb: *b\n"
    assert parse(text).data["b"] == {"amount": 5, "unit": "元"}


def billion_laughs(levels: int = 9) -> str:
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    previous = "a"
    for name in "bcdefghijklmnop"[:levels - 1]:
        text += f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
        previous = name
    return text


def test_billion_laughs_is_refused_quickly():
    started = time.perf_counter()
    found = problems(billion_laughs())
    assert time.perf_counter() - started < 2
    assert found == ["f.yaml:5:4: e: aliases (*name) here expand into more than 10000 values; "
                     "write the values out"]


def test_one_long_list_repeated_many_times_is_refused_quickly():
    text = "a: &a [" + ", ".join(["x"] * 1000) + "]\nb: [" + ", ".join(["*a"] * 5000) + "]\n"
    started = time.perf_counter()
    found = problems(text)
    assert time.perf_counter() - started < 2
    assert found == ["f.yaml:2:4: b: aliases (*name) here expand into more than 10000 values; "
                     "write the values out"]


def test_an_alias_to_its_own_container_is_refused():
    assert problems("a: &a [1, *a]\n") == [
        "f.yaml:1:4: a: an alias (*name) here repeats the value that contains it, which would never "
        "end; write the value out"]


def test_deep_nesting_is_refused_before_it_can_crash_the_parser():
    started = time.perf_counter()
    found = problems("a: " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert time.perf_counter() - started < 2
    assert found == ["f.yaml:1:103: values are nested more than 100 levels deep"]


# ---- files ---------------------------------------------------------------

def test_read_yaml_file_shows_paths_relative_to_the_site(tmp_path):
    path = tmp_path / "content" / "r1" / "u1.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("title: \"x\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        read_yaml_file(path, tmp_path)
    assert str(caught.value.problems[0]).startswith("content/r1/u1.yaml:1:8: ")


def test_a_folder_instead_of_a_file_is_a_problem_not_a_traceback(tmp_path):
    folder = tmp_path / "u1.yaml"
    folder.mkdir()
    with pytest.raises(ContentError) as caught:
        read_yaml_file(folder, tmp_path)
    assert str(caught.value.problems[0]) == "u1.yaml:1:1: a folder where a file is expected"


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path):
    with pytest.raises(ContentError) as caught:
        read_yaml_file(tmp_path / "gone.yaml", tmp_path)
    assert str(caught.value.problems[0]) == "gone.yaml:1:1: cannot read file: No such file or directory"


def test_format_path():
    assert format_path(()) == ""
    assert format_path(("projects", 2, "status")) == "projects[2].status"
    assert format_path(("supervision", "phone")) == "supervision.phone"
