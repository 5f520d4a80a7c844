"""Progress Markdown: formatting allowed, injection never."""

import pytest

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
