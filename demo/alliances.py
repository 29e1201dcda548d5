"""Demo alliances for the demo county: a 总盟, six 分盟 (梁山's "总盟 + 6 分盟", 金乡's "1+X+N"), the 香瓜联盟 and
羊肚菌联盟 industry alliances, expert groups with experts, the four lists in every state and a year of meetings
(one 分盟 missed last month's 例会, so the warning shows). Deterministic (random.Random(seed)); skipped when the
county already has alliances."""

import datetime
import random

from accounts.roles import Role
from alliances.catalogue import ensure_catalogue
from alliances.models import (
    Activity,
    Alliance,
    CoBuild,
    Expert,
    ExpertGroup,
    Member,
    Need,
    Resource,
    Supervision,
    Urgency,
)
from alliances.querysets import previous_month
from secretaries.models import Assignment
from villages.models import Region

# (catalogue entry, what was asked / offered): the articles' examples — 香瓜、羊肚菌、大蒜、辣椒、电商、冷库、义诊 …
NEEDS = [
    ("种植技术", "香瓜大棚霜霉病防治技术指导"), ("种植技术", "甜瓜白粉病严重，请专家来看看"),
    ("种植技术", "大蒜种植测土配方施肥"), ("种植技术", "朝天椒移栽后死苗多，需技术指导"),
    ("种植技术", "桃树修剪和嫁接技术"), ("种植技术", "草莓温室种植技术"), ("食用菌技术", "羊肚菌出菇期温湿度管理"),
    ("食用菌技术", "香菇菌棒制作技术"), ("养殖技术", "生猪养殖防疫技术"), ("养殖技术", "小尾寒羊养殖技术"),
    ("产业扶持资金", "村集体香瓜产业项目缺启动资金"), ("金融信贷", "种植户扩大大蒜种植需要小额贷款"),
    ("电商直播", "村集体电商直播带货渠道"), ("电商直播", "羊肚菌网上销售"), ("商超对接", "大蒜找超市销路"),
    ("冷链仓储", "大蒜收获后储存难，需要冷库"), ("冷链仓储", "冷库建设选址论证"), ("品牌包装", "香瓜统一品牌包装设计"),
    ("道路", "生产路硬化约1.2公里"), ("水电", "村内排水沟渠疏通"), ("水电", "安装太阳能路灯20盏"),
    ("养老助餐", "独居老人助餐服务"), ("困难帮扶", "困难群众冬季取暖"), ("技能培训", "返乡青年电焊技能培训"),
    ("义诊体检", "巡回义诊和健康体检"), ("家庭医生与药品", "高血压糖尿病慢性病随访"),
    ("辅导与阅读", "留守儿童课后辅导"), ("助学", "贫困学生学费困难"), ("专业人才", "村里缺少懂农业的技术员"),
]
RESOURCES = [
    ("种植技术", "香瓜大棚栽培与霜霉病、白粉病等病虫害防治技术指导"),
    ("种植技术", "大蒜测土配方施肥与病害防治技术服务"),
    ("种植技术", "辣椒育苗、移栽与田间管理技术培训"), ("种植技术", "果树修剪嫁接技术培训（桃树、苹果）"),
    ("种植技术", "草莓、葡萄温室大棚种植技术指导"), ("种植技术", "农技专家上门指导"),
    ("食用菌技术", "羊肚菌栽培技术培训及出菇期管理指导"), ("食用菌技术", "食用菌栽培技术培训"),
    ("养殖技术", "生猪养殖防疫与猪瘟防控技术服务"), ("养殖技术", "小尾寒羊、山羊规模养殖技术指导"),
    ("产业扶持资金", "县财政局产业扶持资金"), ("金融信贷", "农商银行富民农户贷小额信贷授信"),
    ("电商直播", "电商直播带货平台及主播培训"), ("商超对接", "对接县城商超和单位食堂采购农产品（消费帮扶）"),
    ("冷链仓储", "冷库仓储服务（200吨保鲜库，可储存大蒜、果蔬）"), ("品牌包装", "农产品品牌包装设计与商标注册服务"),
    ("道路", "生产路硬化工程技术支持及水泥捐赠"), ("道路", "工程机械支援"), ("水电", "太阳能路灯捐赠安装"),
    ("水电", "排水沟渠疏通机械与人工支援"), ("养老助餐", "独居老人助餐与日间照料服务"),
    ("困难帮扶", "爱心物资捐赠"), ("技能培训", "电焊、厨师等职业技能培训"), ("岗位推荐", "定向招聘岗位"),
    ("义诊体检", "县人民医院专家巡回义诊"), ("家庭医生与药品", "家庭医生签约及慢性病随访服务"),
    ("辅导与阅读", "大学生志愿支教"), ("助学", "贫困学生助学金资助"), ("专业人才", "农业技术员驻村服务（每月4天）"),
]
GROUPS = [("党建示范提升", "other"), ("种植养殖技术服务", "technical"), ("产业强村共富", "industry")]
EXPERTS = [("孙立新", "设施蔬菜栽培", "县农业农村局"), ("马红霞", "食用菌栽培", "市农业科学院"),
           ("郑国庆", "农村基层党建", "县委党校"), ("冯晓东", "农产品电商", "县商务局"),
           ("韩玉梅", "植物保护", "县农业技术推广中心"), ("曹建华", "农业经济", "济宁学院")]


