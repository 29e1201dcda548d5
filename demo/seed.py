"""Seed demo data at county, city or province scale: deterministic for a seed, idempotent per county.

A scale names a root (济宁市 for county and city, 山东省 for province) and the county-level areas under it;
areas that already exist under the root are skipped, so a second run adds nothing. Each county draws from
random.Random(f"{seed}:{county code}"), so 金乡县 is the same whatever the scale.
"""

import datetime
import hashlib
import random
import time
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from alliances.models import Alliance, CoBuild, Need, Resource
from evaluations.models import Period, Score, SurveyTally, TrainingAttendance, TrainingSession
from excel.models import ImportRecord
from presence.models import Leave, Notice, SpotCheck
from projects.models import Asset, Project
from secretaries.models import Assignment, Batch, DispatchLevel, DispatchUnit, Secretary, WorkTeam
from tasks.models import Plan, TaskItem
from villages.dbstats import analyze_after_commit
from villages.models import Region, Village, VillageYearStat
from villages.services import region_create
from worklogs.models import ServiceRecord, WorkLog

from .alliances import ensure_demo_alliances
from .county import CountyBuilder
from .db import Key, bulk
from .evaluations import ensure_demo_evaluations
from .files import ensure_demo_uploads
from .models import DemoMark
from .notifications import ensure_demo_notifications
from .places import (
    CITIES,
    CITY_DEPARTMENTS,
    HOME_CITY,
    HOME_CODE,
    HOME_TOWNSHIPS,
    PROVINCE,
    PROVINCE_UNITS,
    PROVINCE_UNITS_EXTRA,
    URBAN_CORE,
)
from .presence import ensure_demo_presence
from .projects import ensure_demo_projects
from .tasks import ensure_demo_tasks
from .text import table
from .training import ensure_demo_training
from .units import ensure_demo_units
from .users import ensure_demo_users, home_county
from .worklogs import ensure_demo_worklogs

SCALES = ("county", "city", "province")


class DemoRefused(Exception):
    """The database holds data the demo did not create: nothing is written."""


REFUSAL = ("数据库中已有数据（用户或行政区域），且不是由演示数据生成的。为保护真实数据，"
           "不写入演示数据，也不创建或重置演示账号。")


def database_state():
    """"demo" (filled by seed_demo), "empty" (no user, no region) or "real" (anything else)."""
    if DemoMark.objects.exists():
        return "demo"
    if Region.objects.exists() or User.objects.exists():
        return "real"
    return "empty"
PROVINCE_VILLAGES = 69_000
COUNTED = [
    ("行政区域", Region), ("村", Village), ("村年度数据", VillageYearStat), ("派出单位", DispatchUnit),
    ("第一书记", Secretary), ("派驻批次", Batch), ("派驻记录", Assignment), ("工作队", WorkTeam),
    ("工作队队员", WorkTeam.members.through), ("用户", User), ("导入记录", ImportRecord), ("考评周期", Period),
    ("评分", Score), ("测评汇总", SurveyTally), ("帮扶项目", Project), ("项目资产", Asset),
    ("帮扶工作规划", Plan), ("重点帮扶任务", TaskItem),
    ("在岗抽查", SpotCheck), ("请假", Leave), ("在岗通报", Notice),
    ("民情日记", WorkLog), ("办实事记录", ServiceRecord),
    ("第一书记联盟", Alliance), ("联盟需求", Need), ("联盟资源", Resource), ("共建项目", CoBuild),
    ("培训", TrainingSession), ("培训出勤", TrainingAttendance),
]


def rounds(today):
    """(previous, current) two-year rounds starting 1 March of odd years; the current one contains today."""
    year = today.year if today >= datetime.date(today.year, 3, 1) else today.year - 1
    year -= (year - 2021) % 2

    def span(y):
        return datetime.date(y, 3, 1), datetime.date(y + 2, 3, 1) - datetime.timedelta(days=1)

    previous = (f"{year - 2}—{year}年第一书记派驻批次", *span(year - 2))
    current = (f"{year}—{year + 2}年新一轮第一书记派驻批次", *span(year))
    return previous, current


@dataclass
class Context:
    seed: int
    today: datetime.date
    used_ids: set = field(default_factory=set)
    used_codes: set = field(default_factory=set)
    previous_batch: Batch = None
    current_batch: Batch = None
    city_name: str = ""
    province_units: list = field(default_factory=list)
    city_units: list = field(default_factory=list)

    def shared_units(self, county):
        return {DispatchLevel.PROVINCE: self.province_units, DispatchLevel.CITY: self.city_units}


