"""The demo county's 三本: some eight weeks of 民情日记, a few reflections, and 我为群众办实事 records.

Most serving secretaries keep a log, on some days and not others (weekends seldom, a week away now and then:
no one is made to write every day); a few keep none in the system. Service records of every kind add up to
what the articles report for a county ("累计开展义诊活动60余场……走访慰问党员、群众1600余户").
The demo secretary's last few days are within the edit window, and today is left for them to write.
"""

import datetime
import random

from django.utils import timezone

from secretaries.models import Assignment
from worklogs.models import ServiceKind, ServiceRecord, Summary, Tag, WorkLog

WEEKS = 8
KEEPS_NO_LOG = 0.1  # share of secretaries with no logs in the system
TIME = datetime.time(20, 30)  # logs are written in the evening

DOINGS = {
    Tag.VISIT: ["入户走访{n}户，重点了解{topic}情况", "走访{n}户脱贫户和监测户，逐户核对{topic}",
                "随网格员走访{n}户，听取群众对{topic}的意见"],
    Tag.MEETING: ["召开村“两委”会议，研究{topic}", "参加镇里驻村工作调度会，汇报{topic}进展",
                  "组织党员议事会，商议{topic}"],
    Tag.INDUSTRY: ["到大蒜冷库和合作社了解{topic}", "对接派出单位，推介本村{topic}", "陪同技术员查看大棚，指导{topic}"],
    Tag.PARTY: ["组织主题党日，学习{topic}", "给党员上党课，讲{topic}", "整理党建台账，准备{topic}"],
    Tag.GOVERNANCE: ["协调处理{topic}", "参与调解{topic}", "检查村容村貌，督促整改{topic}"],
    Tag.PROJECT: ["到施工现场查看{topic}进度", "向县里申报{topic}", "和施工方商定{topic}工期"],
    Tag.SERVICE: ["在便民服务中心坐班，帮群众办理{topic}", "为行动不便的老人代办{topic}"],
}
TOPICS = {
    Tag.VISIT: ["春耕用工", "看病就医", "子女上学", "务工收入", "住房安全", "饮水安全", "医保缴费"],
    Tag.MEETING: ["集体经济增收", "村内道路硬化", "大蒜产业提升", "人居环境整治", "年度帮扶计划"],
    Tag.INDUSTRY: ["大蒜收储行情", "香瓜大棚销路", "辣椒烘干", "食用菌种植", "电商直播带货"],
    Tag.PARTY: ["党的二十大精神", "新修订的党章", "发展党员工作", "“三会一课”记录"],
    Tag.GOVERNANCE: ["邻里宅基地纠纷", "排水沟堵塞", "秸秆禁烧巡查中发现的问题", "乱堆乱放"],
    Tag.PROJECT: ["光伏发电项目", "村内道路硬化", "冷库建设", "文化广场"],
    Tag.SERVICE: ["医保报销", "养老认证", "残疾证年审", "低保申请"],
}
CLOSINGS = ["群众反映的问题已记录在册，能办的当场办。", "需协调的事项已报镇里。", "明天继续跟进。", "",
            "已和派出单位沟通，争取支持。"]
