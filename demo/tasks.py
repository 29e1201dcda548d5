"""Demo plans and task lists for the demo county, relative to `today`.

From the articles: 金乡 "共制定2024年度驻村帮扶工作规划165份，第一书记重点帮扶任务清单860余条"; 太白湖 "梳理25项重点
工作任务" (the county's common list, issued to every first secretary); 曲阜 "提前20%时限催办…办结销号". Most
villages with a first secretary have a plan (a few still drafting, one or two returned); every secretary has the
common list and a handful of their own items, in every state: some done and confirmed, some waiting for the
township, some due for a reminder, some overdue.
"""

import datetime
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.roles import Role
from excel.writer import SheetSpec, write_workbook
from secretaries.models import Assignment
from tasks import reminders, services
from tasks.models import CommonTask, Dimension, Plan, TaskItem

COMMON_TITLE = "梳理25项重点工作任务"
P, D, G, S, A = (Dimension.PARTY, Dimension.DEVELOPMENT, Dimension.GOVERNANCE, Dimension.SERVICE,
                 Dimension.APPEARANCE)
# (dimension, title, description, days from the issue day to the deadline)
COMMON_ITEMS = [
    (P, "开展村党组织星级评定晋星争先", "对照星级评定标准查摆差距，制定晋星计划。", 60),
    (P, "严格落实“三会一课”制度", "按月召开支部委员会、党员大会，按季度上党课，记录完整。", 300),
    (P, "发展党员、培养入党积极分子", "年内发展党员1名以上，培养入党积极分子2名以上。", 240),
    (P, "建立村级后备力量人才库", "摸排返乡大学生、致富能手，建立后备力量台账。", 90),
    (P, "规范开展主题党日活动", "每月固定主题党日，党员参与率达到90%以上。", 120),
    (D, "制定村集体经济增收方案", "结合村情制定增收路径，明确年度增收目标。", 45),
    (D, "谋划实施1个以上帮扶项目", "完成项目谋划、论证评审并开工建设。", 150),
    (D, "争取派出单位帮扶资金", "协调派出单位落实帮扶资金和物资。", 110),
    (D, "培育1个特色产业或合作社", "发展香瓜、大蒜、羊肚菌等特色种植，组建合作社。", 210),
    (D, "带动群众就业增收", "依托项目和合作社吸纳本村群众就业。", 280),
    (G, "落实“四议两公开”工作法", "村级重大事项按程序决策，结果公开。", 70),
    (G, "修订完善村规民约", "广泛征求意见，经村民会议通过后公布。", 100),
    (G, "成立红白理事会，推进移风易俗", "制定红白事办理标准，倡导婚事新办、丧事简办。", 130),
    (G, "排查化解矛盾纠纷", "每月开展一次矛盾纠纷排查，建立化解台账。", 180),
    (G, "开展平安村居创建", "完善网格化管理，落实治安巡逻。", 260),
    (S, "走访全村农户，建立民情台账", "逐户走访，记录群众诉求和困难。", 50),
    (S, "开展“我为群众办实事”实践活动", "年内为群众办实事10件以上。", 270),
    (S, "组织义诊、送医送药活动", "协调医疗机构到村义诊不少于2次。", 160),
    (S, "走访慰问困难群众和老党员", "节日期间走访慰问，建立帮扶台账。", 95),
    (S, "提升党群服务中心服务功能", "完善便民服务事项，落实坐班值班。", 200),
    (A, "开展人居环境集中整治", "清理“三大堆”，整治私搭乱建。", 80),
    (A, "治理黑臭水体和坑塘", "排查黑臭水体，落实长效管护。", 190),
    (A, "做好秸秆禁烧宣传和巡查", "“三夏”“三秋”期间落实网格巡查。", 140),
    (A, "开展美丽庭院创建", "评选美丽庭院示范户不少于10户。", 230),
    (A, "完善村内道路、路灯等基础设施", "协调资金硬化道路、安装太阳能路灯。", 290),
]
OWN_ITEMS = {
    P: ["建设村级党建活动室", "开展党员冬春训", "落实党员积分制管理", "组织党员到红色教育基地学习"],
    D: ["发展{v}香瓜大棚", "引进农产品加工项目", "建设{v}扶贫车间", "开展农村电商直播带货", "成立土地股份合作社"],
    G: ["建立{v}网格化管理台账", "开展“好婆婆好媳妇”评选", "完善村务监督委员会运行", "调解宅基地纠纷"],
    S: ["为{v}老人办理助老服务", "组织农技培训班", "协调解决{v}饮水问题", "开展留守儿童关爱活动"],
    A: ["{v}主街道路灯安装", "{v}坑塘清淤整治", "村庄绿化补植", "建设{v}垃圾分类投放点"],
}
GOALS = {
    "goal_party": ["推动村党组织晋升{n}星，发展党员{m}名", "落实“三会一课”，培养后备力量{m}名"],
    "goal_development": ["村集体收入达到{k}万元以上", "培育特色产业1项，带动{m}0户群众增收"],
    "goal_governance": ["落实“四议两公开”，修订村规民约", "成立红白理事会，矛盾纠纷不出村"],
    "goal_service": ["为群众办实事{m}件以上", "开展义诊和走访慰问，建立民情台账"],
    "goal_appearance": ["完成人居环境整治，评选美丽庭院{m}户", "治理坑塘{n}处，安装路灯{m}0盏"],
}


