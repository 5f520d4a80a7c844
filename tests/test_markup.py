"""Progress Markdown: formatting allowed, injection never."""

import pytest

import nh3
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin import markup
from bulletin.markup import plain_text, render_markdown


def test_lists_emphasis_and_links_format():
    html = str(render_markdown("- 一\n- *二*\n\n[详情](https://example.org/a)"))
    assert "<ul>" in html and "<em>二</em>" in html
    assert '<a href="https://example.org/a"' in html


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil>",
])
def test_raw_html_is_shown_as_text_not_interpreted(payload):
    html = str(render_markdown(f"前 {payload} 后"))
    assert "<script" not in html and "<img" not in html and "<svg" not in html and "<iframe" not in html
    assert "&lt;" in html  # staff's text is kept, escaped
    assert "前" in html and "后" in html


@pytest.mark.parametrize("link", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>",
                                  "vbscript:msgbox(1)"])
def test_dangerous_link_schemes_are_removed(link):
    html = str(render_markdown(f"[点此]({link})"))
    assert "href" not in html
    assert "点此" in html


def test_images_become_their_description_and_load_nothing():
    html = str(render_markdown("![现场照片](https://evil.example/x.png)"))
    assert "<img" not in html and "evil" not in html
    assert "现场照片" in html


def test_template_syntax_is_plain_text():
    assert "{{ 7*7 }}" in str(render_markdown("{{ 7*7 }} {% if x %}"))


def test_line_breaks_are_kept():
    assert "<br" in str(render_markdown("第一行\n第二行"))


def test_plain_text_strips_formatting():
    assert plain_text("**已完成** <b>x</b>") == "已完成 <b>x</b>"


# --- the shortcut for plain one-line text ----------------------------------------------------------------------

def _slow(text: str) -> str:
    """What Markdown and the sanitizer make of the text, the shortcut bypassed."""
    markup._converter().reset()
    html = markup._converter().convert(text)
    return nh3.clean(html, tags=markup._ALLOWED_TAGS, attributes=markup._ALLOWED_ATTRIBUTES,
                     url_schemes=markup._URL_SCHEMES, link_rel="noopener noreferrer nofollow")


TRICKY = ["经实地走访，资金19000元。\n", "2.5万元", "1. 第一", "1) 第一", "1.", "- 一", "+ 一", "= 一", "# 标题",
          "> 引用", "a*b*", "a_b_", "`x`", "[a](b)", "![a](b)", "<b>", "a&amp;b", "a  ", " a", "\ta", "a\nb",
          "a\n\nb", "***", "---", "___", "a|b", "~~a~~", "\u3000全角空格开头", "结尾全角空格\u3000", "a\u00a0b",
          "引号\"和'撇号", "http://example.com", "www.example.com", "a:b", "（1）括号", "①②", "100%", "a#b",
          "\\转义", "x\u2028y", "", "\n", "5000", "19.5米"]


@pytest.mark.parametrize("text", TRICKY)
def test_the_plain_line_shortcut_agrees_with_markdown(text):
    assert str(markup.render_markdown.__wrapped__(text)) == _slow(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("路灯社区改造资金元，。；：、（）“”0123456789abcXYZ .,:;()'\"%/#=+-*_`[]!<>&|~\\\t\n\u3000\u00a0")),
               max_size=40))
def test_the_plain_line_shortcut_agrees_with_markdown_on_any_text(text):
    assert str(markup.render_markdown.__wrapped__(text)) == _slow(text)
    assert markup.plain_text.__wrapped__(text) == nh3.clean(_slow(text), tags=set()).replace("&amp;", "&").replace(
        "&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&#39;", "'")


# --- bounded work: the inline pass resumes after each match -------------------------------------------------

def _stock_converter():
    """Python-Markdown as shipped, with our other settings: the reference for _LinearInlineProcessor."""
    import markdown

    class Stock(markdown.Extension):
        def extendMarkdown(self, md):
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")
            md.treeprocessors.register(markup._ImagesToText(md), "images_to_text", 0)
    return markdown.Markdown(extensions=[Stock(), "nl2br", "sane_lists"], output_format="html")


def test_resuming_after_each_match_renders_as_python_markdown_does():
    """Upstream searches a paragraph again from its start after every match (time n * m);
    resuming after the match must find the same matches. Checked on the sample's progress
    texts and on short texts dense with Markdown (a seeded corpus, so it cannot flake)."""
    import random
    from pathlib import Path

    import yaml

    stock, linear = _stock_converter(), markup._converter.__wrapped__()
    texts = [project["progress"] for path in sorted(Path(__file__).resolve().parent.parent.glob("content/*/*.yaml"))
             for project in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("projects", [])]
    pieces = list("路灯a b1 .()'\"*_`[]!<>&\\\n-+>#:/") + ["](", "[a](b)", "**", "`x`", "<http://a.b>", "\n\n",
                                                          "- ", "1. ", "> ", "    ", "[a]: /x\n", "[a]"]
    chosen = random.Random(20210824)
    texts += ["".join(chosen.choice(pieces) for _ in range(chosen.randint(1, 30))) for _ in range(3000)]
    for text in texts:
        stock.reset()
        linear.reset()
        assert linear.convert(text) == stock.convert(text), repr(text)


@pytest.mark.parametrize("text", [
    "- 一\n- 二\n  - 三\n\n1. 第一\n2. 第二", "> 引用\n> > 再引用", "[详情](https://example.org/a) [附件[2021]5号](b)",
    "`代码` ``双`` ```三```", "区间[0,100)", "见[1][2][3]", "\\[转义" * 50, "【】" * 100,
    "[" * 10 + "正文", "`" * 10 + "x" + "`" * 10, "- " * 20 + "深",
])
def test_ordinary_markdown_is_within_the_limits(text):
    assert markup.markdown_problem(text) is None


@pytest.mark.parametrize("text, message", [
    ("`" * 11, "line 1, column 1 of the text: 11 backticks (`) in a row; at most 10"),
    ("正文\n\n" + "[" * 11, "line 3, column 11 of the text: more than 10 '[' are open here (nested, or never closed"),
    ("[a](" * 11, "line 1, column 43 of the text: more than 10 link addresses ('](') are open here"),
    ("- " * 21 + "深", "line 1 of the text: lists or quotes nested more than 20 levels deep"),
    ("a\n" + " " * 84 + "b", "line 2 of the text: lists or quotes nested more than 20 levels deep"),
])
def test_markdown_that_would_stall_a_build_is_named_with_where_it_is(text, message):
    assert markup.markdown_problem(text).startswith(message)


def test_brackets_inside_code_or_escaped_do_not_count():
    assert markup.markdown_problem("`[[[[[[[[[[[[`" + " \\[" * 20) is None
