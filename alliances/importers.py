"""需求清单 and 资源清单 from Excel through the shared pipeline: every row checked, written only when none fails."""

from decimal import Decimal, InvalidOperation

from accounts import audit
from accounts.models import AuditLog
from excel import values as cell
from excel.pipeline import Importer, Plan, RowProblems
from excel.reader import Column
from secretaries.models import Secretary
from villages.models import Village

from .models import Alliance, Category, Expert, Need, Resource, Urgency
from .services import provider_problem, village_problem

INSTRUCTIONS = (
    "1. 每行一项。带 * 的列必须填写。",
    "2. 联盟填写本县联盟的全称；类别可从下拉列表选择。日期写成 2025-06-30 的形式。",
    "3. 上传后系统先预览：列出将新增的项数和每一处错误（行号、列名、原因）；确认后才写入，有任何错误则不写入。",
)


class _ListImporter(Importer):
    counted_as = "项"
    instructions = INSTRUCTIONS

    @classmethod
    def options_from_request(cls, request):
        return {}

    @classmethod
    def start_context(cls, user, options):
        return {}

    @staticmethod
    def may_import(user):
        return user.is_authenticated and user.has_perm("alliances.change_alliance")

    @classmethod
    def dropdowns(cls, user):
        return {"category": Category.labels, "urgency": Urgency.labels,
                "alliance": list(Alliance.objects.for_user(user).values_list("name", flat=True))}

    def plan_rows(self, table):
        self.alliances = {a.name: a for a in Alliance.objects.for_user(self.user, "change")}
        problems = RowProblems(table)
        problems.headers = {**{c.key: c.header for c in self.columns}, **table.headers}
        plan, objects = Plan(rows=len(table.rows)), []
        for row in table.rows:
            found = len(problems.problems)
            add = lambda key, reason, n=row.number: problems.add(n, key, reason)  # noqa: E731
            obj = self.parse(row.values, add)
            if len(problems.problems) == found:
                objects.append(obj)
                plan.new.append([row.number, str(obj)])
        plan.problems = sorted(problems.problems, key=lambda p: (p.row, p.column))
        plan.payload = objects
        return plan

    def common(self, v, add):
        alliance = self.alliances.get(cell.normalize_text(v.get("alliance")))
        if alliance is None:
            add("alliance", "找不到该联盟（请填写本县联盟的全称）。")
        try:
            category = cell.parse_choice(v.get("category"), Category.choices)
        except ValueError as error:
            category = None
            add("category", f"{error}。")
        description = cell.normalize_text(v.get("description"))
        if not description or len(description) > 300:
            add("description", "请填写内容（最多 300 个字）。")
        return alliance, category, description

    def write(self, plan):
        model = type(plan.payload[0]) if plan.payload else None
        if model is None:
            return
        model.objects.bulk_create(plan.payload)
        for obj in plan.payload[:1]:
            audit.record(user=self.user if self.user.pk else None, action=AuditLog.Action.CREATE, obj=obj,
                         changes={"导入": len(plan.payload)})


class NeedImporter(_ListImporter):
    kind = "alliance_needs"
    title = "需求清单"
    columns = (
        Column("alliance", "联盟", required=True), Column("township", "镇（街道）", ("镇", "乡镇"), required=True),
        Column("village", "村", ("村名", "村（社区）"), required=True), Column("category", "类别", required=True),
        Column("description", "需求内容", ("需求",), required=True), Column("raised_by", "提出人", required=True),
        Column("raised_on", "提出日期", required=True), Column("urgency", "紧急程度"),
    )

    def plan_rows(self, table):
        villages = Village.objects.for_user(self.user).select_related("region__parent")
        self.villages = {(v.region.parent.name, v.region.name): v for v in villages}
        self.townships = {}
        for alliance_id, township_id in Alliance.townships.through.objects.values_list("alliance_id", "region_id"):
            self.townships.setdefault(alliance_id, set()).add(township_id)
        return super().plan_rows(table)

    def parse(self, v, add):
        alliance, category, description = self.common(v, add)
        village = self.villages.get((cell.normalize_text(v.get("township")), cell.normalize_text(v.get("village"))))
        if village is None:
            add("village", "在您的管辖范围内找不到该镇（街道）下的这个村。")
        elif alliance and (problem := village_problem(alliance, village, self.townships.get(alliance.pk, set()))):
            add("village", problem)
        raised_by = cell.normalize_text(v.get("raised_by"))
        if not raised_by or len(raised_by) > 50:
            add("raised_by", "请填写提出人（最多 50 个字）。")
        raised_on = urgency = None
        try:
            raised_on = cell.parse_date(v.get("raised_on"))
        except ValueError as error:
            add("raised_on", f"{error}。")
        try:
            urgency = cell.parse_choice(v.get("urgency"), Urgency.choices) if v.get("urgency") else Urgency.NORMAL
        except ValueError as error:
            add("urgency", f"{error}。")
        return Need(alliance=alliance, category=category, description=description, village=village,
                    raised_by=raised_by, raised_on=raised_on, urgency=urgency)


class ResourceImporter(_ListImporter):
    kind = "alliance_resources"
    title = "资源清单"
    columns = (
        Column("alliance", "联盟", required=True), Column("category", "类别", required=True),
        Column("description", "资源内容", ("资源",), required=True), Column("amount", "数量或价值"),
        Column("amount_unit", "计量单位"), Column("provider", "提供人", ("第一书记", "专家"), required=True),
        Column("valid_until", "有效期至"), Column("capacity", "可承接次数"),
    )

    def plan_rows(self, table):
        self.people = {}
        secretaries = Secretary.objects.for_user(self.user).select_related("region")
        experts = Expert.objects.for_user(self.user).select_related("group__alliance")
        for name, kind, obj in [(s.name, "s", s) for s in secretaries] + [(e.name, "e", e) for e in experts]:
            self.people.setdefault(name, []).append((kind, obj))
        return super().plan_rows(table)

    def parse(self, v, add):
        alliance, category, description = self.common(v, add)
        matches = self.people.get(cell.normalize_text(v.get("provider")), [])
        if len(matches) != 1:
            add("provider", "有重名，无法确定是哪一位提供人。" if matches else "找不到该提供人（第一书记或专家姓名）。")
        kind, person = matches[0] if len(matches) == 1 else (None, None)
        amount, valid_until, capacity = None, None, 1
        if v.get("amount") not in (None, ""):
            try:
                amount = Decimal(cell.normalize_text(v.get("amount")))
                if amount < 0 or amount >= 10 ** 10:
                    raise InvalidOperation
            except InvalidOperation:
                add("amount", "请填写不小于 0 的数字。")
        if v.get("valid_until") not in (None, ""):
            try:
                valid_until = cell.parse_date(v.get("valid_until"))
            except ValueError as error:
                add("valid_until", f"{error}。")
        if v.get("capacity") not in (None, ""):
            text = cell.normalize_text(v.get("capacity"))
            if not text.isdigit() or not 1 <= int(text) <= 1000:
                add("capacity", "可承接次数应为 1 到 1000 的整数。")
            else:
                capacity = int(text)
        unit = cell.normalize_text(v.get("amount_unit"))[:10]
        resource = Resource(alliance=alliance, category=category, description=description, amount=amount,
                            amount_unit=unit, provider_secretary=person if kind == "s" else None,
                            provider_expert=person if kind == "e" else None, valid_until=valid_until, capacity=capacity)
        if alliance and person and (problem := provider_problem(alliance, resource)):
            add("provider", problem)
        return resource
