"""Demo projects for the demo county: about forty 帮扶项目 in every stage and colour relative to `today`.

From the articles: 微山 "谋划项目36个", funds 省 3500万 / 市 640万 / 县 2075万 by the secretary's dispatch
level; 金乡 "第一书记香瓜联盟""羊肚菌联盟"; "飞地抱团" joint projects; "完成一个，验收一个，审计一个，交接一个";
"设立资产登记台账". Every project goes through projects.services, as a county admin would enter it.
"""

import datetime
import random
from decimal import ROUND_DOWN, Decimal

from accounts.roles import Role
from projects import services
from projects.choices import FundSource, Kind, Stage
from projects.models import Project
from secretaries.models import Assignment, DispatchLevel, DispatchUnit

from .people import person_name

# (kind, name pattern, investment range 万元, asset names)
CATALOGUE = [
    (Kind.INDUSTRY, "{v}香瓜大棚", (60, 220), ["香瓜大棚{n}座"]),
    (Kind.INDUSTRY, "{v}羊肚菌种植基地", (80, 260), ["羊肚菌出菇棚{n}座", "菌种培养室"]),
    (Kind.INDUSTRY, "{v}屋顶光伏发电", (50, 180), ["光伏发电设备{n}0千瓦"]),
    (Kind.INDUSTRY, "{v}果蔬保鲜冷库", (90, 300), ["冷库{n}座", "分拣包装线"]),
    (Kind.INDUSTRY, "{v}大蒜精深加工车间", (120, 400), ["加工车间厂房", "黑蒜发酵设备{n}套"]),
    (Kind.INDUSTRY, "{v}稻虾共养基地", (40, 150), ["标准化养殖池{n}0亩"]),
    (Kind.INDUSTRY, "{v}农村电商服务站", (20, 60), ["电商直播设备"]),
    (Kind.INFRASTRUCTURE, "{v}道路硬化", (30, 160), ["硬化道路{n}.{n}公里"]),
    (Kind.INFRASTRUCTURE, "{v}太阳能路灯安装", (10, 40), ["太阳能路灯{n}0盏"]),
    (Kind.INFRASTRUCTURE, "{v}排水沟渠改造", (25, 90), ["排水沟渠{n}公里"]),
    (Kind.INFRASTRUCTURE, "{v}生产桥修建", (30, 80), ["生产桥{n}座"]),
    (Kind.CULTURE, "{v}文化广场", (20, 80), ["文化广场及健身器材"]),
    (Kind.CULTURE, "{v}新时代文明实践站", (15, 50), ["文明实践站活动室"]),
    (Kind.CULTURE, "{v}农家书屋", (5, 20), ["图书{n}000册及书架"]),
    (Kind.OTHER, "{v}人居环境整治", (15, 60), ["保洁车辆{n}辆"]),
    (Kind.OTHER, "{v}村史馆", (20, 70), ["村史馆展陈"]),
]
JOINT = [
    ("{t}飞地抱团光伏电站", (300, 700), ["集中式光伏电站"], [50, 30, 20]),
    ("{t}飞地抱团冷链物流中心", (400, 800), ["冷链仓储中心", "冷藏运输车{n}辆"], [60, 40]),
    ("{t}飞地抱团标准化厂房", (500, 900), ["标准化厂房{n}栋"], [40, 30, 30]),
    ("{t}飞地抱团羊肚菌产业园", (250, 600), ["羊肚菌出菇棚{n}0座"], [50, 50]),
]
# Days each stage is planned to take: 谋划, 论证评审, 实施, 竣工验收, 审计, 移交.
DURATIONS = {Stage.PLANNING: 30, Stage.REVIEW: 25, Stage.CONSTRUCTION: 150, Stage.ACCEPTANCE: 20,
             Stage.AUDIT: 30, Stage.HANDOVER: 15}