def ensure_demo_tasks(county, accounts, *, seed, today, log):
    """Leave a county that already has plans or a common list alone; otherwise fill both."""
    users = [user for user, _ in accounts]
    admin = next((user for user in users if user.role == Role.COUNTY_ADMIN), None)
    if county is None or admin is None or CommonTask.objects.filter(region=county).exists() \
            or Plan.objects.filter(village__region__path__startswith=county.path).exists():
        return
    serving = list(Assignment.objects.active_first_secretaries()
                   .filter(village__region__path__startswith=county.path)
                   .select_related("secretary__user", "village__region").order_by("village__region__path"))
    if not serving:
        return
    demo = DemoTasks(random.Random(f"{seed}:{county.code or county.pk}:tasks"), today, admin,
                     {user.region_id: user for user in users if user.role == Role.TOWNSHIP})
    plans = demo.plans(serving)
    issued = demo.common_list(county, serving)
    own = demo.own_items(serving)
    demo.attachments(county)
    due = reminders.due_today(today)
    reminders.record(due, today)  # the day's reminders, as the daily send_reminders job leaves them
    log(f"任务演示数据：{county.name}{today.year}年度帮扶工作规划 {plans} 份；县统一任务清单“{COMMON_TITLE}”下发 "
        f"{len(serving)} 人共 {issued} 条；第一书记自定任务 {own} 条。")


