"""Reading a bulletin as published on a web page (bulletin/textbulletin.py), the text half
of `python3 build.py import FILE.txt`.

The oracle for the real bulletin is the sample site: content/2021-2/*.yaml holds the first
four units of ../shared/reference/000_e2502bea5c584568.txt word for word (titles and
progress; where the published progress opens with a status phrase such as 解决中。, the
sample moved it to `status`). tests/fixtures/bulletins/yuanbaoshan-2021-2.txt is a copy of
that public text, so these tests do not depend on shared/ being beside the checkout.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bulletin import textbulletin
from bulletin.imported import ImportedDocument
from bulletin.textbulletin import read_text_bulletin
from conftest import ROOT, require_tool

FIXTURES = ROOT / "tests" / "fixtures" / "bulletins"
REFERENCE = ROOT.parent / "shared" / "reference" / "000_e2502bea5c584568.txt"
REFERENCE_FOLDER = REFERENCE.parent

# What the whole reference text holds, counted by reading it: its heading counts agree.
REFERENCE_UNITS = {"区委办公室": 8, "区人大常委会机关": 10, "区政府办公室": 5, "区政协机关": 4}
# The published progress of these items opens with a status phrase that the sample site
# moved to `status`; every other item's progress is the sample's exactly.
STATUS_PHRASES = {("区委办公室", 1): "解决中。", ("区政府办公室", 1): "已完成。", ("区政府办公室", 2): "已完成。",
                  ("区政府办公室", 4): "已完成,", ("区政府办公室", 5): "已完成,"}


def read_text(tmp_path: Path, text: str, name: str = "公示.txt", encoding: str = "utf-8") -> ImportedDocument:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return read_text_bulletin(path, name)


def values(document: ImportedDocument) -> list[dict[str, str]]:
    return [{key: value.text for key, value in project.values.items()} for project in document.projects]


def problems(document: ImportedDocument) -> list[str]:
    return [str(problem) for problem in document.problems]


def sample_projects() -> dict[str, list[dict]]:
    """The sample round 2021-2, by unit name, in file order."""
    names = {unit["id"]: unit["name"] for unit in yaml.safe_load((ROOT / "content" / "units.yaml").read_text("utf-8"))["units"]}
    return {names[path.stem]: yaml.safe_load(path.read_text("utf-8"))["projects"]
            for path in sorted((ROOT / "content" / "2021-2").glob("*.yaml"))}


# ---- The reference bulletin ------------------------------------------------------------------


def reference_paths() -> list[Path]:
    return [FIXTURES / "yuanbaoshan-2021-2.txt", REFERENCE]


@pytest.mark.parametrize("path", reference_paths(), ids=["committed-fixture", "shared-reference"])
def test_reference_text_yields_its_units_and_27_projects_word_for_word(path):
    if path == REFERENCE:
        require_tool(REFERENCE.exists(), f"the reference text {REFERENCE}")
    document = read_text_bulletin(path, "公示.txt")
    assert document.problems == ()
    assert document.to_confirm == ()
    assert Counter(project.values["unit"].text for project in document.projects) == REFERENCE_UNITS
    assert len(document.projects) == 27
    sample = sample_projects()
    assert set(sample) == set(REFERENCE_UNITS)
    for unit, expected in sample.items():
        read = [project for project in document.projects if project.values["unit"].text == unit]
        assert [project.values["number"].text for project in read] == [str(n) for n in range(1, len(expected) + 1)]
        for number, (project, written) in enumerate(zip(read, expected), start=1):
            assert project.values["title"].text == written["title"]
            phrase = STATUS_PHRASES.get((unit, number), "")
            assert project.values["progress"].text == phrase + written["progress"].rstrip("\n")
            assert "status" not in project.values  # the importer guesses it, not the reader


def test_reference_values_point_at_their_lines():
    document = read_text_bulletin(FIXTURES / "yuanbaoshan-2021-2.txt", "公示.txt")
    first, unlabelled, last = document.projects[0], document.projects[7], document.projects[-1]
    assert str(first.values["unit"].where) == "公示.txt:2"
    assert str(first.where) == str(first.values["title"].where) == str(first.values["progress"].where) == "公示.txt:3"
    # Item 8 of 区委办公室 is published without the 领办项目 label.
    assert unlabelled.values["title"].text == "星海社区工作人员保密知识培训项目"
    assert str(unlabelled.where) == "公示.txt:10"
    assert str(last.values["unit"].where) == "公示.txt:28" and str(last.where) == "公示.txt:32"
    assert last.values["progress"].text.endswith("对党史学习教育有关内容进行了宣传。")


def test_reference_intro_is_offered_with_its_line():
    document = read_text_bulletin(FIXTURES / "yuanbaoshan-2021-2.txt", "公示.txt")
    assert document.intro.text.startswith("按照《全区党史学习教育“我为群众办实事”实践活动工作方案》有关要求,")
    assert document.intro.text.endswith("监督电话:0476-3555907。")
    assert str(document.intro.where) == "公示.txt:1"
    assert document.facts == ("Read as UTF-8 text.",
                              "The text before the first unit (lines 1-1) was read as the introduction.")


def test_committed_fixture_is_the_reference_text():
    require_tool(REFERENCE.exists(), f"the reference text {REFERENCE}")
    assert (FIXTURES / "yuanbaoshan-2021-2.txt").read_bytes() == REFERENCE.read_bytes()


@pytest.mark.parametrize("name", ["001_fffb8a3edf6cb5e0.txt", "002_92239b8ed6be335b.txt",
                                  "003_b5b75b9e2a66dc10.txt", "004_9c811a0d65e83941.txt"])
def test_news_articles_are_not_taken_for_a_bulletin(name):
    """The other reference texts are news pages about such projects, not bulletins: nothing is
    imported from them, and staff are told why."""
    require_tool(REFERENCE_FOLDER.exists(), f"the reference texts in {REFERENCE_FOLDER}")
    document = read_text_bulletin(REFERENCE_FOLDER / name, name)
    assert document.projects == ()
    assert f"{name}: no unit heading was found" in "\n".join(problems(document))


# ---- Shapes other districts publish ------------------------------------------------------------


def test_full_and_half_width_punctuation_and_numbering_variants():
    document = read_text_bulletin(FIXTURES / "punctuation-variants.txt", "variants.txt")
    assert document.problems == ()
    assert values(document) == [
        {"unit": "区委办公室", "number": "1", "title": "下荒村滑子菇销路项目", "progress": "解决中。已联系其他渠道，争取年内解决。"},
        {"unit": "区委办公室", "number": "2", "title": "下荒村路灯损坏修复项目", "progress": "目前全部更换完毕."},
        {"unit": "区委办公室", "number": "3", "title": "锦绣社区取暖期室温提升项目", "progress": "已完成。"},
        {"unit": "区政府办公室", "number": "1", "title": "哈河街护栏改造项目", "progress": "已完成,缓解交通压力。"},
        {"unit": "区政府办公室", "number": "2", "title": "银河社区增设文明宣传栏项目", "progress": "已完成,共计50块。"},
        {"unit": "区政协机关", "number": "1", "title": "巩固西六家村脱贫攻坚成果", "progress": "持续监测，防止出现返贫现象。"},
        {"unit": "区政协机关", "number": "2", "title": "赴西六家村开展“送书下乡”活动", "progress": "于7月份向西六家村进行了赠送。"},
    ]
    # The page's title, a blank line, then the introduction: two paragraphs.
    assert document.intro.text == ("关于“我为群众办实事”项目清单及进展情况的公示（第二轮）\n\n"
                                   "按照《工作方案》要求，现将各单位项目进展公布如下。监督电话：0476-3555907。")
    assert [str(project.values["unit"].where) for project in document.projects] == [
        "variants.txt:4"] * 3 + ["variants.txt:8"] * 2 + ["variants.txt:11"] * 2


@pytest.mark.parametrize("heading", ["区委办公室(2项)", "区委办公室（2项）", "区委办公室 （ 2 项 ）", "区委办公室（共2项）：",
                                     "区委办公室(共 2 项)", "一、区委办公室（2项）", "区委办公室（２项）", "区委办公室（二项）",
                                     "区委办公室（2个）", "  区委办公室(2条)  "])
def test_unit_heading_forms(tmp_path, heading):
    document = read_text(tmp_path, f"{heading}\n1、甲项目。工作进展：甲进展。\n（2）乙项目。工作进展：乙进展。\n")
    assert document.problems == ()
    assert [(p["unit"], p["number"], p["title"], p["progress"]) for p in values(document)] == [
        ("区委办公室", "1", "甲项目", "甲进展。"), ("区委办公室", "2", "乙项目", "乙进展。")]


@pytest.mark.parametrize("line", ["1.5万元用于购买路灯。", "2021.8.24已完工。", "8．5公里道路完成硬化。"])
def test_a_wrapped_line_starting_with_a_decimal_number_continues_the_item(tmp_path, line):
    document = read_text(tmp_path, f"区委办公室(1项)\n1.领办项目:甲项目。工作进展:筹集资金\n{line}\n")
    assert document.problems == ()
    assert values(document)[0]["progress"] == "筹集资金" + line


def test_web_page_line_breaks_inside_items():
    """CRLF lines wrapped where a web page's column ended: a wrap inside a sentence is joined
    without a space (Chinese), with one between Latin words; a break after a sentence's end
    is a new paragraph; a number alone on its line takes the text below; a wrapped line that
    starts with a number that is not the next one stays in the item, for staff to confirm."""
    document = read_text_bulletin(FIXTURES / "web-page-wraps.txt", "wraps.txt")
    assert document.problems == ()
    assert values(document) == [
        {"unit": "区委办公室", "number": "1", "title": "下荒村滑子菇销路项目",
         "progress": "解决中。2021年上半年已联系草原汇香食品有限公司,但是草原汇香食品有限公司不需要滑子菇,此条销售渠道中断。"
                     "\n\n王利君主任在努力联系其他渠道,争取在本年内解决。"},
        {"unit": "区委办公室", "number": "2", "title": "下荒村路灯损坏修复项目", "progress": "目前全部更换完毕。"},
        {"unit": "区委办公室", "number": "3", "title": "星海社区办公电脑系统更新项目",
         "progress": "提升社区办事效率,安装 Windows 10 系统,2、3号楼已完成。"},
    ]
    second, third = document.projects[1], document.projects[2]
    assert (str(second.values["title"].where), str(second.values["progress"].where)) == ("wraps.txt:6", "wraps.txt:8")
    assert (str(third.where), str(third.values["title"].where)) == ("wraps.txt:9", "wraps.txt:10")
    assert document.to_confirm == ((2, "progress", "line 12 starts with the number 2 but is read as part of this item's "
                                    "text, since it is not the next number and has no 领办项目 or 工作进展 label"),)


def test_traditional_characters_labels_and_heading(tmp_path):
    document = read_text(tmp_path, "區委辦公室（2項）\n1.領辦項目：甲項目。工作進展：已完成。\n2.乙項目。進展情況：推進中。\n")
    assert document.problems == ()
    assert values(document) == [{"unit": "區委辦公室", "number": "1", "title": "甲項目", "progress": "已完成。"},
                                {"unit": "區委辦公室", "number": "2", "title": "乙項目", "progress": "推進中。"}]


def test_an_item_without_a_progress_label_is_listed_to_confirm(tmp_path):
    document = read_text(tmp_path, "区委办公室(2项)\n1.领办项目:甲项目。已完成,共计50块。\n2.乙项目\n")
    assert document.problems == ()
    assert values(document) == [{"unit": "区委办公室", "number": "1", "title": "甲项目", "progress": "已完成,共计50块。"},
                                {"unit": "区委办公室", "number": "2", "title": "乙项目"}]
    assert document.to_confirm == (
        (0, "progress", "the item has no 工作进展 label: the text after its title's 。 was read as the progress"),)


# ---- Encodings ----------------------------------------------------------------------------


def test_gbk_file_with_crlf_is_detected_and_read():
    path = FIXTURES / "gbk-crlf.txt"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the fixture really is GBK, as Chinese Windows saves it
    assert b"\r\n" in path.read_bytes()
    document = read_text_bulletin(path, "公示.txt")
    assert document.problems == ()
    assert document.facts[0] == "Read as GBK/GB18030 text (as Chinese Windows saves it)."
    reference = read_text_bulletin(FIXTURES / "yuanbaoshan-2021-2.txt", "公示.txt")
    assert values(document) == values(reference)[:8]
    assert document.intro.text == reference.intro.text
    assert [str(project.where) for project in document.projects] == [f"公示.txt:{line}" for line in range(3, 11)]


@pytest.mark.parametrize("encoding, bom, fact", [
    ("utf-8", b"\xef\xbb\xbf", "Read as UTF-8 text (with a byte-order mark)."),
    ("utf-16-le", b"\xff\xfe", "Read as UTF-16 text (Notepad's \"Unicode\")."),
    ("gb18030", b"", "Read as GBK/GB18030 text (as Chinese Windows saves it)."),
])
def test_other_encodings_and_marks(tmp_path, encoding, bom, fact):
    path = tmp_path / "公示.txt"
    path.write_bytes(bom + "区委办公室（1项）\r\n1．领办项目：甲项目。工作进展：㐀字也能读。\r\n".encode(encoding))
    document = read_text_bulletin(path, "公示.txt")
    assert document.problems == ()
    assert document.facts == (fact,)
    assert values(document) == [{"unit": "区委办公室", "number": "1", "title": "甲项目", "progress": "㐀字也能读。"}]


def test_bytes_that_are_no_text_encoding_are_reported_at_their_line(tmp_path):
    path = tmp_path / "公示.txt"
    path.write_bytes("区委办公室(1项)\n".encode() + b"1.\x80\xff\n")
    assert problems(read_text_bulletin(path, "公示.txt")) == [
        "公示.txt:2: this line is neither UTF-8 nor GBK text; open the file and save it as UTF-8"]


def test_a_binary_file_is_refused(tmp_path):
    path = tmp_path / "台账.txt"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))
    document = read_text_bulletin(path, "台账.txt")
    assert document.projects == ()
    assert problems(document) == ["台账.txt: this is not a text file (it holds binary data); "
                                  "copy the bulletin's text into a .txt file"]


# ---- Problems, each at its line ---------------------------------------------------------------


def test_a_heading_count_that_disagrees_is_reported_with_both_numbers_and_the_lines(tmp_path):
    document = read_text(tmp_path, "\n".join([
        "区委办公室(3项)",  # 1
        "1.领办项目:甲项目。工作进展:甲进展。",  # 2
        "2.领办项目:乙项目。工作进展:乙进展,",  # 3
        "继续推进。",  # 4: still item 2
        "区政协机关（1项）",  # 5
        "1.领办项目:丙项目。工作进展:丙进展。",  # 6
        "2.领办项目:丁项目。工作进展:丁进展。",  # 7
        "区政府办公室(2项)",  # 8
    ]))
    assert problems(document) == [
        '公示.txt:1: the heading of "区委办公室" counts 3 items, but lines 2-4 hold 2 items',
        '公示.txt:5: the heading of "区政协机关" counts 1 items, but lines 6-7 hold 2 items',
        '公示.txt:8: the heading of "区政府办公室" counts 2 items, but no numbered item follows it',
    ]
    assert len(document.projects) == 4  # read all the same: the importer refuses on any problem


def test_heading_count_message_in_chinese(tmp_path, chinese):
    document = read_text(tmp_path, "区委办公室(3项)\n1.领办项目:甲项目。工作进展:甲进展。\n")
    assert problems(document) == ["公示.txt:1: 「区委办公室」的标题写有 3 项，但第2-2行共有 1 项"]


def test_unreadable_lines_and_items_before_any_heading_are_reported_at_their_lines(tmp_path):
    document = read_text(tmp_path, "\n".join([
        "按照要求,现公布如下。",  # 1: the introduction
        "1.领办项目:甲项目。工作进展:甲进展。",  # 2: an item before any heading
        "区委办公室(1项)",  # 3
        "以下为本单位认领的项目清单",  # 4: not an item, not a heading
        "1.领办项目:乙项目。工作进展:乙进展。",  # 5
        "区政协机关(1项)",  # 6
        "",
        "　　（表格见附件）",  # 8
        "1.领办项目:丙项目。工作进展:丙进展。",  # 9
    ]))
    assert problems(document) == [
        "公示.txt:2: item 1 comes before any unit heading; add its unit's heading above it, like 区委办公室(8项)",
        '公示.txt:4: cannot read "以下为本单位认领的项目清单": under a unit heading each item starts with its number, '
        "like 1.领办项目:…。工作进展:…; correct this line or delete it",
        '公示.txt:8: cannot read "（表格见附件）": under a unit heading each item starts with its number, '
        "like 1.领办项目:…。工作进展:…; correct this line or delete it",
    ]
    assert [p["title"] for p in values(document)] == ["乙项目", "丙项目"]
    assert document.intro.text == "按照要求,现公布如下。"


def test_unreadable_line_in_chinese(tmp_path, chinese):
    document = read_text(tmp_path, "区委办公室(1项)\n说明文字\n1.甲项目。工作进展:甲进展。\n")
    assert problems(document) == [
        "公示.txt:2: 无法读取「说明文字」：单位标题下的每一项都应以序号开头，如 1.领办项目:…。工作进展:…；请改正或删除这一行"]


def test_text_without_any_heading_is_not_a_bulletin(tmp_path):
    document = read_text(tmp_path, "葵涌办事处扎实推进民生微实事初显成效\n\n今年以来,共征集项目215个。\n")
    assert document.projects == ()
    assert problems(document) == [
        "公示.txt: no unit heading was found: a bulletin lists each unit as its name and its number of items, "
        "like 区委办公室(8项), with the numbered items below it. Is this the published bulletin?"]


# ---- Bounds ----------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_unread(tmp_path):
    path = tmp_path / "公示.txt"
    with path.open("wb") as stream:  # sparse: no 20 MB written to the disk
        stream.truncate(textbulletin.MAX_TEXT_BYTES + 1)
    document = read_text_bulletin(path, "公示.txt")
    assert document.projects == ()
    assert problems(document) == ["公示.txt: the file is 20.1 MB; a bulletin text is at most 20 MB. Is this the right file?"]


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path):
    document = read_text_bulletin(tmp_path / "没有.txt", "没有.txt")
    assert problems(document) == ["没有.txt: cannot read the file: No such file or directory"]


def test_reading_is_linear_on_hostile_lines(tmp_path):
    """Long lines built to make a backtracking pattern take quadratic time (a heading's
    bracket repeated, spaces, a label's start repeated) read within seconds; so does a
    file of many items."""
    many_items = "".join(f"单位{unit}(200项)\n" + "".join(f"{n}.领办项目:项目{n}。工作进展:进展{n}。\n" for n in range(1, 201))
                         for unit in range(100))
    hostile = ("区委办公室(3项)\n1.领办项目:" + "(" * 200_000 + " " * 200_000 + "(1" * 100_000
               + "工作进展" * 50_000 + "\n" + "区(" * 100_000 + "\n" + "1" * 100_000 + "\n")
    started = time.monotonic()
    document = read_text(tmp_path, many_items, name="many.txt")
    hostile_document = read_text(tmp_path, hostile, name="hostile.txt")
    assert time.monotonic() - started < 20
    assert len(document.projects) == 20000 and document.problems == ()
    assert values(document)[-1] == {"unit": "单位99", "number": "200", "title": "项目200", "progress": "进展200。"}
    assert len(hostile_document.projects) == 1


# ---- Labels, headings without a count, web page furniture (other districts' shapes) ---------


def test_lead_due_and_status_labels_become_their_own_values():
    """责任领导/责任人, 完成时限/完成时间 and 完成状态 (or a second progress label saying only a
    status word) are values of their own, at their lines, not glued into the title or progress."""
    document = read_text_bulletin(FIXTURES / "labelled-fields.txt", "fields.txt")
    assert document.problems == ()
    assert values(document) == [
        {"unit": "区委办公室", "number": "1", "title": "下荒村路灯修复项目", "lead": "张三", "due": "2021年12月",
         "progress": "已全部更换完毕。", "status": "已完成"},
        {"unit": "区委办公室", "number": "2", "title": "锦绣社区车位规划项目", "lead": "李四", "due": "2021年10月底前",
         "status": "推进中", "progress": "已完成66个车位划定工作，剩余车位正在招投标"},
        {"unit": "区政协机关", "number": "1", "title": "巩固西六家村脱贫攻坚成果", "lead": "王五", "due": "2021年12月",
         "progress": "持续监测，防止出现返贫现象。"},
    ]
    first = document.projects[0].values
    assert [str(first[key].where) for key in ("title", "lead", "due", "progress", "status")] == [
        "fields.txt:4", "fields.txt:5", "fields.txt:6", "fields.txt:7", "fields.txt:8"]


def test_a_label_word_inside_a_sentence_stays_text(tmp_path):
    document = read_text(tmp_path, "区委办公室(1项)\n1.领办项目:甲项目。工作进展:设备运行状态:良好,时限:已明确。\n")
    assert values(document)[0]["progress"] == "设备运行状态:良好,时限:已明确。"
    assert "status" not in values(document)[0] and "due" not in values(document)[0]


def test_headings_without_a_count_and_a_closing_status_in_brackets():
    """（一）区委办公室 with its count on the next line, 区委办公室： alone, 项目1： numbering, and
    （已完成）/【推进中】/[已完成] closing an item; a bracket that is no status stays in the title."""
    document = read_text_bulletin(FIXTURES / "headings-without-count.txt", "bare.txt")
    assert document.problems == ()
    assert values(document) == [
        {"unit": "区委办公室", "number": "1", "title": "下荒村路灯修复项目", "status": "已完成"},
        {"unit": "区委办公室", "number": "2", "title": "送法律、党课进社区（惠宁东社区）", "progress": "已开展宣讲2次。",
         "status": "推进中"},
        {"unit": "区委办公室", "number": "3", "title": "锦绣社区车位规划项目", "progress": "已完成划线。", "status": "已完成"},
        {"unit": "区政协机关", "number": "1", "title": "赴西六家村开展“送书下乡”活动", "progress": "于7月份向西六家村进行了赠送。"},
        {"unit": "区政协机关", "number": "2", "title": "改善四道井子村委会办公条件", "progress": "已购买打印机、电脑等办公设备。"},
    ]
    assert [str(project.values["unit"].where) for project in document.projects] == ["bare.txt:1"] * 3 + ["bare.txt:6"] * 2


def test_a_count_line_under_a_heading_without_count_is_checked(tmp_path):
    document = read_text(tmp_path, "（一）区委办公室\n领办项目八项，已完成1项\n1、甲项目。工作进展：甲进展。\n")
    assert problems(document) == ['公示.txt:1: the heading of "区委办公室" counts 8 items, but lines 3-3 hold 1 item']


def test_web_page_furniture_and_unit_groups_are_left_out_and_listed():
    """Navigation, 来源/编辑 footer, 扫一扫, 打印本页 lines end the item above and are listed in
    the facts; 镇乡街/区直部门 above unit headings are groups, not units nor progress."""
    document = read_text_bulletin(FIXTURES / "web-page-furniture.txt", "page.txt")
    assert document.problems == ()
    assert values(document) == [
        {"unit": "元宝山镇", "number": "1", "title": "四道井子村道路硬化", "progress": "已完成。"},
        {"unit": "元宝山镇", "number": "2", "title": "西六家村路灯安装", "progress": "已安装路灯30盏。"},
        {"unit": "区委办公室", "number": "1", "title": "下荒村路灯修复项目", "progress": "目前全部更换完毕。"},
    ]
    assert document.intro.text == ("编者按：今年以来，全区各单位深入开展“我为群众办实事”实践活动。\n\n"
                                   "现将第二轮项目清单及进展情况予以公布。")
    assert document.facts == (
        "Read as UTF-8 text.",
        'Line 9 "镇乡街" names a group of units, not a unit: it was left out.',
        'Line 13 "区直部门" names a group of units, not a unit: it was left out.',
        "Lines 1-3, 16-19 are a web page's furniture or footer (来源, 编辑, 打印本页 …): they were left out.",
        "The text before the first unit (lines 5-7) was read as the introduction.",
    )


def test_a_wrapped_short_line_ending_an_item_is_not_taken_for_a_heading(tmp_path):
    """A page may wrap 协调相关 / 部门 onto its own line just before the next unit: mid-sentence,
    it stays the item's text."""
    document = read_text(tmp_path, "区委办公室(1项)\n1.甲项目。工作进展:已联系区住建局和\n区交通局\n区政协机关(1项)\n"
                                   "1.乙项目。工作进展:乙进展。\n")
    assert document.problems == ()
    assert values(document)[0]["progress"] == "已联系区住建局和区交通局"


@pytest.mark.parametrize("heading", ["区委办公室（领办项目2项）", "区委办公室（2项，已完成1项）", "（一）区委办公室（共2项）",
                                     "区委办公室 2项", "区委办公室：共2项", "区委办公室：二项"])
def test_more_unit_heading_forms(tmp_path, heading):
    document = read_text(tmp_path, f"{heading}\n1、甲项目。工作进展：甲进展。\n2、乙项目。工作进展：乙进展。\n")
    assert document.problems == ()
    assert [(p["unit"], p["title"]) for p in values(document)] == [("区委办公室", "甲项目"), ("区委办公室", "乙项目")]


def test_a_count_without_brackets_needs_a_unit_name(tmp_path):
    """已完成 2项 under an item is the item's text, not a unit named 已完成."""
    document = read_text(tmp_path, "区委办公室（1项）\n1、甲项目。工作进展：本月\n已完成 2项\n")
    assert document.problems == ()
    assert values(document)[0]["progress"] == "本月已完成 2项"


def test_the_signing_body_and_date_under_the_last_item_are_left_out(tmp_path):
    document = read_text(tmp_path, "区委办公室（1项）\n1.领办项目：甲项目。工作进展：甲进展。\n\n中共元宝山区委办公室\n２０２１年8月24日\n")
    assert document.problems == ()
    assert values(document)[0]["progress"] == "甲进展。"
    assert document.facts[-1] == ("Lines 4-5 are a web page's furniture or footer (来源, 编辑, 打印本页 …): "
                                  "they were left out.")


def test_fields_in_brackets_after_the_title(tmp_path):
    document = read_text(tmp_path, "区委办公室（1项）\n1.下荒村路灯修复项目（责任领导：张三；完成时限：2021年12月底）\n"
                                   "工作进展：已全部更换完毕。\n")
    assert values(document) == [{"unit": "区委办公室", "number": "1", "title": "下荒村路灯修复项目", "lead": "张三",
                                 "due": "2021年12月底", "progress": "已全部更换完毕。"}]


def test_new_facts_in_chinese(tmp_path, chinese):
    document = read_text(tmp_path, "打印本页 关闭窗口\n区直部门\n区委办公室（1项）\n1.甲项目。工作进展：甲进展。\n来源：区政府办\n")
    assert document.facts[1:] == ("第2行「区直部门」是一组单位的名称，不是单位，未导入。",
                                  "第1、5行是网页的栏目、工具或页脚（来源、编辑、打印本页……），未导入。")


def test_a_bracket_closing_the_title_or_progress_is_a_status_only_when_it_holds_a_status_word(tmp_path):
    document = read_text(tmp_path, "区委办公室（3项）\n1、甲项目（已完成）。工作进展：已全部更换完毕。\n"
                                   "2、乙项目（一期）。工作进展：正在施工（预计10月完工）\n3、丙项目。工作进展：进度（80%）\n")
    assert [(p["title"], p["progress"], p.get("status")) for p in values(document)] == [
        ("甲项目", "已全部更换完毕。", "已完成"), ("乙项目（一期）", "正在施工（预计10月完工）", None), ("丙项目", "进度（80%）", None)]