# (stages done, status): every stage in blue, yellow and red, and the handed-over ones (all six done). The days
# past the current stage's planned end are drawn from the status's range (for handed-over: since the 移交 ended).
STATES = (
    [(done, "blue") for done in range(6) for _ in range(2)]
    + [(done, "yellow") for done in range(6) for _ in range(2)]
    + [(done, "red") for done in (1, 2, 3, 5) for _ in range(2)]
    + [(6, "handed_over")] * 7
)
DAYS_PAST = {"blue": (-45, 0), "yellow": (1, 30), "red": (31, 120), "handed_over": (20, 720)}
FINDINGS = [("运行正常，管护到位", True), ("设备完好，台账齐全", True), ("棚膜局部破损，已更换", True),
            ("路面局部坑洼，已修补", True), ("部分路灯不亮，已报修", False), ("排水口淤堵，正在清理", False),
            ("管护制度上墙，收益按时入账", True)]
WAN = Decimal("0.01")


def ensure_demo_projects(county, accounts, *, seed, today, log):
    """Leave a county that already has projects alone; otherwise register about forty."""
    admin = next((user for user, _ in accounts if user.role == Role.COUNTY_ADMIN), None)
    if county is None or admin is None or Project.objects.filter(region=county).exists():
        return
    serving = list(
        Assignment.objects.active_first_secretaries().filter(village__region__path__startswith=county.path)
        .select_related("secretary__user", "village__region__parent").order_by("village__region__path", "pk")
    )
    if not serving:
        return
    rng = random.Random(f"{seed}:{county.code or county.pk}:projects")
    demo = DemoProjects(rng, admin, today)
    picks = _pick_assignments(rng, serving, accounts, len(STATES))
    states = list(STATES)
    rng.shuffle(states)
    joint_at = set(rng.sample(range(len(states)), len(JOINT)))
    joint_specs = iter(JOINT)
    for index, (assignment, (done, status)) in enumerate(zip(picks, states, strict=True)):
        rel = rng.randint(*DAYS_PAST[status])
        if index in joint_at:
            demo.joint(assignment, next(joint_specs), serving, done, rel)
        else:
            demo.single(assignment, done, rel)
    log(f"帮扶项目演示数据：{county.name}{len(states)}个项目（其中飞地抱团{len(JOINT)}个），资产{demo.assets}项。")


def _pick_assignments(rng, serving, accounts, count):
    """Whose projects: the demo secretary twice and the demo unit's people first, so every demo login has some."""
    mine = [a for a in serving if a.secretary.user_id in {u.pk for u, _ in accounts if u.role == Role.SECRETARY}]
    contacts = [u.pk for u, _ in accounts if u.role == Role.UNIT_CONTACT]
    contact_units = set(DispatchUnit.objects.filter(contacts__in=contacts).values_list("pk", flat=True))
    units = [a for a in serving if a.secretary.unit_id in contact_units][:3]
    rest = rng.sample(serving, min(len(serving), count))
    picks = (mine * 2 + units + rest)[:count]
    while len(picks) < count:
        picks.append(rng.choice(serving))
    return picks


