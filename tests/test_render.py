"""The template environment (render.make_environment): what Jinja2's own sandbox would render,
the same bytes, with the sandbox's answers kept and includes handed on without a loop."""

from __future__ import annotations

import dataclasses

import jinja2
import jinja2.sandbox
import pytest

from bulletin.render import make_environment

PARTIALS = {
    "partials/badge.html": '<span class="b-{{ status }}">{{ label }}</span>',
    "partials/list.html": "{% for item in items %}{% include 'partials/badge.html' %}{% endfor %}",
    "partials/rule.html": "<hr>{{ status is defined }}",
}

# Every place an {% include %} can stand: the new code path and the ones left to Jinja.
TEMPLATES = {
    "top level": "{% set status = 'done' %}{% include 'partials/badge.html' %}",
    "in a loop": "{% for status in ['a', 'b'] %}[{% include 'partials/badge.html' %}]{% endfor %}",
    "with locals": "{% with status = 'x', label = '<b>' %}{% include 'partials/badge.html' %}{% endwith %}",
    "nested includes": "{% with items = [1, 2, 3], status = 's' %}{% include 'partials/list.html' %}{% endwith %}",
    "captured by set": "{% set status = 'c' %}{% set caught %}{% include 'partials/badge.html' %}{% endset %}"
                       "{{ caught|length }}:{{ caught }}",
    "inside a macro": "{% macro m(status) %}({% include 'partials/badge.html' %}){% endmacro %}{{ m('q') }}{{ m('r') }}",
    "inside a filter block": "{% set status = 'f' %}{% filter upper %}{% include 'partials/badge.html' %}{% endfilter %}",
    "ignore missing": "{% include 'partials/none.html' ignore missing %}|{% set status = 'i' %}"
                      "{% include 'partials/badge.html' ignore missing %}",
    "a list of names": "{% set status = 'l' %}{% include ['partials/none.html', 'partials/badge.html'] %}",
    "a name in a variable": "{% set name = 'partials/badge.html' %}{% set status = 'v' %}{% include name %}",
    "without context": "{% set status = 'w' %}{% include 'partials/rule.html' without context %}",
    "in a child block": "{% extends 'base.html' %}{% block body %}{% set status = 'k' %}"
                        "{% include 'partials/badge.html' %}{% endblock %}",
}


@dataclasses.dataclass(frozen=True)
class Record:
    title: str
    count: int

    @property
    def doubled(self) -> int:
        return self.count * 2

    @property
    def broken(self) -> int:
        raise AttributeError("no such value")

    def greeting(self, name: str) -> str:
        return f"{self.title}, {name}"


Record.__module__ = "bulletin.records"  # read straight away once let through, as our model's records are


def _environments(folder):
    for name, text in {**PARTIALS, "base.html": "<main>{% block body %}{% endblock %}</main>"}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    ours = make_environment([folder])
    plain = jinja2.sandbox.SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True,
                                                undefined=jinja2.StrictUndefined, trim_blocks=True,
                                                lstrip_blocks=True, keep_trailing_newline=True)
    return ours, plain


@pytest.mark.parametrize("case", sorted(TEMPLATES))
def test_an_include_renders_as_jinjas_own_sandbox_renders_it(tmp_path, case):
    ours, plain = _environments(tmp_path)
    values = {"label": "标签 & <i>", "status": "outer"}
    expected = plain.from_string(TEMPLATES[case]).render(values)
    assert ours.from_string(TEMPLATES[case]).render(values) == expected
    assert "<i>" not in expected  # escaped in both


def test_fields_properties_methods_and_dict_keys_read_as_jinja_reads_them(tmp_path):
    ours, plain = _environments(tmp_path)
    template = ("{{ r.title }} {{ r.count }} {{ r.doubled }} {{ r.greeting('区') }} {{ d.title }} "
                "{{ d['count'] }} {{ d.items()|list|length }} {{ d.get('title') }}"
                "{% for x in [r, r] %}{{ x.title }}{% endfor %}{{ d.missing is defined }}{{ r.broken is defined }}")
    values = {"r": Record("<标题>", 3), "d": {"title": "字典", "count": 2, "items": "shadowed by the method"}}
    for _ in range(2):  # the second time from what the sandbox remembered
        assert ours.from_string(template).render(values) == plain.from_string(template).render(values)


@pytest.mark.parametrize("payload", [
    "{{ r.title }}{{ r.__class__ }}",
    "{{ r.greeting('x') }}{{ r.greeting.__func__.__globals__ }}",
    "{{ r.count }}{{ r.__dataclass_fields__ }}",
    "{{ d.title }}{{ d.__class__.__mro__ }}",
    "{{ r.title }}{{ '{0.__class__}'.format(r) }}",
])
def test_what_was_let_through_once_does_not_open_the_rest(tmp_path, payload):
    ours, _ = _environments(tmp_path)
    values = {"r": Record("t", 1), "d": {"title": "x"}}
    for _ in range(2):
        with pytest.raises(jinja2.sandbox.SecurityError):
            ours.from_string(payload).render(values)
