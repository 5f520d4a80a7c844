#!/usr/bin/env python3
"""A staff ledger (台账) workbook of a generated site's next round, for the import benchmark.

    python3 bench/ledger.py SITE OUT.xlsx --rows 10000

SITE is a site written by bench/generate.py (use --distinct-titles: a real list does not name
two projects alike). OUT.xlsx holds one sheet for the whole district with a unit column, as
offices keep it: a title row merged across the width, then the header, then one row per
project, SITE's units in their order. Each unit's projects of SITE's latest round come back with
a new progress text and a status as staff write it (完成, 已办结, 进行中, 正在推进 …); a few are
dropped, a few retitled slightly (the importer must match them to their history by similarity),
and new ones fill the sheet up to --rows. Realistic Chinese text lengths (progress of 40 to 200
characters), funding in 万元 from the header, a due date as a date cell or a month as text, and
an unknown column (备注). No id column: a real ledger has none.

The same SITE, --rows and --seed always give the same bytes (fixed document properties).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

import xlsxwriter
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import ACTIONS, CATEGORIES, PLACES, SENTENCES, THINGS  # noqa: E402

TITLE = "合成区2024年民生实事项目推进台账"
HEADER = ("序号", "责任单位", "类别", "项目名称", "实施地点", "总投资（万元）", "完成时限", "工作进展", "领办人", "状态",
          "备注")
# How staff write a status in their own sheets, weighted roughly as seen.
STATUS_WORDS = (("已完成", 30), ("完成", 8), ("已办结", 4), ("推进中", 25), ("进行中", 12), ("正在推进", 6),
                ("未启动", 10), ("暂缓", 3), ("已取消", 2))
NEW_SENTENCES = [
    "本季度已完成{done}{measure}，累计完成计划的{percent}%。",
    "经与{place}居民代表座谈，进一步明确了实施方案和时间节点。",
    "项目资金已全部拨付到位，施工单位正在按照进度计划组织施工。",
    "针对群众反映的问题，已建立工作台账，实行销号管理，确保件件有落实、事事有回音。",
    "下一步将加强与住建、交通等部门的沟通协调，确保项目按期完成。",
    "已于{month}月底前完成主体工程，正在进行扫尾和验收准备工作。",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "建国华明军平伟芳丽强磊洋艳勇杰娟涛超秀霞刚桂英红玉兰海燕志永春雪梅立新文利君日昕"
DROPPED = 0.02  # of a unit's projects, left out of the ledger
RETITLED = 0.03  # of a unit's projects, retitled slightly


def progress_text(rng: random.Random, place: str, measure: str) -> str:
    sentences = rng.sample(SENTENCES[1:], rng.randint(1, 3)) + rng.sample(NEW_SENTENCES, rng.randint(1, 4))
    values = {"place": place, "unit": "我单位", "thing": rng.choice(THINGS)[0], "action": rng.choice(ACTIONS),
              "amount": rng.randint(2, 300) * 1000, "done": rng.randint(1, 400), "measure": measure,
              "percent": rng.randint(10, 100), "month": rng.randint(1, 12)}
    return "".join(s.format(**values) for s in sentences)


def retitled(title: str, rng: random.Random) -> str:
    """A small rewording staff make between rounds."""
    if title.endswith("项目"):
        return title[:-2] + rng.choice(("工程", "工作", "建设项目"))
    return title + "工程"


def read_site(site: Path) -> tuple[list[str], list[list[dict]]]:
    """The units' names, and each unit's projects in the site's latest round."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    config = yaml.load((site / "site.yaml").read_text(encoding="utf-8"), Loader=loader)
    latest = config["rounds"][-1]["id"]
    units = yaml.load((site / "content/units.yaml").read_text(encoding="utf-8"), Loader=loader)["units"]
    projects = []
    for unit in units:
        path = site / "content" / latest / f"{unit['id']}.yaml"
        found = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) if path.is_file() else None
        projects.append((found or {}).get("projects") or [])
    return [unit["name"] for unit in units], projects