class DemoProjects:
    def __init__(self, rng, admin, today):
        self.rng, self.admin, self.today, self.assets = rng, admin, today, 0

    def single(self, assignment, done, rel):
        kind, pattern, span, assets = self.rng.choice(CATALOGUE)
        name = pattern.format(v=assignment.village.region.name)
        self.save(assignment, name, kind, span, assets, [(assignment.village, Decimal(100))], done, rel)

    def joint(self, assignment, spec, serving, done, rel):
        """飞地抱团: the assignment's village and neighbours of the same township (or county), by explicit shares."""
        pattern, span, assets, shares = spec
        township = assignment.village.region.parent
        others = [a.village for a in serving if a.village.region.parent_id == township.pk and a.pk != assignment.pk]
        others = others or [a.village for a in serving if a.pk != assignment.pk]
        villages = [assignment.village] + self.rng.sample(others, min(len(others), len(shares) - 1))
        if len(villages) < len(shares):
            villages, shares = villages[:1], [100]
        name = pattern.format(t=township.name)
        self.save(assignment, name, Kind.INDUSTRY, span, assets,
                  [(v, Decimal(s)) for v, s in zip(villages, shares, strict=True)], done, rel)

    def save(self, assignment, name, kind, span, assets, shares, done, rel):
        rng = self.rng
        stages = self.stages(done, rel)
        total = Decimal(rng.randint(*span))
        project = services.project_save(
            user=self.admin, today=self.today, stages=stages, shares=shares,
            funds=self.funds(assignment.dispatch_level, total, done),
            fields={
                "name": name, "kind": kind, "year": stages[Stage.PLANNING]["planned_start"].year,
                "secretary": assignment.secretary, "total_investment": total,
                "expected_income": (total * Decimal(rng.uniform(0.06, 0.12))).quantize(WAN),
                "jobs": rng.randint(0, 40) if kind == Kind.INDUSTRY else rng.randint(0, 6),
                "beneficiaries": rng.randint(60, 900),
                "description": f"由第一书记{assignment.secretary.name}牵头谋划，资产归村集体所有，"
                               "收益用于村级公益事业和困难群众帮扶。",
            },
        )
        if done == len(Stage):
            self.ledger(project, shares, assets, total, stages[Stage.HANDOVER]["actual_end"])

    def stages(self, done, rel):
        """Planned dates back to back, placed so the current stage (number done + 1) was planned to end `rel` days
        before today; stages before it finished within a few days of plan; the current one has started."""
        rng, today = self.rng, self.today
        order = list(Stage)
        anchor_index, anchor_end = min(done, len(order) - 1), today - datetime.timedelta(days=rel)
        ends = {}
        end = anchor_end
        for stage in reversed(order[:anchor_index + 1]):
            ends[stage] = end
            end -= datetime.timedelta(days=DURATIONS[stage])
        end = anchor_end
        for stage in order[anchor_index + 1:]:
            end += datetime.timedelta(days=DURATIONS[stage])
            ends[stage] = end
        result, previous_actual = {}, None
        for index, stage in enumerate(order):
            planned_start = ends[stage] - datetime.timedelta(days=DURATIONS[stage] - 1)
            row = {"planned_start": planned_start, "planned_end": ends[stage], "actual_start": None,
                   "actual_end": None}
            if index < done:
                start = planned_start + datetime.timedelta(days=rng.randint(-3, 5))
                start = max(start, previous_actual or start)
                finish = ends[stage] + datetime.timedelta(days=rng.choice([-4, -2, 0, 0, 3, 8, 15]))
                row["actual_start"] = min(start, today)
                row["actual_end"] = min(max(finish, row["actual_start"]), today)
                previous_actual = row["actual_end"]
            elif index == done and planned_start <= today:
                row["actual_start"] = max(planned_start, previous_actual or planned_start)
            result[stage] = row
        return result

    def funds(self, dispatch_level, total, done):
        """Money by the secretary's level (省派 → 省级 funds …), the dispatching unit's and sometimes society's.
        Disbursed follows the stage: nothing before 实施, part during it, all once it is accepted."""
        rng = self.rng
        main = {DispatchLevel.PROVINCE: FundSource.PROVINCE, DispatchLevel.CITY: FundSource.CITY}.get(
            dispatch_level, FundSource.COUNTY)
        planned = {main: (total * Decimal(rng.uniform(0.45, 0.7))).quantize(Decimal(1))}
        planned[FundSource.UNIT] = Decimal(rng.randint(3, 30))
        if main != FundSource.COUNTY and rng.random() < 0.5:
            planned[FundSource.COUNTY] = Decimal(rng.randint(5, 40))
        if rng.random() < 0.35:
            planned[FundSource.SOCIAL] = Decimal(rng.randint(5, 50))
        scale = max(Decimal(1), sum(planned.values()) / total)  # keep the plan within the total investment
        share = Decimal(0) if done < 2 else Decimal(1) if done >= 3 else Decimal(rng.uniform(0.3, 0.8))
        funds = {}
        for source, amount in planned.items():
            amount = (amount / scale).quantize(Decimal(1), rounding=ROUND_DOWN)
            funds[source] = (amount, (amount * share).quantize(WAN))
        return funds

    def ledger(self, project, shares, names, total, handed_over):
        """资产登记台账: each asset owned by one of the project's villages, with upkeep checks since 移交."""
        rng = self.rng
        for position, pattern in enumerate(names):
            village = shares[position % len(shares)][0]
            value = (total * Decimal(rng.uniform(0.5, 0.8)) / len(names)).quantize(WAN)
            asset = services.asset_create(
                user=self.admin, project=project, today=self.today, name=pattern.format(n=rng.randint(2, 9)),
                value=value, village=village, custodian=person_name(rng, rng.random() < 0.8),
                handed_over=handed_over, note="收益归村集体，管护责任落实到人。")
            self.assets += 1
            day = handed_over
            while (day := day + datetime.timedelta(days=rng.randint(60, 150))) <= self.today:
                finding, fixed = rng.choice(FINDINGS)
                services.upkeep_create(user=self.admin, asset=asset, today=self.today, date=day,
                                       inspector=person_name(rng, rng.random() < 0.7), finding=finding, fixed=fixed)