def _xlsx(name, sheets):
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return SimpleUploadedFile(name, buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class DemoTasks:
    def __init__(self, rng, today, admin, officials):
        self.rng, self.today, self.admin, self.officials = rng, today, admin, officials

    def attachments(self, county):
        """A few plans carry their 附表 and a few closed items their 台账, as spreadsheets written here."""
        plans = Plan.objects.filter(village__region__path__startswith=county.path,
                                    status=Plan.Status.APPROVED).select_related("village__region")[:3]
        for plan in plans:
            sheet = SheetSpec("帮扶规划附表", ["看", "目标"], [[d.label, "见规划正文"] for d in Dimension])
            services.attach(plan, _xlsx(f"{plan.village}{plan.year}年帮扶规划附表.xlsx", [sheet]), user=self.admin)
        done = TaskItem.objects.filter(secretary__region__path__startswith=county.path,
                                       confirmed_at__isnull=False).select_related("secretary")[:3]
        for item in done:
            sheet = SheetSpec("走访台账", ["日期", "事项"], [[self.today.isoformat(), item.title]])
            services.attach(item, _xlsx(f"{item.title[:20]}台账.xlsx", [sheet]), user=self.admin)

    def moment(self, day):
        """A working-hours time on `day`, as an aware datetime."""
        at = datetime.datetime.combine(day, datetime.time(self.rng.randint(8, 17), self.rng.randint(0, 59)))
        return timezone.make_aware(at)

    def plans(self, serving):
        """Plans for most villages with a first secretary: most submitted or approved, some drafts, a few returned."""
        rng, start = self.rng, datetime.date(self.today.year, 1, 1)
        made = []
        for assignment in serving:
            roll = rng.random()
            if roll < 0.06:
                continue  # not yet drafted: the county page lists these
            status = (Plan.Status.DRAFT if roll < 0.14 else Plan.Status.RETURNED if roll < 0.17
                      else Plan.Status.SUBMITTED if roll < 0.45 else Plan.Status.APPROVED)
            numbers = {"n": rng.randint(3, 5), "m": rng.randint(2, 6), "k": rng.choice([15, 20, 25, 30, 50])}
            goals = {name: rng.choice(options).format(**numbers) for name, options in GOALS.items()}
            submitted = start + datetime.timedelta(days=rng.randint(10, max(11, min(80, (self.today - start).days))))
            submitted = min(submitted, self.today)
            reviewer = self.officials.get(assignment.village.region.parent_id, self.admin)
            plan = Plan(village=assignment.village, year=self.today.year, status=status,
                        created_by=assignment.secretary.user,
                        overview=f"围绕“五看”抓党建促振兴，推动{assignment.village.region.name}各项工作提质增效。",
                        **goals)
            if status != Plan.Status.DRAFT:
                plan.submitted_at = self.moment(submitted)
            if status in (Plan.Status.APPROVED, Plan.Status.RETURNED):
                plan.reviewed_at = self.moment(min(self.today, submitted + datetime.timedelta(days=rng.randint(1, 7))))
                plan.reviewed_by = reviewer
            if status == Plan.Status.RETURNED:
                plan.return_reason = rng.choice(["发展目标不够具体，请细化增收措施和时间节点。",
                                                 "未体现村容村貌整治内容，请补充。"])
            made.append(plan)
        Plan.objects.bulk_create(made)
        return len(made)

    def common_list(self, county, serving):
        """The county's 25 items, issued 100 days ago to every first secretary through the issuing service."""
        issued_on = self.today - datetime.timedelta(days=100)
        common = services.common_create(user=self.admin, region=county, year=self.today.year, title=COMMON_TITLE,
                                        note="县委组织部统一梳理，各第一书记对照落实，按时办结销号。")
        for dimension, title, description, days in COMMON_ITEMS:
            services.common_item_add(common, user=self.admin, dimension=dimension, title=title,
                                     description=description, deadline=issued_on + datetime.timedelta(days=days))
        services.common_issue(common, user=self.admin, today=issued_on)
        items = list(TaskItem.objects.filter(common_item__common=common).select_related("village__region"))
        for item in items:
            self.work_on(item)
        TaskItem.objects.bulk_update(items, WORK_FIELDS, batch_size=1000)
        return len(items)

    def own_items(self, serving):
        """Four to seven items of each secretary's own, created over the last months with various deadlines; a
        secretary with a login (the demo account) has one in every state besides."""
        rng, made = self.rng, []
        for assignment in serving:
            village = assignment.village.region.name
            titles = set()
            if assignment.secretary.user_id:
                made += self.showcase(assignment)
                titles = {item.title for item in made}
            for _ in range(rng.randint(4, 7)):
                dimension = rng.choice(Dimension.values)
                title = rng.choice(OWN_ITEMS[dimension]).format(v=village)
                if title in titles:
                    continue
                titles.add(title)
                created = self.today - datetime.timedelta(days=rng.randint(5, 150))
                item = TaskItem(secretary=assignment.secretary, village=assignment.village, year=self.today.year,
                                dimension=dimension, title=title, created_on=created,
                                deadline=created + datetime.timedelta(days=rng.randint(30, 240)),
                                description=f"结合{village}实际，明确责任人和时间节点，按期完成。")
                self.work_on(item)
                made.append(item)
        TaskItem.objects.bulk_create(made, batch_size=1000)
        return len(made)

    def showcase(self, assignment):
        """One item in each state, so the demo secretary's board shows them all: not started, due for a reminder,
        overdue, waiting for the township, confirmed, and a close-out sent back."""
        today, day = self.today, datetime.timedelta(days=1)
        official = self.officials.get(assignment.village.region.parent_id, self.admin)
        village = assignment.village.region.name
        specs = [
            (P, "党支部“三会一课”台账规范化", -5, 60, TaskItem.Status.NOT_STARTED, 0, {}),
            (D, f"发展{village}香瓜大棚", -50, 5, TaskItem.Status.IN_PROGRESS, 85,
             {"evidence": "大棚主体已建成，正在铺设滴灌。"}),
            (A, "村庄绿化补植", -70, -3, TaskItem.Status.IN_PROGRESS, 60, {"evidence": "已补植苗木600株。"}),
            (S, "组织农技培训班", -40, 20, TaskItem.Status.PENDING, 100,
             {"evidence": "已举办培训班2期，培训群众86人次，签到表和照片已上传。",
              "closed_at": self.moment(today - day)}),
            (S, "开展留守儿童关爱活动", -90, -10, TaskItem.Status.DONE, 100,
             {"evidence": "已结对帮扶留守儿童12名。", "closed_at": self.moment(today - 15 * day),
              "confirmed_at": self.moment(today - 13 * day), "confirmed_by": official}),
            (G, "完善村务监督委员会运行", -30, 30, TaskItem.Status.IN_PROGRESS, 100,
             {"evidence": "已完成。", "return_reason": "佐证材料不全，请补充村务监督委员会会议记录。"}),
        ]
        return [TaskItem(secretary=assignment.secretary, village=assignment.village, year=today.year,
                         dimension=dimension, title=title, created_on=today + created * day,
                         deadline=today + deadline * day, status=status, progress=progress,
                         description=f"结合{village}实际，明确责任人和时间节点，按期完成。", **extra)
                for dimension, title, created, deadline, status, progress, extra in specs]

    def work_on(self, item):
        """Progress as a working secretary would leave it: most past-deadline items closed, a fifth of them not."""
        rng, today = self.rng, self.today
        span = max(1, (item.deadline - item.created_on).days)
        elapsed = min(1.0, max(0.0, (today - item.created_on).days / span))
        roll = rng.random()
        if item.deadline < today:
            state = "done" if roll < 0.7 else "pending" if roll < 0.8 else "late"
        else:
            state = ("done" if roll < elapsed * 0.4 else "pending" if roll < elapsed * 0.5
                     else "not_started" if roll > 0.85 else "open")
        if state in ("done", "pending"):
            closed = min(today, item.created_on + datetime.timedelta(days=int(span * rng.uniform(0.5, 1.0))))
            item.status, item.progress = TaskItem.Status.PENDING, 100
            item.evidence = rng.choice(["已完成，会议记录、照片等佐证材料已归档。", "已按期完成，验收材料见附件台账。",
                                        "已办结，群众满意度回访良好。"])
            item.closed_at = self.moment(closed)
            if state == "done":
                item.status = TaskItem.Status.DONE
                item.confirmed_at = self.moment(min(today, closed + datetime.timedelta(days=rng.randint(0, 5))))
                item.confirmed_by = self.officials.get(item.village.region.parent_id, self.admin)
        elif state == "not_started":
            item.status, item.progress = TaskItem.Status.NOT_STARTED, 0
        else:
            item.status = TaskItem.Status.IN_PROGRESS
            item.progress = max(5, min(95, int(elapsed * 100 * rng.uniform(0.6, 1.1)) // 5 * 5))
            item.evidence = rng.choice(["已召开村两委会议研究部署。", "正在组织实施，已完成阶段性工作。",
                                        "已协调派出单位，资金正在落实。"])


WORK_FIELDS = ["status", "progress", "evidence", "closed_at", "confirmed_at", "confirmed_by"]
