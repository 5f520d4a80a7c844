"""Unit files as staff write them: text kept as typed, statuses by key or by the label the site shows."""

from __future__ import annotations

from bs4 import BeautifulSoup

from conftest import run_cli, write_site


def text_of(path) -> str:
    return " ".join(BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text(" ").split())


def test_text_fields_keep_what_staff_typed_whatever_yaml_would_guess(minimal_site, tmp_path):
    settings = minimal_site / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("phone: 0000-1234567", "phone: 12345"),
                        encoding="utf-8")
    write_site(minimal_site, {"content/r2/u1.yaml": """
        projects:
          - id: 0755
            title: 2023
            status: 已完成
            progress: 全部完成
            lead: NO
            location: 1.10
          - id: p4
            title: 新项目
            status: 推进中
            progress: 2021-08-24
        """})
    checked = run_cli("check", "--site", str(minimal_site))
    assert checked.returncode == 0, checked.stderr
    out = tmp_path / "public"
    built = run_cli("build", "--site", str(minimal_site), "--out", str(out), "--no-search")
    assert built.returncode == 0, built.stderr
    page = text_of(out / "rounds/r2/u1.html")
    assert "12345" in page  # the national hotline, not a number to reformat
    assert "2023" in page and "NO" in page and "1.10" in page and "2021-08-24" in page
    assert "已完成" in page and "推进中" in page
    assert (out / "projects/u1/0755.html").is_file()  # `id: 0755` is not the octal 493
    rows = (out / "data/rounds/r2.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[1].startswith("r2,第二轮,2021-08-24,u1,甲单位,区直部门,1,0755,true,2023,completed,已完成,全部完成,NO,,1.10,")


def test_a_status_that_is_neither_a_key_nor_a_label_still_gets_a_hint(minimal_site):
    write_site(minimal_site, {"content/r2/u1.yaml": """
        projects:
          - id: p1
            title: 路灯
            status: 进行中
            progress: x
        """})
    checked = run_cli("check", "--site", str(minimal_site))
    assert checked.returncode == 1
    assert "'进行中' is not one of not_started, in_progress, completed, suspended, cancelled (did you mean " \
           "'in_progress'?)" in checked.stderr