# 金乡: "金乡县第一书记联盟共整合3200万元各类帮扶资金，谋划建设7个优质产业项目 … 创造就业岗位400余个".
# (name, planned 万元 by source, jobs, which alliance runs it: 0 香瓜联盟, 1 羊肚菌联盟, 2 第一分盟)
ALLIANCE_PROJECTS = [
    ("第一书记香瓜联盟标准化种植示范园", {"province": 420, "county": 160, "unit": 70}, 85, 0),
    ("第一书记香瓜联盟冷链分拣中心", {"city": 300, "county": 150, "social": 70}, 62, 0),
    ("第一书记香瓜联盟电商直播基地", {"county": 280, "unit": 50, "social": 70}, 48, 0),
    ("第一书记羊肚菌联盟菌种繁育中心", {"province": 350, "county": 120, "unit": 30}, 56, 1),
    ("第一书记羊肚菌联盟出菇大棚集群", {"city": 260, "county": 150, "social": 40}, 70, 1),
    ("第一分盟大蒜精深加工车间", {"county": 300, "unit": 60, "social": 40}, 52, 2),
    ("第一分盟稻虾共养示范基地", {"county": 220, "unit": 40, "social": 20}, 33, 2),
]


def ensure_demo_alliance_projects(county, accounts, *, seed, today, log):
    """The seven projects the 总盟's alliances run, 3,200 万元 together, linked to 香瓜联盟, 羊肚菌联盟 and 第一分盟."""
    from alliances.models import Alliance  # demo data only: the product's projects never import alliances

    admin = next((user for user, _ in accounts if user.role == Role.COUNTY_ADMIN), None)
    runners = [Alliance.objects.filter(region=county, name=name).first()
               for name in ("香瓜联盟", "羊肚菌联盟", "第一分盟")]
    if admin is None or None in runners or Alliance.projects.through.objects.filter(
            alliance__region=county).exists():
        return
    rng = random.Random(f"{seed}:{county.pk}:alliance-projects")
    demo = DemoProjects(rng, admin, today)
    for name, money, jobs, runner in ALLIANCE_PROJECTS:
        alliance = runners[runner]
        people = list(Assignment.objects.active_first_secretaries()
                      .filter(secretary__alliance_memberships__alliance=alliance)
                      .select_related("secretary", "village__region__parent").order_by("pk"))
        if not people:
            continue
        assignment = people[len(alliance.projects.all()) % len(people)]
        funds = {source: (Decimal(amount), (Decimal(amount) * Decimal("0.6")).quantize(WAN))
                 for source, amount in money.items()}
        total = sum(Decimal(amount) for amount in money.values()) + Decimal(rng.randint(20, 80))
        stages = demo.stages(rng.randint(2, 4), rng.randint(-30, 0))
        project = services.project_save(
            user=admin, today=today, stages=stages, shares=[(assignment.village, Decimal(100))], funds=funds,
            fields={"name": name, "kind": Kind.INDUSTRY, "year": today.year, "secretary": assignment.secretary,
                    "total_investment": total, "expected_income": (total * Decimal("0.08")).quantize(WAN),
                    "jobs": jobs, "beneficiaries": jobs * 6,
                    "description": f"{alliance.name}统筹各方帮扶资源，打破镇域界限，"
                                   "“党支部+合作社+农户”经营，联农带农。"})
        alliance.projects.add(project)
    log(f"联盟项目：{len(ALLIANCE_PROJECTS)}个，计划资金合计3200万元。")
