"""Demo data for what units do: a year and a half of unit actions, this year's targets, the rating scheme, last
year's locked rating and this year's computed one.

From the articles: 泗水's units "领导班子研究第一书记工作100余次，听取工作汇报200余次，
到第一书记村调研、开展活动50余次"; 谈心谈话 "60余人"; 健康体检、保险购买等待遇保障.
Deterministic for a seed; skipped when the county already has actions.
"""

import datetime
import random
from decimal import Decimal

from accounts.roles import Role
from secretaries.models import Assignment
from units import services
from units.models import ActionKind, Rating, UnitAction

from .alliances import ensure_demo_membership
from .projects import ensure_demo_alliance_projects

MEETINGS = ["党组会议专题研究驻村帮扶工作", "党委会听取驻村工作情况汇报并研究支持措施", "局党组专题研究帮扶项目资金"]
VISITS = ["主要负责同志带队到村调研产业项目", "分管领导到村走访困难群众", "班子成员到村督导帮扶项目进度"]
REPORTS = ["听取第一书记半年工作述职", "第一书记回单位汇报驻村工作"]
TALKS = ["与驻村第一书记谈心谈话，了解工作生活困难", "年中谈心谈话，听取思想汇报"]
CARES = ["组织驻村干部健康体检", "为驻村干部购买人身意外伤害保险", "春节前走访慰问驻村干部家属"]
DONATIONS = [("捐赠化肥、农药等农资", "2.5"), ("捐赠爱心图书和学习用品", "1.2"), ("捐赠冬季取暖物资", "3.8"),
             ("捐赠办公电脑和打印机", "1.6")]
TARGETS = {ActionKind.MEETING: 2, ActionKind.VISIT: 4, ActionKind.REPORT: 2, ActionKind.TALK: 2, ActionKind.CARE: 1}


def ensure_demo_units(county, accounts, *, seed, today, log):
    admin = next((user for user, _ in accounts if user.role == Role.COUNTY_ADMIN), None)
    ensure_demo_alliance_projects(county, accounts, seed=seed, today=today, log=log)
    ensure_demo_membership(county, log=log)
    if county is None or admin is None or UnitAction.objects.filter(region=county).exists():
        return
    serving = list(Assignment.objects.active().filter(village__region__path__startswith=county.path)
                   .select_related("secretary__unit", "village__region").order_by("secretary__unit__name", "pk"))
    if not serving:
        return
    by_unit = {}
    for assignment in serving:
        by_unit.setdefault(assignment.secretary.unit, []).append(assignment)
    rng = random.Random(f"{seed}:{county.pk}:units")
    contacts = {u.pk for u, _ in accounts if u.role == Role.UNIT_CONTACT}
    count = 0
    for unit, people in by_unit.items():
        mine = unit.contacts.filter(pk__in=contacts).exists()
        for year in (today.year - 1, today.year):
            count += _unit_year(rng, admin, unit, people, year, today, busy=mine or rng.random() < 0.75)
    units = list(by_unit)
    for level in {u.level for u in units}:
        services.targets_set(user=admin, region=county, year=today.year, counts=TARGETS,
                             units=[u for u in units if u.level == level])
        services.targets_set(user=admin, region=county, year=today.year - 1, counts=TARGETS,
                             units=[u for u in units if u.level == level])
    last = services.rating_create(user=admin, region=county, year=today.year - 1)
    services.rating_compute(user=admin, rating=last)
    services.rating_lock(user=admin, rating=last)
    if not Rating.objects.filter(region=county, year=today.year).exists():
        services.rating_compute(user=admin, rating=services.rating_create(user=admin, region=county, year=today.year))
    log(f"派出单位履责：{len(units)} 个单位，{count} 条履责事项，{today.year - 1}、{today.year} 年度目标和考核。")


def _day(rng, year, today):
    last = min(datetime.date(year, 12, 31), today - datetime.timedelta(days=1))
    first = datetime.date(year, 1, 1)
    return first + datetime.timedelta(days=rng.randrange(max(1, (last - first).days)))


def _unit_year(rng, admin, unit, people, year, today, busy):
    """One unit's year: ~1 leadership meeting, ~2 reports heard, visits for a busy unit, care and talks."""
    plan = [(ActionKind.MEETING, rng.choice([0, 1, 1, 2, 2, 3] if busy else [0, 1])),
            (ActionKind.REPORT, rng.choice([1, 2, 2, 3, 4] if busy else [0, 1, 2])),
            (ActionKind.VISIT, rng.choice([0, 1, 1, 2] if busy else [0, 0, 1])),
            (ActionKind.TALK, rng.choice([0, 1, 1] if busy else [0, 1])),
            (ActionKind.CARE, rng.choice([0, 1] if busy else [0, 0, 1])),
            (ActionKind.DONATION, rng.choice([0, 0, 1] if busy else [0]))]
    made = 0
    for kind, n in plan:
        for _ in range(n):
            who = rng.sample(people, min(len(people), rng.randint(1, 2)))
            villages = [a.village for a in who] if kind == ActionKind.VISIT else []
            fields = {"summary": rng.choice({ActionKind.MEETING: MEETINGS, ActionKind.VISIT: VISITS,
                                             ActionKind.REPORT: REPORTS, ActionKind.TALK: TALKS,
                                             ActionKind.CARE: CARES}.get(kind, [""]))}
            if kind == ActionKind.DONATION:
                summary, amount = rng.choice(DONATIONS)
                fields = {"summary": summary, "amount": Decimal(amount)}
            if kind in (ActionKind.TALK, ActionKind.CARE):
                fields["people"] = len(who)
            if kind in (ActionKind.VISIT, ActionKind.MEETING):
                fields["leader"] = rng.choice(["党组书记、局长", "党委书记", "分管副局长", "党组成员、副主任"])
            action = UnitAction(unit=unit, kind=kind, date=_day(rng, year, today), **fields)
            services.action_create(user=admin, action=action, villages=villages,
                                   secretaries=[a.secretary for a in who], today=today)
            made += 1
    return made