def get_or_create_region(name, level, parent, code, used_codes):
    existing = Region.objects.filter(name=name, level=level, parent=parent).first()
    if existing:
        return existing, False
    code = "" if code in used_codes else code
    used_codes.add(code)
    return region_create(name=name, level=level, parent=parent, code=code), True


def ensure_units(region, specs, level):
    """Units registered at `region` by name (get or create), returned in the order of `specs`."""
    have = {u.name: u for u in DispatchUnit.objects.filter(region=region)}
    new = [DispatchUnit(name=name, level=level, kind=kind, region=region) for name, kind in specs if name not in have]
    bulk(DispatchUnit, new, Key("region_id", "name"))
    have.update({u.name: u for u in new})
    return [have[name] for name, _ in specs]


def ensure_batches(ctx, region):
    made = []
    for name, start, end in rounds(ctx.today):
        batch = Batch.objects.filter(region=region, name=name).first()
        made.append(batch or Batch.objects.create(region=region, name=name, start_date=start, end_date=end))
    ctx.previous_batch, ctx.current_batch = made


def plan(scale, seed):
    """[(city name, city code, [(county name, code, villages, needs fraction), ...]), ...] for the scale."""
    rng = random.Random(f"{seed}:plan")
    cities = [c for c in CITIES if c[0] == HOME_CITY] if scale != "province" else CITIES
    result = []
    for city, prefix, counties in cities:
        rows = []
        for name, code in counties:
            if scale == "county" and code != HOME_CODE:
                continue
            lo, hi = (30, 160) if code in URBAN_CORE else (380, 700) if scale == "province" else (330, 520)
            rows.append([name, code, 400 if code == HOME_CODE else rng.randint(lo, hi), rng.uniform(0.24, 0.32)])
        result.append((city, prefix, rows))
    if scale == "province":
        others = sum(r[2] for _, _, rows in result for r in rows if r[1] != HOME_CODE)
        factor = (PROVINCE_VILLAGES - 400) / others
        for _, _, rows in result:
            for row in rows:
                if row[1] != HOME_CODE:
                    row[2] = round(row[2] * factor)
    for _, _, rows in result:
        for row in rows:
            if row[1] == HOME_CODE:
                row[3] = 0.30
    return result


def counts():
    return {label: model._default_manager.count() for label, model in COUNTED}


def seed(*, seed=2024, scale="county", if_empty=False, today=None, log=print):
    """Seed and return {"elapsed": seconds, "before": {...}, "after": {...}, "built": [county names]}."""
    if scale not in SCALES:
        raise ValueError(f"未知规模 {scale}，可选：{'、'.join(SCALES)}")
    started = time.perf_counter()
    today = today or datetime.date.today()
    before = counts()
    built = []
    with transaction.atomic():
        state = database_state()
        if state == "real":
            raise DemoRefused(REFUSAL)
        if state == "empty":
            DemoMark.objects.create(seed=seed, scale=scale)
        if if_empty and state == "demo":
            log("这是已有的演示数据库（--if-empty），不再生成演示数据，只重置演示账号。")
            county = home_county()
        else:
            county = build(scale, seed, today, built, log)
        accounts = ensure_demo_users(county, log=log)
        ensure_demo_imports(county, accounts)
        ensure_demo_uploads(county, accounts)
        ensure_demo_evaluations(county, accounts, seed=seed, today=today, log=log)
        ensure_demo_tasks(county, accounts, seed=seed, today=today, log=log)
        ensure_demo_projects(county, accounts, seed=seed, today=today, log=log)
        ensure_demo_presence(county, accounts, seed=seed, today=today, log=log)
        ensure_demo_worklogs(county, accounts, seed=seed, today=today, log=log)
        ensure_demo_alliances(county, accounts, seed=seed, today=today, log=log)
        ensure_demo_units(county, accounts, seed=seed, today=today, log=log)
        ensure_demo_training(county, accounts, seed=seed, today=today, log=log)
        ensure_demo_notifications(county, accounts, seed=seed, today=today, log=log)
    after = counts()
    # Statistics for the tables just filled (PostgreSQL), before anyone opens a page: see villages/dbstats.py.
    analyze_after_commit(apps.get_models(include_auto_created=True),
                         rows=sum(after[label] - before[label] for label, _ in COUNTED))
    elapsed = time.perf_counter() - started
    log(f"演示账号 {len(accounts)} 个已就绪（所在县：{county}），用 demo_logins 查看。")
    rows = [("数据", "合计", "本次新增")]
    rows += [(label, after[label], after[label] - before[label]) for label, _ in COUNTED]
    for line in table(rows, right=(1, 2)):
        log(line)
    log(f"用时 {elapsed:.1f} 秒。")
    return {"elapsed": elapsed, "before": before, "after": after, "built": built}