def ledger_rows(names: list[str], projects: list[list[dict]], rows: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    kept: list[list[dict]] = [[p for p in unit if rng.random() >= DROPPED] for unit in projects]
    missing = max(0, rows - sum(len(unit) for unit in kept))
    new_per_unit = [missing // len(names) + (1 if u < missing % len(names) else 0) for u in range(len(names))]
    # cut from the end of the last units when the site already has more projects than rows
    excess = max(0, sum(len(unit) for unit in kept) - rows)
    for unit in reversed(kept):
        cut = min(excess, len(unit))
        del unit[len(unit) - cut:]
        excess -= cut
    statuses = [word for word, weight in STATUS_WORDS for _ in range(weight)]
    found = []
    for u, name in enumerate(names):
        taken = set()
        unit_rows = []
        for project in kept[u]:
            title = project["title"]
            if rng.random() < RETITLED:
                title = retitled(title, rng)
            taken.add(title)
            unit_rows.append((title, project.get("category", rng.choice(CATEGORIES)),
                              project.get("location", rng.choice(PLACES)),
                              (project.get("funding") or {}).get("amount")))
        number = 0
        while len(unit_rows) < len(kept[u]) + new_per_unit[u]:
            number += 1
            place, (thing, _measure) = rng.choice(PLACES), rng.choice(THINGS)
            title = f"{place}{thing}{rng.choice(ACTIONS)}民生实事项目"
            if title in taken:
                title = title[:-2] + f"（第{number}批）项目"
            taken.add(title)
            unit_rows.append((title, rng.choice(CATEGORIES), place, rng.randint(2, 300) * 1000))
        for title, category, location, amount in unit_rows:
            measure = rng.choice(THINGS)[1]
            due = (dt.date(2024, rng.randint(6, 12), 1) + dt.timedelta(days=rng.randint(0, 27))
                   if rng.random() < 0.6 else f"2024-{rng.randint(6, 12):02d}")
            lead = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
            note = rng.choice(("", "", "", "", "人大票决项目", "跨年度项目", "已纳入年度考核"))
            found.append((name, category, title, location, round(amount / 10000, 2) if amount else None, due,
                          progress_text(rng, location, measure), lead, rng.choice(statuses), note))
    return found


def write_ledger(out: Path, rows: list[tuple]) -> None:
    workbook = xlsxwriter.Workbook(str(out), {"strings_to_numbers": False, "strings_to_formulas": False,
                                              "strings_to_urls": False})
    workbook.set_properties({"title": TITLE, "author": "合成区人民政府办公室",
                             "created": dt.datetime(2024, 6, 30)})
    sheet = workbook.add_worksheet("项目清单")
    title = workbook.add_format({"bold": True, "font_size": 16, "align": "center"})
    head = workbook.add_format({"bold": True, "border": 1, "align": "center", "text_wrap": True})
    text = workbook.add_format({"text_wrap": True, "valign": "top"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    sheet.merge_range(0, 0, 0, len(HEADER) - 1, TITLE, title)
    for column, name in enumerate(HEADER):
        sheet.write_string(1, column, name, head)
    for index, (unit, category, name, location, amount, due, progress, lead, status, note) in enumerate(rows):
        row = index + 2
        sheet.write_number(row, 0, index + 1)
        for column, value in ((1, unit), (2, category), (3, name), (4, location), (7, progress), (8, lead),
                              (9, status), (10, note)):
            if value:
                sheet.write_string(row, column, value, text)
        if amount is not None:
            sheet.write_number(row, 5, amount)
        if isinstance(due, dt.date):
            sheet.write_datetime(row, 6, dt.datetime.combine(due, dt.time()), date)
        else:
            sheet.write_string(row, 6, due)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 4, 18)
    sheet.set_column(7, 7, 60)
    sheet.freeze_panes(2, 0)
    workbook.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="a site written by bench/generate.py")
    parser.add_argument("out", type=Path, help="the workbook to write (.xlsx)")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    names, projects = read_site(args.site)
    rows = ledger_rows(names, projects, args.rows, args.seed)
    write_ledger(args.out, rows)
    print(f"{args.out}: {len(rows)} rows, {len(names)} units")


if __name__ == "__main__":
    main()
