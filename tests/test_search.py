"""Search indexing: one record per project, folding of Traditional characters, safe data scripts."""

from __future__ import annotations

import json

from bulletin.loader import load_site
from bulletin.i18n import load_translator
from bulletin.layout import BUNDLED_TEMPLATES
from bulletin.search import (filter_vocabulary, index_body, index_document, offline_data_script, offline_rows,
                             search_records, search_tokens, t2s_script, to_simplified)
from conftest import write_site


def records_for(site_dir):
    site = load_site(site_dir)
    translator = load_translator(site.config.language, [BUNDLED_TEMPLATES], site_dir)
    return site, translator, search_records(site, translator)


def test_one_record_per_project_with_history_text(minimal_site):
    site, _, records = records_for(minimal_site)
    assert len(records) == len(site.histories) == 5
    by_url = {r.url: r for r in records}
    lamp = by_url["projects/u1/p1.html"]
    assert lamp.rounds == ("第一轮", "第二轮")
    assert lamp.status == "已完成" and lamp.latest_round == "第二轮"
    assert "正在采购灯泡" in lamp.text and "全部更换完毕" in lamp.text  # every round is searchable
    assert "全部更换完毕" in lamp.latest_text and "正在采购灯泡" not in lamp.latest_text
    dropped = by_url["projects/u1/p2.html"]
    # left out of the latest round: marked and counted as not reported, never as its last status
    assert dropped.latest_round == "第一轮" and dropped.status == "本轮未报告"


def test_traditional_folds_to_simplified_one_for_one():
    assert to_simplified("周口經濟開發區停車場") == "周口经济开发区停车场"
    assert to_simplified("开发区 ABC 123") == "开发区 ABC 123"
    text = "開發區路燈"
    assert len(to_simplified(text)) == len(text)


def test_tokens_are_prefix_free_character_pairs_of_the_folded_text():
    def pairs(text):
        codes = [f"{ord(c):05d}" for c in text] + ["00000"]
        return [f"a{a}{b}" for a, b in zip(codes, codes[1:])]

    assert search_tokens("星海社区") == pairs("星海社区")
    assert search_tokens("開發區") == search_tokens("开发区") == pairs("开发区")
    assert search_tokens("资金5000元, LED灯") == pairs("资金") + pairs("元") + pairs("灯") + ["c5000zz", "cledzz"]
    tokens = search_tokens("下荒村路灯损坏修复项目 5000 50 LED z zz az a lazy zy")
    assert not [a for a in tokens for b in tokens if a != b and b.startswith(a)]
    assert search_tokens("lazy") == ["clazyyzz"]


def test_index_document_escapes_and_carries_filters(minimal_site):
    _, _, records = records_for(minimal_site)
    record = records[0]
    document = index_document(index_body(record), "zh")
    assert 'data-pagefind-filter="unit:甲单位"' in document
    assert 'data-pagefind-filter="round:第一轮"' in document and 'data-pagefind-filter="round:第二轮"' in document
    assert 'data-pagefind-meta="text:' in document
    hostile = record.__class__(**{**record.__dict__, "title": '"><script>x</script>', "text": "<b>&"})
    document = index_document(index_body(hostile), "zh")
    assert "<script>" not in document and "<b>" not in document


def test_offline_data_is_a_classic_script_that_cannot_break_out(minimal_site):
    write_site(minimal_site, {"content/r2/u1.yaml": """
        projects:
          - id: p1
            title: "</script><script>alert(1)</script>"
            status: completed
            progress: "<!-- \\u2028 x"
        """})
    site, translator, records = records_for(minimal_site)
    vocabulary = filter_vocabulary(site, translator)
    rows = [row.encode("utf-8") for row in offline_rows(records, vocabulary)]
    script = offline_data_script(rows, vocabulary).decode("utf-8")
    assert script.startswith("window.BULLETIN_SEARCH_DATA = {") and script.endswith("};\n")
    assert "<" not in script and "\u2028" not in script
    data = json.loads(script[len("window.BULLETIN_SEARCH_DATA = "):-2])
    assert data["rounds"] == ["第一轮", "第二轮"]
    assert data["statuses"][:3] == ["未启动", "推进中", "已完成"]
    titles = [project[1] for project in data["projects"]]
    assert "</script><script>alert(1)</script>" in titles


def test_t2s_script_carries_the_table():
    script = t2s_script().decode("utf-8")
    table = json.loads(script[len("window.BULLETIN_T2S = "):-2])
    assert table["開"] == "开" and table["車"] == "车" and table["區"] == "区"
    assert all(len(k) == 1 and len(v) == 1 for k, v in table.items())
