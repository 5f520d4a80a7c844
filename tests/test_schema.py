"""bulletin/schema.py: the declarative types and the checker that applies them."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from bulletin.schema import (Checker, Date, Field, Identifier, ListOf, Number, OneOf, Record, Text,
                             check_document)
from bulletin.source import parse_yaml


def check(type_, text: str, path: tuple = ("v",)):
    """Check the value at `path` of a small YAML document; (result, problem lines)."""
    document = parse_yaml(text.encode("utf-8"), "f.yaml")
    value = document.data
    for part in path:
        value = value[part]
    checker = Checker(document)
    result = type_.check(value, path, checker)
    return result, [str(p) for p in checker.problems]


# ---- Text ----------------------------------------------------------------

def test_text_is_stripped_and_joined_onto_one_line():
    assert check(Text(), "v: '  路灯  修复 '\n") == ("路灯 修复", [])
    assert check(Text(), "v: |\n  第一行\n  第二行\n") == ("第一行 第二行", [])


def test_multiline_text_keeps_its_lines():
    assert check(Text(multiline=True), "v: |\n  - 第一行\n  - 第二行\n") == ("- 第一行\n- 第二行", [])


@pytest.mark.parametrize("written", ["2021", "01234567", "3.50", "NO", "on", "2021-08-24", "12345", "0476-3555907",
                                     "1.10", "0755", "1e3"])
def test_text_that_yaml_would_read_as_something_else_is_kept_as_written(written):
    assert check(Text(), f"v: {written}\n") == (written, [])


def test_a_list_instead_of_text_suggests_a_block():
    assert check(Text(), "v:\n  - a\n  - b\n") == (None, [
        "f.yaml:1:1: v: expected text, found a list; for text over several lines write '|' after the "
        "field name and indent every line of the text below it"])


def test_fields_instead_of_text_point_at_the_colon():
    assert check(Text(), "v:\n  一期: 完工\n") == (None, [
        "f.yaml:1:1: v: expected text, found a group of fields; a ':' followed by a space inside text "
        "starts a field: put the text in quotes, or write the colon as full-width '：'"])


def test_blank_text_is_empty():
    assert check(Text(), "v: '   '\n") == (None, ["f.yaml:1:1: v: must not be empty"])


def test_text_length_is_limited():
    assert check(Text(max_length=5, multiline=True), "v: 一二三四五六\n") == (
        None, ["f.yaml:1:1: v: is 6 characters long; at most 5 are allowed"])
    title = "长" * 10_000
    assert check(Text(), f"v: {title}\n") == (None, [
        "f.yaml:1:1: v: is 10000 characters long; at most 500 are allowed; a title or name fits on one line: "
        "longer text belongs under progress:"])
    assert check(Text(multiline=True), f"v: {title}\n") == (title, [])


@pytest.mark.parametrize("written, meant", [("ｃｏｍｐｌｅｔｅｄ", "completed"), ("ｉｎ＿ｐｒｏｇｒｅｓｓ", "in_progress")])
def test_full_width_choice_gets_a_half_width_hint(written, meant):
    assert check(OneOf(("completed", "in_progress")), f"v: {written}\n") == (None, [
        f"f.yaml:1:1: v: '{written}' is not one of completed, in_progress (did you mean '{meant}'? it is typed "
        "in full-width characters: switch the input method to half-width)"])


def test_full_width_key_gets_a_half_width_hint_and_no_second_message():
    record = Record((Field("id", Identifier(), True), Field("title", Text(), True)))
    assert check(record, "v:\n  ｉｄ: p1\n  title: 路灯\n") == (None, [
        "f.yaml:2:3: v.ｉｄ: unknown field 'ｉｄ' (did you mean 'id'? it is typed in full-width characters: "
        "switch the input method to half-width)"])


@pytest.mark.parametrize("reserved", ["CON", "con", "Nul", "COM1", "lpt9", "aux"])
def test_windows_device_names_are_refused_as_ids(reserved):
    result, problems = check(Identifier(), f"v: {reserved}\n")
    assert result is None
    assert problems == [f"f.yaml:1:1: v: '{reserved}' is a device name on Windows, where a file {reserved}.html "
                        "cannot be opened or copied: choose another id"]


def test_full_width_id_gets_a_hint():
    result, problems = check(Identifier(), "v: ｐ１\n")
    assert result is None and problems[0].endswith(
        "; 'ｐ１' is typed in full-width characters: switch the input method to half-width (半角) and type 'p1'")


# ---- Number --------------------------------------------------------------

# What a person means by a number, read from the text as written (not as YAML 1.1
# resolves it): leading zeros are decimal, thousands separators and full-width digits read
# as the number they show, and an integral number stays an int (5000, never 5000.0).
@pytest.mark.parametrize("written, value", [
    ("5000", 5000), ("12.5", 12.5), ("0", 0), ("2.50", 2.5), ("5000.0", 5000), ("010", 10), ("007", 7),
    ("'5000'", 5000), ("5,000", 5000), ("'1,000,000'", 1000000), ("1，000", 1000), ("５０００", 5000),
    ("0.0001", 0.0001), ("1000000000000", 10 ** 12),
])
def test_numbers(written, value):
    result, found = check(Number(), f"v: {written}\n")
    assert (result, found) == (value, []) and type(result) is type(value)


@pytest.mark.parametrize("written, message", [
    ("5万", "expected a number, found '5万'; write the number alone and its unit under 'unit:' "
           "(for 1.2万元: amount: 1.2, unit: 万元)"),
    ("50万元", "expected a number, found '50万元'; write the number alone and its unit under 'unit:' "
              "(for 1.2万元: amount: 1.2, unit: 万元)"),
    ("五千", "expected a number, found text '五千'"),
    ("yes", "expected a number, found true/false yes"),
    (".nan", "expected a number, found '.nan'"),
    (".inf", "expected a number, found '.inf'"),
    ("1_000", "expected a number, found '1_000'; write the digits without '_' (thousands may be separated with ',')"),
    ("12:30", "expected a number, found '12:30'; a ':' between digits is not part of a number "
              "(YAML would read 12:30 as 750)"),
    ("1.0e+308", "expected a number, found '1.0e+308'; write the digits out, without an exponent "
                 "(e.g. 1500000, not 1.5e6)"),
    ("1.0e-320", "expected a number, found '1.0e-320'; write the digits out, without an exponent "
                 "(e.g. 1500000, not 1.5e6)"),
    ("1" + "0" * 400, "'10000000000000000000…' (401 characters) is larger than 1,000,000,000,000, "
                      "the largest number allowed; is a digit too many?"),
    ("1000000000000.5", "'1000000000000.5' is larger than 1,000,000,000,000, the largest number allowed; "
                        "is a digit too many?"),
    ("0.00004", "'0.00004' has 5 decimal places; at most 4 are allowed (for a small amount of 万元, "
                "write it in 元 instead)"),
    ("5,0000", "expected a number, found '5,0000'; separate thousands with ',' in groups of three "
               "(1,000,000), or write the digits alone"),
    ("0x1F", "expected a number, found '0x1F'; write decimal digits with an optional decimal part, e.g. 5000 or 2.5"),
    ("+5", "expected a number, found '+5'; write the number without '+'"),
    ("-1", "must be at least 0, found -1"),
])
def test_not_numbers(written, message):
    assert check(Number(), f"v: {written}\n") == (None, [f"f.yaml:1:1: v: {message}"])


@pytest.mark.parametrize("written", ["0", "-10", "0.0"])
def test_positive_numbers_exclude_zero(written):
    _, found = check(Number(positive=True), f"v: {written}\n")
    assert found == [f"f.yaml:1:1: v: must be greater than 0, found {written}"]


def test_no_minimum():
    assert check(Number(minimum=None), "v: -3\n") == (-3, [])


# ---- Date ----------------------------------------------------------------

@pytest.mark.parametrize("written", ["2021-08-24", "2021-8-24", "'2021-08-24'", "2021-08-24 10:30:00",
                                     "2021-8-24 10:30:00"])
def test_dates(written):
    assert check(Date(), f"v: {written}\n") == (dt.date(2021, 8, 24), [])


@pytest.mark.parametrize("written, message", [
    # a real date written another common way: the message gives the exact text to type
    ("2021/08/24", "'2021/08/24' is not written the way a date must be: write 2021-08-24"),
    ("2021年8月24日", "'2021年8月24日' is not written the way a date must be: write 2021-08-24"),
    ("２０２１．８．２４", "'２０２１．８．２４' is not written the way a date must be: write 2021-08-24"),
    ("2021年2月30日", "expected a date written like 2021-08-24, found '2021年2月30日'"),
    ("20210824", "expected a date written like 2021-08-24, found 20210824"),
    ("2021-02-30", "2021-02-30 is not a real date: day is out of range for month"),
    ("2021-13-01", "2021-13-01 is not a real date: month must be in 1..12"),
])
def test_not_dates(written, message):
    assert check(Date(), f"v: {written}\n") == (None, [f"f.yaml:1:1: v: {message}"])


# ---- Identifier ----------------------------------------------------------

@pytest.mark.parametrize("written, name", [
    ("p1", "p1"), ("lu-deng_2", "lu-deng_2"), ("3", "3"), ("010", "010"), ("2021-2", "2021-2"),
    ("no", "no"),
])
def test_plain_names_keep_what_was_written(written, name):
    assert check(Identifier(), f"v: {written}\n") == (name, [])


@pytest.mark.parametrize("written, shown", [
    ("路灯", "路灯"), ("a/b", "a/b"), ("../x", "../x"), ("a b", "a b"), ("'p1 '", "p1 "), ("1.5", "1.5"),
])
def test_names_that_cannot_be_part_of_a_web_address(written, shown):
    assert check(Identifier(), f"v: {written}\n") == (None, [
        f"f.yaml:1:1: v: '{shown}' is not a plain name: use only letters a-z, A-Z, digits 0-9, "
        "'-' and '_' (it becomes part of a web address)"])


def test_a_name_must_be_a_scalar():
    assert check(Identifier(), "v: [a]\n") == (None, ["f.yaml:1:1: v: expected a plain name, found a list"])


# ---- OneOf ---------------------------------------------------------------

STATUS = OneOf(("not_started", "in_progress", "completed"), (("已完成", "completed"),))


def test_one_of():
    assert check(STATUS, "v: completed\n") == ("completed", [])


@pytest.mark.parametrize("written, suffix", [
    ("complete", " (did you mean 'completed'?)"),
    ("Completed", " (did you mean 'completed'?)"),
    ("in progress", " (did you mean 'in_progress'?)"),
    ("已完成", " (did you mean 'completed'?)"),
    ("done", ""),
    ("1", ""),
    ("no", ""),
])
def test_not_one_of(written, suffix):
    assert check(STATUS, f"v: {written}\n") == (None, [
        f"f.yaml:1:1: v: '{written}' is not one of not_started, in_progress, completed{suffix}"])


# ---- Record --------------------------------------------------------------

PROJECT = Record((
    Field("id", Identifier(), True),
    Field("title", Text(), True),
    Field("lead", Text()),
    Field("funding", Record((Field("amount", Number(), True), Field("unit", Text(), True)))),
))


def test_record_keeps_known_fields_and_skips_empty_optional_ones():
    assert check(PROJECT, "v:\n  id: p1\n  title: 路灯\n  lead:\n") == ({"id": "p1", "title": "路灯"}, [])


def test_unknown_field_with_a_close_name_stands_for_the_missing_one():
    # One mistake, one message: no second "missing required field 'title'".
    assert check(PROJECT, "v:\n  id: p1\n  titel: 路灯\n") == (None, [
        "f.yaml:3:3: v.titel: unknown field 'titel' (did you mean 'title'?)"])


def test_unknown_field_without_a_close_name_lists_the_fields():
    assert check(PROJECT, "v:\n  id: p1\n  title: x\n  负责人: 张三\n") == (None, [
        "f.yaml:4:3: v.负责人: unknown field '负责人'; the fields here are id, title, lead, funding"])


def test_a_number_split_by_a_comma_in_braces():
    assert check(PROJECT, "v:\n  id: p1\n  title: x\n  funding: {amount: 5,000, unit: 元}\n") == (None, [
        "f.yaml:4:23: v.funding.000: unknown field '000'; a ',' inside a number starts a new field "
        "here: write the number without ','"])


def test_missing_required_fields_are_located_at_the_record():
    assert check(PROJECT, "v:\n  lead: 张三\n") == (None, [
        "f.yaml:1:1: v: missing required field 'v.id'",
        "f.yaml:1:1: v: missing required field 'v.title'"])


def test_a_required_field_left_empty_is_located_at_its_name():
    assert check(PROJECT, "v:\n  id: p1\n  title:\n") == (None, [
        "f.yaml:3:3: v.title: 'title' is empty; it is required"])


def test_nested_record_problems_carry_the_full_path():
    assert check(PROJECT, "v:\n  id: p1\n  title: x\n  funding:\n    amount: 5万\n") == (None, [
        "f.yaml:5:5: v.funding.amount: expected a number, found '5万'; write the number alone and its unit "
        "under 'unit:' (for 1.2万元: amount: 1.2, unit: 万元)",
        "f.yaml:4:3: v.funding: missing required field 'v.funding.unit'"])


@pytest.mark.parametrize("written, found", [
    ("路灯修复", "text '路灯修复'"), ("[a]", "a list"), ("12", "a number '12'"), ("yes", "true/false")])
def test_a_record_must_be_a_group_of_fields(written, found):
    assert check(PROJECT, f"v: {written}\n") == (None, [
        f"f.yaml:1:1: v: expected a group of fields (id, title, ...), found {found}"])


# ---- ListOf --------------------------------------------------------------

def test_list_items_are_checked_with_their_index():
    assert check(ListOf(Number()), "v: [1, x, 3, -1]\n") == (None, [
        "f.yaml:1:8: v[1]: expected a number, found text 'x'",
        "f.yaml:1:14: v[3]: must be at least 0, found -1"])


def test_list_of_valid_items():
    assert check(ListOf(Number()), "v:\n  - 1\n  - 2\n") == ([1, 2], [])


def test_empty_list_when_allowed_or_not():
    assert check(ListOf(Number()), "v: []\n") == ([], [])
    assert check(ListOf(Number(), allow_empty=False), "v: []\n") == (
        None, ["f.yaml:1:1: v: must list at least one entry"])


@pytest.mark.parametrize("written, found", [
    ("路灯修复", "text '路灯修复'"), ("{a: 1}", "a group of fields")])
def test_not_a_list(written, found):
    assert check(ListOf(Number()), f"v: {written}\n") == (None, [
        f"f.yaml:1:1: v: expected a list (lines starting with '- '), found {found}"])


# ---- check_document ------------------------------------------------------

FILE = Record((Field("projects", ListOf(PROJECT), True),))


def document(text: str):
    return parse_yaml(text.encode("utf-8"), "f.yaml")


def test_check_document_returns_clean_data():
    data, found = check_document(document("projects:\n  - id: p1\n    title: ' x '\n"), FILE, "list")
    assert (data, found) == ({"projects": [{"id": "p1", "title": "x"}]}, [])


@pytest.mark.parametrize("text", ["", "# 本轮无项目\n"])
def test_check_document_on_an_empty_file(text):
    data, found = check_document(document(text), FILE, "unit's project list")
    assert data is None
    assert [str(p) for p in found] == [
        "f.yaml:1:1: file is empty (comments do not count); a unit's project list needs 'projects:'"]


def test_check_document_on_a_file_that_is_not_a_group_of_fields():
    data, found = check_document(document("- id: p1\n  title: x\n"), FILE, "unit's project list")
    assert data is None
    assert [str(p) for p in found] == [
        "f.yaml:1:1: a unit's project list starts with 'projects:', found a list; write 'projects:' "
        "on the first line and indent the rest below it"]


# ---- How a problem names its field -----------------------------------------


@pytest.fixture
def chinese(monkeypatch):
    """Messages in Chinese for one test; English (the msgid) again after it, and the
    environment activate() sets for click as it was (a CLI run later must not inherit it)."""
    from bulletin.messages import activate
    monkeypatch.setenv("LANGUAGE", os.environ.get("LANGUAGE", ""))
    activate("zh-CN")
    yield
    activate("en")


def declared_keys(type_, within: str = "") -> set[str]:
    """Every key path a schema declares, relative to the list item it stands in
    ("funding.amount"), as problems.field_names() names them."""
    if isinstance(type_, ListOf):
        return declared_keys(type_.item)
    if not isinstance(type_, Record):
        return set()
    keys = set()
    for spec in type_.fields:
        key = f"{within}.{spec.name}" if within else spec.name
        keys |= {key} | declared_keys(spec.type, "" if isinstance(spec.type, ListOf) else key)
    return keys


def test_every_declared_field_has_a_chinese_name(chinese):
    """site.yaml, units.yaml and a unit's file: a field added to a schema without a name staff
    know it by would be shown as its bare key."""
    from bulletin.config import SITE_SCHEMA
    from bulletin.content import UNIT_ROUND_SCHEMA, UNITS_FILE_SCHEMA
    from bulletin.problems import field_names
    names = field_names()
    keys = declared_keys(SITE_SCHEMA) | declared_keys(UNITS_FILE_SCHEMA) | declared_keys(UNIT_ROUND_SCHEMA)
    assert {"status", "funding.amount", "supervision.phone", "units", "rounds", "target.unit"} <= keys
    unnamed = sorted(key for key in keys if not any("\u4e00" <= c <= "\u9fff" for c in names.get(key, "")))
    assert not unnamed, f"fields without a Chinese name in problems._field_names: {unnamed}"


@pytest.mark.parametrize("field, subject, english, chinese_text", [
    ("projects[2].status", "锦绣社区取暖期室温提升项目", 'item 3 "锦绣社区取暖期室温提升项目" status',
     "第3项「锦绣社区取暖期室温提升项目」状态 status"),
    ("projects[0].funding.amount", "", "item 1 funding.amount", "第1项 资金金额 funding.amount"),
    ("projects[1]", "路灯", 'item 2 "路灯"', "第2项「路灯」"),
    ("rounds[1].date", "", "round 2 date", "第2轮 日期 date"),
    ("rounds[0].corrections[1].field", "", "round 1 correction 2 field", "第1轮 第2条更正 更正的字段 field"),
    ("units[0].name", "", "unit 1 name", "第1个单位 名称 name"),
    ("units[3].id", "丁局", 'unit 4 "丁局" id', "第4个单位「丁局」编号 id"),
    ("supervision.phone", "", "supervision.phone", "监督电话 supervision.phone"),
    ("projects[0].titel", "", "item 1 titel", "第1项 titel"),  # an unknown key stays as written
    ("v[1]", "", "v[1]", "v[1]"),  # a list the schemas do not declare stays as written
])
def test_a_field_path_is_said_as_staff_say_it(field, subject, english, chinese_text, request):
    from bulletin.problems import shown_field
    assert shown_field(field, subject) == english
    request.getfixturevalue("chinese")
    assert shown_field(field, subject) == chinese_text


def test_a_problems_subject_is_shown_but_not_compared():
    """Problems are sorted and deduplicated by where they are, their field and their message:
    the title shown beside them changes neither."""
    from bulletin.problems import Location, Problem
    here = Location("f.yaml", 3, 5)
    with_title = Problem(here, "projects[0].status", "bad", "路灯")
    assert with_title == Problem(here, "projects[0].status", "bad")
    assert len({with_title, Problem(here, "projects[0].status", "bad", "别的")}) == 1
    assert sorted([Problem(here, "projects[0].title", "bad", "a"), with_title]) == [
        with_title, Problem(here, "projects[0].title", "bad")]
    assert str(with_title) == 'f.yaml:3:5: item 1 "路灯" status: bad'
    assert str(Problem(here, "", "whole file")) == "f.yaml:3:5: whole file"


@pytest.mark.parametrize("text, path, subject", [
    ("projects:\n  - title: 路灯\n    status: x\n", ("projects", 0, "status"), "路灯"),
    ("projects:\n  - title: 路灯\n    status: x\n", ("projects", 0, "title"), ""),  # the title is the problem
    ("projects:\n  - title: 2023\n    status: x\n", ("projects", 0, "status"), ""),  # not text (yet)
    ("projects:\n  - title: \"a\\u202eb\"\n", ("projects", 0, "status"), ""),  # would reorder the line
    ("projects:\n  - status: x\n", ("projects", 0, "status"), ""),
    ("projects:\n  - title: " + "长" * 40 + "\n", ("projects", 0, "id"), "长" * 30 + "…"),
    ("units:\n  - name: 甲镇\n", ("units", 0, "group"), "甲镇"),
    ("rounds:\n  - title: 第一轮\n", ("rounds", 0, "date"), ""),
])
def test_the_subject_is_the_projects_title_or_the_units_name(text, path, subject):
    from bulletin.schema import item_subject
    assert item_subject(parse_yaml(text.encode("utf-8"), "f.yaml").data, path) == subject