REFLECTIONS = [
    "本周以入户走访为主，群众最关心的还是务工和看病问题。下周重点对接派出单位，争取技能培训进村。",
    "集体经济项目推进比预想慢，卡在用地手续上。下周到镇里专题汇报，争取尽快落地。",
    "走访中收集的问题大多当场解决，个别涉及跨部门的已列清单跟踪。下步把群众诉求办理情况在村务公开栏公示。",
    "这周主要精力放在大蒜收储和销路上，和两家商超谈了订单。体会是产业要靠市场，不能只靠帮扶资金。",
    "党员议事会开得比较成功，年轻党员发言多了。下步把主题党日和志愿服务结合起来。",
    "本月走访覆盖了大部分脱贫户和监测户，没有发现返贫风险。下月重点抓人居环境整治和冬季安全。",
]
SERVICES = {
    ServiceKind.CLINIC: (["联合县人民医院开展“爱心义诊村村到”活动", "组织镇卫生院专家进村义诊", "中医义诊进农家",
                          "为老年人免费测血压、血糖", "派出单位医疗队进村义诊"], (30, 120)),
    ServiceKind.OPERA: (["县文化馆送戏下乡惠民演出", "山东梆子《墙头记》送戏进村", "四平调专场演出进村",
                         "庆丰收文艺演出"], (150, 600)),
    ServiceKind.VISIT: (["走访慰问困难党员", "走访慰问老党员、困难群众", "走访慰问留守老人和困境儿童",
                         "与派出单位共同走访慰问脱贫户"], (8, 30)),
    ServiceKind.RECEPTION: (["第一书记接待日", "“书记接待日”现场办公", "便民服务中心接待日"], (6, 30)),
    ServiceKind.APPEAL: (["协调解决村内道路积水问题", "帮助群众办理医保报销", "协调修复村内路灯",
                          "调解邻里宅基地纠纷", "协调解决灌溉用电问题", "帮助务工人员追讨欠薪"], (1, 6)),
    ServiceKind.OTHER: (["心理健康知识讲座", "农技培训：大蒜绿色高效种植", "政策宣讲进农家", "防溺水安全教育进校园",
                         "反诈宣传进村入户"], (20, 90)),
}
# Records of each kind over the weeks shown (the 走访慰问 count follows from the households: see visit_records).
SERVICE_COUNTS = {ServiceKind.CLINIC: (60, 66), ServiceKind.OPERA: (15, 22), ServiceKind.RECEPTION: (30, 45),
                  ServiceKind.APPEAL: (60, 90), ServiceKind.OTHER: (20, 28)}
VISIT_HOUSEHOLDS = (1605, 1660)


def ensure_demo_worklogs(county, accounts, *, seed, today, log):
    """Leave a county that already has logs alone; otherwise write the last WEEKS weeks."""
    if county is None or WorkLog.objects.filter(village__region__path__startswith=county.path).exists():
        return
    rng = random.Random(f"{seed}:{county.code or county.pk}:worklogs")
    demo_user = next((user for user, _ in accounts if user.role == "secretary"), None)
    serving = list(
        Assignment.objects.active().filter(village__region__path__startswith=county.path)
        .select_related("secretary", "village__region").order_by("village__region__path", "pk")
    )
    first_day = today - datetime.timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    logs = []
    for assignment in serving:
        demo = demo_user is not None and assignment.secretary.user_id == demo_user.pk
        if not demo and rng.random() < KEEPS_NO_LOG:
            continue
        logs += person_logs(rng, assignment, max(first_day, assignment.start_date), today, demo=demo)
    WorkLog.objects.bulk_create(logs, batch_size=2000)
    summaries = reflections(rng, logs, today)
    Summary.objects.bulk_create(summaries, batch_size=2000)
    records = service_records(rng, serving, logs, first_day, today)
    ServiceRecord.objects.bulk_create(records, batch_size=2000)
    log(f"三本演示数据：{county.name}近{WEEKS}周民情日记 {len(logs)} 篇、周总结和月交流 {len(summaries)} 篇、"
        f"办实事记录 {len(records)} 条。")


def written_at(day, rng):
    moment = datetime.datetime.combine(day, TIME) + datetime.timedelta(minutes=rng.randint(-150, 90))
    return timezone.make_aware(moment)


def person_logs(rng, assignment, first, today, *, demo):
    """One person's logs: weekdays more often than weekends, at their own pace, sometimes a week away."""
    pace = rng.uniform(0.45, 0.85)
    away = rng.randrange(8 * 7) if rng.random() < 0.3 else None
    logs, backlog = [], 0
    day = first
    while day < today:
        gone = away is not None and away <= (day - first).days < away + 7
        chance = (pace if day.weekday() < 5 else 0.1) * (0 if gone else 1)
        if demo and (today - day).days in (1, 3):
            chance = 1  # something for the demo account to correct
        if rng.random() < chance:
            entry, backlog = day_log(rng, assignment, day, backlog)
            logs.append(entry)
        day += datetime.timedelta(days=1)
    return logs


