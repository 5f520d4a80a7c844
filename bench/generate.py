"""Deterministic synthetic content at a realistic scale, for benchmarks and size figures.

    python3 bench/generate.py OUT_DIR --units 60 --projects 1200 --rounds 6

writes OUT_DIR/site.yaml and OUT_DIR/content/: Chinese titles and progress of
realistic length, statuses that move over the rounds, targets and funding,
and a few projects dropped and added between rounds. The same arguments always
give the same files.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

PLACES = ["下荒村", "锦绣社区", "宝山仕家", "英河社区", "新景村", "银河社区", "西六家村", "四道井子村", "惠宁东社区",
          "宝山路社区", "星海社区", "哈河街", "平庄镇", "五家镇", "美丽河镇", "风水沟镇", "古山镇", "小五家乡"]
THINGS = [("路灯", "盏"), ("车位", "个"), ("垃圾清运点", "处"), ("供暖管网", "米"), ("健身器材", "套"),
          ("宣传栏", "块"), ("排水沟", "米"), ("便民座椅", "个"), ("充电桩", "个"), ("监控探头", "个"),
          ("书籍", "册"), ("护栏", "米"), ("公厕", "座"), ("饮水管道", "米"), ("绿化带", "平方米")]
ACTIONS = ["修复", "新建", "改造提升", "规划", "增设", "清理整治", "更换", "维护"]
CATEGORIES = ["人居环境", "交通停车", "基层治理", "产业发展", "公共服务", "文体设施", "民生保障"]
UNIT_KINDS = [("镇", "镇乡街"), ("街道办事处", "镇乡街"), ("局", "区直部门"), ("委员会", "区直部门"), ("办公室", "区直部门")]
UNIT_STEMS = ["住建", "交通运输", "农牧业", "民政", "卫生健康", "教育", "文化旅游", "应急管理", "生态环境", "自然资源",
              "市场监管", "公安", "司法", "财政", "人社", "水利", "林业和草原", "医保", "统计", "商务"]
SENTENCES = [
    "经实地走访，{place}群众反映{thing}问题较为突出，影响居民日常生活。",
    "{unit}召开专题会议研究部署，明确责任人和完成时限。",
    "已协调相关部门筹集资金{amount}元，用于{thing}{action}。",
    "目前已完成{done}{measure}，剩余部分正在加紧推进。",
    "施工单位已进场，计划于年内全部完工并投入使用。",
    "下一步将持续跟踪问效，确保群众满意。",
    "已组织居民代表进行验收，群众满意度较高。",
    "因资金尚未到位，项目暂缓实施，待条件成熟后继续推进。",
]
STATUS_FLOW = ["not_started", "in_progress", "in_progress", "completed"]
PHASES = "一二三四五六七八九十"


def unit_name(u: int) -> str:
    """The name of the u-th unit (0-based), as units.yaml lists it: bench/ledger.py names units the same way."""
    stem = UNIT_STEMS[u % len(UNIT_STEMS)]
    kind, _group = UNIT_KINDS[u % len(UNIT_KINDS)]
    return f"{stem}{kind}{u // len(UNIT_STEMS) + 1}"


def generate(out: Path, units: int, projects: int, rounds: int, seed: int = 2021,
             distinct_titles: bool = False) -> None:
    """distinct_titles: a title repeated within a unit gets （二期）, （三期）… as real lists do (off by
    default, so the benchmark's content stays what it was)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "content").mkdir(exist_ok=True)
    round_ids = [f"r{i + 1}" for i in range(rounds)]
    lines = ["title: 合成区民生实事项目公示", "publisher: 合成区人民政府办公室",
             "supervision:", "  phone: 0000-1234567", "  note: 欢迎社会各界监督", "rounds:"]
    for i, round_id in enumerate(round_ids):
        lines += [f"  - id: {round_id}", f"    title: 第{i + 1}轮公布", f"    date: 2022-{i * 2 + 1:02d}-15"]
    (out / "site.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    unit_lines = ["units:"]
    unit_ids = []
    unit_names = []
    for u in range(units):
        _kind, group = UNIT_KINDS[u % len(UNIT_KINDS)]
        unit_id = f"u{u + 1:04d}"
        unit_ids.append(unit_id)
        unit_names.append(unit_name(u))
        unit_lines += [f"  - id: {unit_id}", f"    name: {unit_names[-1]}",
                       f"    group: {group}", f"    order: {u + 1}"]
    (out / "content/units.yaml").write_text("\n".join(unit_lines) + "\n", encoding="utf-8")

    per_unit = [projects // units + (1 if u < projects % units else 0) for u in range(units)]
    for u, unit_id in enumerate(unit_ids):
        plans = []
        titles: dict[str, int] = {}
        for p in range(per_unit[u]):
            thing, measure = rng.choice(THINGS)
            plans.append({
                "id": f"p{p + 1:03d}", "place": rng.choice(PLACES), "thing": thing, "measure": measure,
                "action": rng.choice(ACTIONS), "category": rng.choice(CATEGORIES),
                "planned": rng.randint(5, 500), "amount": rng.randint(2, 300) * 1000,
                "start": rng.randint(0, max(0, rounds // 3)), "drop": rng.random() < 0.03,
                "speed": rng.randint(1, 3),
            })
            plan = plans[-1]
            title = f"{plan['place']}{plan['thing']}{plan['action']}项目"
            titles[title] = titles.get(title, 0) + 1
            if distinct_titles and titles[title] > 1:
                count = titles[title]
                title += f"（{PHASES[count - 1] if count <= len(PHASES) else count}期）"
            plan["title"] = title
        for r, round_id in enumerate(round_ids):
            folder = out / "content" / round_id
            folder.mkdir(exist_ok=True)
            body = ["projects:"]
            for plan in plans:
                if r < plan["start"] or (plan["drop"] and r >= rounds - 1):
                    continue
                age = r - plan["start"]
                status = STATUS_FLOW[min(len(STATUS_FLOW) - 1, age * plan["speed"] // 2)]
                done = min(plan["planned"], plan["planned"] * (age + 1) * plan["speed"] // 6)
                values = {**plan, "done": done, "unit": unit_names[u]}
                sentences = [SENTENCES[0], SENTENCES[1]] + SENTENCES[2:2 + min(4, age + 1)]
                progress = "".join(s.format(**values) for s in sentences)
                body += [
                    f"  - id: {plan['id']}",
                    f"    title: {plan['title']}",
                    f"    status: {status}",
                    f"    progress: {progress}",
                    f"    location: {plan['place']}",
                    f"    category: {plan['category']}",
                    f"    funding: {{amount: {plan['amount']}, unit: 元}}",
                    f"    target: {{name: {plan['thing']}{plan['action']}, planned: {plan['planned']}, "
                    f"done: {done}, unit: {plan['measure']}}}",
                ]
            (folder / f"{unit_id}.yaml").write_text("\n".join(body) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--units", type=int, default=60)
    parser.add_argument("--projects", type=int, default=1200)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--distinct-titles", action="store_true",
                        help="no title twice within a unit (the import benchmark matches projects by title)")
    args = parser.parse_args()
    generate(args.out, args.units, args.projects, args.rounds, args.seed, args.distinct_titles)


if __name__ == "__main__":
    main()