def ensure_demo_imports(county, accounts):
    """Two roster imports on the county admin's list: one done, one refused with the typical mistakes."""
    admin = next((user for user, _ in accounts if user.role == Role.COUNTY_ADMIN), None)
    if admin is None or ImportRecord.objects.filter(region=county).exists():
        return
    people = Secretary.objects.filter(region__path__startswith=county.path).count()
    done = timezone.now() - datetime.timedelta(days=40)
    common = {"kind": "roster", "user": admin, "region": county, "expires_at": done, "finished_at": done}
    ImportRecord.objects.create(
        **common, file_name=f"{done.year}年第一书记花名册.xlsx",
        file_sha256=hashlib.sha256(f"roster-{county.pk}".encode()).hexdigest(), file_size=48_640,
        status=ImportRecord.Status.DONE,
        counts={"rows": people, "new": people, "updated": 0, "unchanged": 0, "errors": 0, "problems": 0},
    )
    ImportRecord.objects.create(
        **common, file_name="卜集镇报送花名册（初稿）.xlsx",
        file_sha256=hashlib.sha256(f"draft-{county.pk}".encode()).hexdigest(), file_size=9_216,
        status=ImportRecord.Status.FAILED,
        counts={"rows": 12, "new": 0, "updated": 0, "unchanged": 0, "errors": 3, "problems": 3},
        problems=[[4, "身份证号码", "身份证号被 Excel 存成了数字：数字只保留 15 位有效数字，后几位已经丢失。"],
                  [7, "手机", "请填写 11 位手机号，或带区号的固定电话（如 0537-8721234）。"],
                  [11, "帮扶村", "卜集镇没有名为“大王庄村”的村。"]],
    )


def build(scale, seed, today, built, log):
    ctx = Context(seed=seed, today=today)
    ctx.used_codes = set(Region.objects.exclude(code="").values_list("code", flat=True))
    ctx.used_ids = {n[:17] for n in Secretary.objects.values_list("id_number", flat=True)}
    if scale == "province":
        root, _ = get_or_create_region(PROVINCE[0], Region.Level.PROVINCE, None, f"{PROVINCE[1]}000000",
                                       ctx.used_codes)
        ctx.province_units = ensure_units(root, PROVINCE_UNITS + PROVINCE_UNITS_EXTRA, DispatchUnit.Level.PROVINCE)
        ensure_batches(ctx, root)
    else:
        root = None
    home = None
    for city_name, prefix, rows in plan(scale, seed):
        city, _ = get_or_create_region(city_name, Region.Level.CITY, root, f"{prefix}00000000", ctx.used_codes)
        ctx.city_name = city_name
        ctx.city_units = ensure_units(city, [(city_name + n, k) for n, k in CITY_DEPARTMENTS], DispatchUnit.Level.CITY)
        if scale != "province":
            # No province node at these scales: the city registers the provincial units that send people to it.
            ctx.province_units = ensure_units(city, PROVINCE_UNITS, DispatchUnit.Level.PROVINCE)
        if scale == "city":
            ensure_batches(ctx, city)
        for name, code, villages, needs in rows:
            county, created = get_or_create_region(name, Region.Level.COUNTY, city, f"{code}000000", ctx.used_codes)
            if code == HOME_CODE:
                home = county
            if not created:
                log(f"{city_name}{name} 已存在，跳过（不重复生成）。")
                continue
            if scale == "county":
                ensure_batches(ctx, county)
            townships = HOME_TOWNSHIPS if code == HOME_CODE else None
            rng = random.Random(f"{seed}:{code}")
            CountyBuilder(ctx, rng, county, code, villages=villages, townships=townships, needs=needs).build()
            built.append(name)
        if scale == "province":
            log(f"{city_name}：已生成 {len(rows)} 个县（市、区）。")
    return home or home_county(root)