def ensure_demo_alliances(county, accounts, *, seed, today, log):
    admin = next((user for user, _ in accounts if user.role == Role.COUNTY_ADMIN), None)
    if county is None or admin is None or Alliance.objects.filter(region=county).exists():
        return
    rng = random.Random(f"alliances-{seed}")
    townships = list(Region.objects.filter(level=Region.Level.TOWNSHIP, path__startswith=county.path))
    serving = list(Assignment.objects.active_first_secretaries().filter(village__region__path__startswith=county.path)
                   .select_related("secretary__unit", "village__region"))
    if not townships or not serving:
        return
    founded = datetime.date(today.year - 2, 3, 1)
    master = Alliance.objects.create(kind="master", name=f"{county.name}第一书记联盟", region=county, founded=founded,
                                     convener=serving[0].secretary, note="总盟统筹，分盟协作，四张清单精准对接。")
    subs = []
    chunks = [townships[i::6] for i in range(6)]
    by_town = {}
    for asg in serving:
        by_town.setdefault(asg.village.region.parent_id, []).append(asg)
    numerals = "一二三四五六"
    for index, towns in enumerate(chunks):
        people = [a for t in towns for a in by_town.get(t.pk, [])]
        if not towns or not people:
            continue
        sub = Alliance.objects.create(kind="sub", name=f"第{numerals[index]}分盟", number=index + 1, parent=master,
                                      region=county, founded=founded, convener=people[0].secretary)
        sub.townships.set(towns)
        sub.people = people
        Member.objects.bulk_create([Member(alliance=sub, kind="secretary", secretary=a.secretary)
                                    for a in people[:12]])
        units = {a.secretary.unit_id for a in people[:12]}
        Member.objects.bulk_create([Member(alliance=sub, kind="unit", unit_id=u) for u in sorted(units)[:5]])
        subs.append(sub)
    industries = []
    for name in ("香瓜联盟", "羊肚菌联盟"):
        people = rng.sample(serving, min(6, len(serving)))
        ind = Alliance.objects.create(kind="industry", name=name, parent=master, region=county, founded=founded,
                                      convener=people[0].secretary)
        ind.townships.set({a.village.region.parent_id for a in people})
        ind.people = people
        Member.objects.bulk_create([Member(alliance=ind, kind="secretary", secretary=a.secretary) for a in people])
        industries.append(ind)
    groups = []
    for offset, (name, category) in enumerate(GROUPS):
        group = ExpertGroup.objects.create(alliance=master, name=name, category=category)
        for expert_name, field, unit in EXPERTS[offset * 2:offset * 2 + 2]:
            Expert.objects.create(group=group, name=expert_name, field=field, unit=unit,
                                  phone=f"139{rng.randrange(10**7, 10**8)}")
        groups.append(group)
    experts = list(Expert.objects.filter(group__alliance=master))
    alliances = subs + industries
    entries = {entry.name: entry for entry in ensure_catalogue(county).filter(parent__isnull=False)}
    resources = []
    for i in range(80):
        alliance = alliances[i % len(alliances)]
        entry, description = RESOURCES[i % len(RESOURCES)] if i < len(RESOURCES) else rng.choice(RESOURCES)
        by_expert = i % 5 == 0
        resources.append(Resource(
            alliance=alliance, category=entries[entry].category, topic=entries[entry], description=description,
            amount=rng.choice([None, 5, 10, 20, 50]), amount_unit=rng.choice(["万元", "人次", ""]),
            provider_secretary=None if by_expert else rng.choice(alliance.people).secretary,
            provider_expert=rng.choice(experts) if by_expert else None,
            valid_until=None if i % 4 else today + datetime.timedelta(days=rng.randrange(-60, 400)),
            capacity=rng.choice([1, 2, 3])))
    Resource.objects.bulk_create(resources)
    needs = []
    for i in range(40):
        alliance = subs[i % len(subs)] if i % 8 else industries[i % 2]
        entry, description = NEEDS[i % len(NEEDS)]
        needs.append(Need(alliance=alliance, category=entries[entry].category, topic=entries[entry],
                          description=description,
                          village=rng.choice(alliance.people).village,
                          raised_by=rng.choice(["村委会", "村民代表", "网格员"]),
                          raised_on=today - datetime.timedelta(days=rng.randrange(10, 300)),
                          urgency=rng.choice(Urgency.values)))
    Need.objects.bulk_create(needs)
    # 20 co-build items: waiting for 接单, ongoing, overdue and completed (their needs solved).
    for i in range(20):
        wanted = needs[i]
        pool = [r for r in resources if r.alliance_id == wanted.alliance_id] or resources
        state = ("waiting", "ongoing", "overdue", "completed", "completed")[i % 5]
        created = wanted.raised_on + datetime.timedelta(days=5)
        item = CoBuild.objects.create(
            alliance=wanted.alliance, content=wanted.description, measures="联盟派单，专家组对接，限期办结。",
            deadline=today + datetime.timedelta(days=-20 if state == "overdue" else 45),
            responsible=wanted.alliance.convener.name,
            expert_group=groups[i % 3] if state != "ongoing" or i % 2 else None, created_on=created,
            accepted_on=None if state == "waiting" else created + datetime.timedelta(days=2),
            status="completed" if state == "completed" else "ongoing",
            completed_on=today - datetime.timedelta(days=3) if state == "completed" else None,
            outcome="问题已解决，群众满意。" if state == "completed" else "")
        item.needs.set([wanted])
        item.resources.set([rng.choice(pool)])
        if state == "completed":
            Need.objects.filter(pk=wanted.pk).update(status="solved", solved_on=item.completed_on)
        if i % 3 == 0:
            closed = i % 2 == 0
            Supervision.objects.create(alliance=item.alliance, cobuild=item, date=today - datetime.timedelta(days=30),
                                       inspector="县委组织部督导组", finding="推进台账更新不及时",
                                       deadline=today + datetime.timedelta(days=-5 if i % 6 == 3 else 15),
                                       closed=closed)
    Supervision.objects.create(alliance=needs[30].alliance, need=needs[30], date=today - datetime.timedelta(days=12),
                               inspector="县委组织部督导组", finding="需求超过两个月未派单", deadline=today)
    # A year of 例会 (monthly), 主题活动/观摩评比 (quarterly), 述职评议/擂台比武 (half-yearly).
    # The last 分盟 missed last month's 例会.
    last_month = previous_month(today)[0]
    month = datetime.date(today.year - 1, today.month, 1)
    while month <= today:
        for sub in subs:
            if month == last_month and sub is subs[-1]:
                continue
            meeting = Activity.objects.create(alliance=sub, kind="meeting", date=month.replace(day=rng.randrange(5, 26))
                                              if month < today.replace(day=1) else month,
                                              topic=f"{month.month}月例会：需求梳理与派单",
                                              minutes="通报需求办理情况，研究派单事项。", outcomes="新增派单若干项。")
            meeting.attendees.set([a.secretary for a in sub.people[:8]])
            if month.month % 3 == 0:
                Activity.objects.create(alliance=sub, kind=rng.choice(["theme", "observation"]),
                                        date=month.replace(day=20), topic="观摩评比：共建项目现场观摩")
            if month.month in (6, 12):
                Activity.objects.create(alliance=sub, kind=rng.choice(["review", "contest"]),
                                        date=month.replace(day=25), topic="半年述职评议暨擂台比武")
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    log(f"第一书记联盟：{len(alliances) + 1} 个联盟，{len(needs)} 项需求，{len(resources)} 项资源，20 个共建项目。")