def day_log(rng, assignment, day, backlog):
    tags = rng.sample(list(DOINGS), k=rng.choice((1, 1, 2)))
    if rng.random() < 0.6 and Tag.VISIT not in tags:
        tags.insert(0, Tag.VISIT)
    households = rng.randint(3, 12) if Tag.VISIT in tags else rng.choice((0, 0, 1, 2))
    raised = rng.choice((0, 0, 1, 1, 2, 3)) if households else rng.choice((0, 1))
    solved = min(backlog + raised, rng.choice((0, 1, 1, 2)))
    parts = []
    for tag in tags:
        doing = rng.choice(DOINGS[tag]).format(n=households or 1, topic=rng.choice(TOPICS[tag]))
        parts.append(doing)
    closing = rng.choice(CLOSINGS)
    text = f"{'；'.join(parts)}。" + (f"收集问题{raised}个，解决{solved}个。" if raised or solved else "") + closing
    written = written_at(day, rng)
    entry = WorkLog(secretary=assignment.secretary, village=assignment.village, date=day, text=text,
                    households_visited=households, problems_raised=raised, problems_solved=solved,
                    tags=",".join(tag.value for tag in Tag if tag in tags), created_at=written, updated_at=written)
    return entry, backlog + raised - solved


def reflections(rng, logs, today):
    """A reflection for some of the finished weeks with logs, and the last full month for about half."""
    weeks, months = {}, {}
    for entry in logs:
        monday = entry.date - datetime.timedelta(days=entry.date.weekday())
        weeks.setdefault((entry.secretary_id, monday), entry)
        months.setdefault((entry.secretary_id, entry.date.replace(day=1)), entry)
    this_week = today - datetime.timedelta(days=today.weekday())
    made = []
    for (_, monday), entry in weeks.items():
        if monday < this_week and rng.random() < 0.35:
            made.append(summary(rng, entry, "week", monday, monday + datetime.timedelta(days=6)))
    for (_, first), entry in months.items():
        if first < today.replace(day=1) and rng.random() < 0.5:
            last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
            made.append(summary(rng, entry, "month", first, last))
    return made


def summary(rng, entry, kind, start, end):
    written = written_at(end, rng)
    return Summary(secretary_id=entry.secretary_id, village_id=entry.village_id, kind=kind, period_start=start,
                   text=rng.choice(REFLECTIONS), created_at=written, updated_at=written)


def service_records(rng, serving, logs, first_day, today):
    """Records of every kind spread over the people and the weeks; a record on a day with a log links to it."""
    if not serving:
        return []
    by_day = {(entry.secretary_id, entry.date): entry for entry in logs}
    neighbours = {}
    for assignment in serving:
        neighbours.setdefault(assignment.village.region.parent_id, []).append(assignment.village)
    span = (today - first_day).days
    records = []
    plan = [(kind, rng.randint(*counts)) for kind, counts in SERVICE_COUNTS.items()]
    plan.append((ServiceKind.VISIT, None))
    for kind, count in plan:
        titles, served_range = SERVICES[kind]
        for served in visit_households(rng, served_range) if count is None else (
                rng.randint(*served_range) for _ in range(count)):
            assignment = rng.choice(serving)
            day = max(first_day + datetime.timedelta(days=rng.randrange(span)), assignment.start_date)
            village = assignment.village
            if rng.random() < 0.2:
                village = rng.choice(neighbours[assignment.village.region.parent_id])
            written = written_at(day, rng)
            records.append(ServiceRecord(
                secretary=assignment.secretary, village=village, kind=kind, date=day, title=rng.choice(titles),
                people_served=served, work_log=by_day.get((assignment.secretary_id, day)),
                created_at=written, updated_at=written))
    return records


def visit_households(rng, served_range):
    """Households per 走访慰问 record, adding up to a total of VISIT_HOUSEHOLDS ("1600余户")."""
    left = rng.randint(*VISIT_HOUSEHOLDS)
    while left > 0:
        served = min(left, rng.randint(*served_range))
        left -= served
        yield served