def ensure_demo_membership(county, *, log):
    """Membership kept current: in 第一分盟 one serving secretary left out with a reason, and (when the roster has a
    rotation) a member who rotated away, so both show on the members page."""
    from alliances.models import LeftOut

    sub = Alliance.objects.filter(region=county, name="第一分盟").first()
    if sub is None or LeftOut.objects.filter(alliance=sub).exists():
        return
    members = Member.objects.filter(alliance=sub, kind="secretary").values("secretary_id")
    waiting = (Assignment.objects.active_first_secretaries().filter(village__region__parent__in=sub.townships.all())
               .exclude(secretary__in=members).select_related("secretary").order_by("pk").first())
    if waiting is not None:
        LeftOut.objects.create(alliance=sub, secretary=waiting.secretary,
                               reason="已加入第一书记香瓜联盟，按产业参加活动，不重复纳入分盟")
    moved = (Assignment.objects.filter(village__region__parent__in=sub.townships.all())
             .exclude(status="active").exclude(secretary__in=members)
             .filter(secretary__assignments__status="active").select_related("secretary").order_by("pk").first())
    if moved is not None:
        Member.objects.get_or_create(alliance=sub, kind="secretary", secretary=moved.secretary)
    log("联盟成员：第一分盟记录不纳入 1 人" + ("，已轮换离开的成员 1 人。" if moved else "。"))
