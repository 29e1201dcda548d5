"""Task lists (重点帮扶任务清单) from Excel: one row per item, for a first secretary serving now.

The person is named by 身份证号, or by 姓名 and 所驻村 when no one else of that name serves there; a secretary
importing their own list may leave both blank. A row whose (person, 任务名称) already has an item this year
updates it (while it is open) instead of adding a second one, so importing the same file twice adds nothing.
County staff import for everyone in their region; a secretary only for themselves. All or nothing.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog
from accounts.params import id_or_404
from accounts.roles import Role
from excel import values as cell
from excel.pipeline import Importer, Plan, Problem, RowProblems, insert_rows
from excel.reader import Column
from secretaries import idcard
from secretaries.models import Assignment, Secretary

from .models import CommonTask, CommonTaskItem, Dimension, TaskItem

COLUMNS = (
    Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "身份证")),
    Column("name", "姓名", ("第一书记", "第一书记姓名")),
    Column("village", "所驻村", ("村", "村名", "帮扶村", "派驻村")),
    Column("dimension", "五看维度", ("看", "维度", "看维度", "五看", "所属维度"), required=True),
    Column("title", "任务名称", ("任务", "重点任务", "任务名"), required=True),
    Column("description", "任务内容", ("具体内容", "内容", "任务描述", "工作措施")),
    Column("deadline", "完成时限", ("完成时间", "截止日期", "时限", "完成期限"), required=True),
    Column("source", "来源", ("任务来源",)),
)
DIMENSIONS = Dimension.choices
DIMENSION_ALIASES = {f"看{label}": value for value, label in Dimension.choices}
SOURCES = TaskItem.Source.choices
SOURCE_ALIASES = {"县下发": "county", "县统一": "county", "统一下发": "county", "县级下发": "county",
                  "自定任务": "own", "自行确定": "own", "自选": "own"}
OUTSIDE = "不在您的管辖范围内，或当前没有在岗的派驻记录。"
MAX_DESCRIPTION = 2000

TASK_FIELDS = ("secretary_id", "village_id", "year", "dimension", "title", "description", "deadline", "created_on",
               "source", "common_item_id", "status", "progress", "evidence", "return_reason", "closed_at",
               "confirmed_at", "confirmed_by_id", "updated_at")
AUDIT_FIELDS = ("created_at", "user_id", "ip_address", "action", "content_type_id", "object_id", "object_repr",
                "changes", "region_id")


@dataclass(frozen=True)
class Person:
    """A secretary serving now, as the rows are checked against them."""

    pk: int
    id_number: str
    name: str
    user_id: int | None
    village_id: int
    village: str
    township: str
    region_id: int
    unit: str


class TaskImporter(Importer):
    kind = "tasks"
    title = "重点帮扶任务清单"
    counted_as = "条"
    columns = COLUMNS
    text_keys = ("id_number",)
    instructions = (
        "1. 每行一项任务。带 * 的列必须填写。",
        "2. 第一书记以身份证号为准；不填身份证号时，填写姓名和所驻村（同村没有同名的在岗人员时）。"
        "第一书记导入本人的任务清单时，这三列可以都不填。",
        "3. 五看维度填写 党建、发展、治理、服务 或 村容（可从下拉列表选择）。",
        "4. 完成时限写成 2024-06-30 的形式，不能早于导入当天；任务的年度为导入当年。",
        "5. 来源填写 自定 或 县统一下发，不填为 自定；第一书记本人只能导入自定的任务。",
        "6. 同一人同一年度已有同名任务的，按文件更新其维度、内容、时限和来源（已申请办结或已办结的任务不能修改）；"
        "同一人同名任务在文件中只能出现一次。",
        "7. 身份证号一列已设为文本格式，请勿改为数字格式，否则 Excel 会丢失后几位。",
        "8. 上传后系统先预览：列出将新增、更新、无变化的条数和每一处错误（行号、列名、原因）；"
        "确认后才写入，有任何错误则不写入。",
    )

    @staticmethod
    def may_import(user):
        return user.is_authenticated and (user.is_county_admin or user.role == Role.SECRETARY)

    @classmethod
    def options_from_request(cls, request):
        return {}

    @classmethod
    def start_context(cls, user, options):
        year = timezone.localdate().year
        if user.role == Role.SECRETARY:
            return {"option_lines": [f"导入到：本人（{user.name or user.username}）{year}年度的重点帮扶任务清单。"]}
        return {"option_lines": [f"导入到：{user.region or '全部区域'}在岗第一书记{year}年度的重点帮扶任务清单。"]}

    @classmethod
    def dropdowns(cls, user):
        return {"dimension": Dimension.labels, "source": TaskItem.Source.labels}

    # --- checking the rows ------------------------------------------------------------------------------

    def plan_rows(self, table):
        self.today = timezone.localdate()
        problems = RowProblems(table)
        problems.headers = {**{c.key: c.header for c in self.columns}, **table.headers}
        self.load_people()
        parsed = [self.parse_row(row, problems.add) for row in table.rows]
        self.check_duplicates(parsed, problems.add)
        plan = Plan(rows=len(table.rows))
        self.classify(parsed, {p.row for p in problems.problems}, plan, problems.add)
        plan.problems = sorted(problems.problems, key=lambda p: (p.row, p.column))
        return plan

    def load_people(self):
        self.by_id, self.by_name = {}, {}
        rows = Assignment.objects.for_user(self.user).active().values_list(
            "secretary_id", "secretary__id_number", "secretary__name", "secretary__user_id", "village_id",
            "village__region__name", "village__region__parent__name", "village__region_id", "secretary__unit__name")
        for row in rows:
            person = Person(*row)
            self.by_id[person.id_number] = person
            self.by_name.setdefault(person.name, []).append(person)

    def parse_row(self, row, add):
        n, v = row.number, row.values
        for key, value in v.items():
            if value is cell.FORMULA_WITHOUT_VALUE:
                add(n, key, cell.FORMULA_MESSAGE + "。")
        out = {"row": n, "person": self.find_person(v, n, add)}
        for key, parse in (("dimension", lambda x: cell.parse_choice(x, DIMENSIONS, aliases=DIMENSION_ALIASES)),
                           ("deadline", cell.parse_date), ("source", self.parse_source)):
            if v.get(key) is cell.FORMULA_WITHOUT_VALUE:
                continue
            try:
                out[key] = parse(v.get(key))
            except ValueError as error:
                add(n, key, f"{error}。")
        if out.get("deadline") and out["deadline"] < self.today:
            add(n, "deadline", f"完成时限 {out['deadline']:%Y-%m-%d} 早于今天，请核对。")
        out["title"] = cell.normalize_text(v.get("title"))
        if not out["title"]:
            add(n, "title", "请填写任务名称。")
        elif len(out["title"]) > 100:
            add(n, "title", "任务名称最多 100 个字，请精简（详细内容写在“任务内容”一列）。")
        out["description"] = cell.normalize_text(v.get("description"))
        if len(out["description"]) > MAX_DESCRIPTION:
            add(n, "description", f"任务内容最多 {MAX_DESCRIPTION} 个字。")
        return out

    def parse_source(self, value):
        if not cell.normalize_text(value):
            return TaskItem.Source.OWN
        source = cell.parse_choice(value, SOURCES, aliases=SOURCE_ALIASES)
        if source == TaskItem.Source.COUNTY and not self.user.is_county_admin:
            raise ValueError("第一书记本人只能导入“自定”的任务；县统一下发的任务由县委组织部下发")
        return source

    def find_person(self, v, n, add):
        raw_id, name, village = v.get("id_number"), cell.normalize_text(v.get("name")), \
            cell.normalize_text(v.get("village"))
        if cell.FORMULA_WITHOUT_VALUE in (raw_id, v.get("name"), v.get("village")):
            return None
        if cell.normalize_text(raw_id):
            try:
                number = idcard.parse(raw_id).number
            except ValidationError as error:
                add(n, "id_number", error.messages[0])
                return None
            person = self.by_id.get(number)
            if person is None:
                add(n, "id_number", "该身份证号" + OUTSIDE)  # the same words whether it exists elsewhere or not
            elif name and name != person.name:
                add(n, "name", f"姓名“{name}”与该身份证号的人员“{person.name}”不符，请核对。")
            return person
        if not name:
            if self.user.role == Role.SECRETARY and len(self.by_id) == 1:
                return next(iter(self.by_id.values()))
            add(n, "id_number", "请填写身份证号，或填写姓名和所驻村。")
            return None
        found = [p for p in self.by_name.get(name, [])
                 if not village or village in (p.village, f"{p.township}{p.village}")]
        if len(found) == 1:
            return found[0]
        if not found:
            add(n, "name", f"“{name}”{'（' + village + '）' if village else ''}" + OUTSIDE)
        else:
            add(n, "village" if not village else "name",
                f"有 {len(found)} 名在岗人员名为“{name}”，请填写所驻村或身份证号以区分。")
        return None

    @staticmethod
    def check_duplicates(parsed, add):
        seen = {}
        for p in parsed:
            if p["person"] is None or not p["title"]:
                continue
            key = (p["person"].pk, p["title"])
            if key in seen:
                add(p["row"], "title", f"与第 {seen[key]} 行重复：同一人的同名任务只能有一行。")
            else:
                seen[key] = p["row"]

    # --- what changes -----------------------------------------------------------------------------------

    def classify(self, parsed, bad, plan, add):
        year = self.today.year
        people = {p["person"].pk for p in parsed if p["person"] is not None}
        existing = {}
        for part in chunks(people):
            for task in TaskItem.objects.filter(secretary_id__in=part, year=year).only(
                    "pk", "secretary_id", "title", "dimension", "description", "deadline", "source", "status",
                    "common_item_id"):
                existing[(task.secretary_id, task.title)] = task
        creates, updates = [], []
        for p in parsed:
            if p["row"] in bad:
                continue
            person, after = p["person"], {k: p[k] for k in ("dimension", "description", "deadline", "source")}
            task = existing.get((person.pk, p["title"]))
            if task is None:
                creates.append(p)
                plan.new.append(self.sample(p, "新增"))
                continue
            before = {k: getattr(task, k) for k in after}
            if before == after:
                plan.unchanged.append(self.sample(p, "无变化"))
            elif not task.is_open:
                add(p["row"], "title", f"该任务已{task.get_status_display()}，不能通过导入修改。")
            elif task.common_item_id and not self.user.is_county_admin:
                add(p["row"], "title", "这是县统一下发的任务，不能通过导入修改。")
            elif task.common_item_id and after["source"] != TaskItem.Source.COUNTY:
                add(p["row"], "source", "这是县统一下发的任务，来源不能改为“自定”；县统一任务请在该清单中修改。")
            else:
                for key, value in after.items():
                    setattr(task, key, value)
                updates.append((task, person))
                plan.updated.append(self.sample(p, "更新：" + "、".join(
                    LABELS[k] for k in after if before[k] != after[k])))
        plan.payload = {"creates": creates, "updates": updates, "year": year}

    def sample(self, p, change):
        person = p["person"]
        shown = person.id_number if self.user.sees_full_id_numbers or person.user_id == self.user.pk \
            else idcard.mask(person.id_number)
        label = dict(DIMENSIONS)[p["dimension"]]
        return [p["row"], person.name, shown, person.unit, f"{person.township} · {person.village}",
                f"{label}：{p['title']}（{p['deadline']:%Y-%m-%d}）{change}"]

    # --- writing ----------------------------------------------------------------------------------------

    def write(self, plan):
        payload, now, today = plan.payload, timezone.now(), self.today
        insert_rows(TaskItem, TASK_FIELDS, [
            (p["person"].pk, p["person"].village_id, payload["year"], p["dimension"], p["title"], p["description"],
             p["deadline"], today, p["source"], None, TaskItem.Status.NOT_STARTED, 0, "", "", None, None, None, now)
            for p in payload["creates"]
        ])
        TaskItem.objects.bulk_update([task for task, _ in payload["updates"]],
                                     ["dimension", "description", "deadline", "source"], batch_size=1000)
        # One audit record per secretary whose list changed.
        touched = {}
        for p in payload["creates"]:
            touched.setdefault(p["person"], [0, 0])[0] += 1
        for _task, person in payload["updates"]:
            touched.setdefault(person, [0, 0])[1] += 1
        kind = ContentType.objects.get_for_model(Secretary).pk
        actor = self.user.pk or None
        insert_rows(AuditLog, AUDIT_FIELDS, [
            (now, actor, None, AuditLog.Action.UPDATE, kind, str(person.pk), person.name,
             {"任务清单导入": {"新增": new, "更新": changed}}, person.region_id)
            for person, (new, changed) in touched.items()
        ])


LABELS = {"dimension": "五看维度", "description": "任务内容", "deadline": "完成时限", "source": "来源"}


def chunks(items, size=5000):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


class CommonItemImporter(Importer):
    """The items of a county common list (县统一任务清单) from Excel, before (or between) issuing it.

    A row whose 任务名称 the list already has updates that item, if no one has received it yet; other rows are
    added after the last item. Issuing is a separate step on the list's page.
    """

    kind = "common_tasks"
    title = "县统一任务清单"
    counted_as = "项"
    columns = COLUMNS[3:7]
    instructions = (
        "1. 每行一项任务。带 * 的列必须填写。",
        "2. 五看维度填写 党建、发展、治理、服务 或 村容（可从下拉列表选择）。",
        "3. 完成时限写成 2024-06-30 的形式，不能早于导入当天。",
        "4. 清单中已有同名任务的，按文件更新；已下发的任务不能再通过导入修改。其余任务依次添加到清单末尾。",
        "5. 导入后请在清单页面选择镇街并下发；已收到的任务不会重复下发。",
        "6. 上传后系统先预览：列出将新增、更新、无变化的项数和每一处错误（行号、列名、原因）；"
        "确认后才写入，有任何错误则不写入。",
    )

    @classmethod
    def options_from_request(cls, request):
        raw = request.POST.get("common") or request.GET.get("common")
        if not raw:
            return {}
        common = get_object_or_404(CommonTask.objects.for_user(request.user), pk=id_or_404(raw, "没有这份清单。"))
        if not CommonTask.objects.for_user(request.user, "change").filter(pk=common.pk).exists():
            raise PermissionDenied("县统一任务清单由制定它的县委组织部导入。")
        return {"common": common.pk}

    @classmethod
    def start_context(cls, user, options):
        if options.get("common"):
            common = CommonTask.objects.get(pk=options["common"])
            return {"option_lines": [f"导入到：{common.year}年度“{common}”（现有 {common.items.count()} 项）。"]}
        lists = CommonTask.objects.for_user(user, "change").order_by("-year", "-created_at")
        return {"option_choices": {"name": "common", "label": "任务清单",
                                   "choices": [(c.pk, f"{c.year}年度 {c}") for c in lists],
                                   "empty": "还没有县统一任务清单，请先在“县统一任务清单”页面新建。"}}

    @classmethod
    def dropdowns(cls, user):
        return {"dimension": Dimension.labels}

    def plan_rows(self, table):
        today = timezone.localdate()
        self.common = CommonTask.objects.for_user(self.user, "change").filter(pk=self.options.get("common") or 0) \
            .first()
        if self.common is None:
            return Plan(problems=[Problem(0, "", "请选择要导入的任务清单（找不到该清单，或它不在您的管辖范围内）。")])
        problems = RowProblems(table)
        problems.headers = {**{c.key: c.header for c in self.columns}, **table.headers}
        existing = {item.title: item for item in self.common.items.annotate(received=Count("tasks"))}
        plan, seen, creates, updates = Plan(rows=len(table.rows)), {}, [], []
        for row in table.rows:
            parsed = self.parse_item(row, problems, seen, today)
            if parsed is None:
                continue
            title, values = parsed
            item = existing.get(title)
            sample = [row.number, "", "", "", "",
                      f"{dict(DIMENSIONS)[values['dimension']]}：{title}（时限 {values['deadline']:%Y-%m-%d}）"]
            if item is None:
                creates.append((title, values))
                plan.new.append(sample)
            elif all(getattr(item, key) == value for key, value in values.items()):
                plan.unchanged.append(sample)
            elif item.received:
                problems.add(row.number, "title",
                             f"第 {item.position} 项已下发给 {item.received} 人，不能再通过导入修改。")
            else:
                updates.append((item, values))
                plan.updated.append(sample)
        plan.problems = sorted(problems.problems, key=lambda p: (p.row, p.column))
        plan.payload = {"creates": creates, "updates": updates}
        return plan

    @staticmethod
    def parse_item(row, problems, seen, today):
        """(title, {dimension, deadline, description}) of a row, or None when it has a problem."""
        n, v, values, found = row.number, row.values, {}, len(problems.problems)
        for key, parse in (("dimension", lambda x: cell.parse_choice(x, DIMENSIONS, aliases=DIMENSION_ALIASES)),
                           ("deadline", cell.parse_date)):
            try:
                values[key] = parse(v.get(key))
            except ValueError as error:
                problems.add(n, key, f"{error}。")
        if values.get("deadline") and values["deadline"] < today:
            problems.add(n, "deadline", f"完成时限 {values['deadline']:%Y-%m-%d} 早于今天，请核对。")
        title = cell.normalize_text(v.get("title"))
        values["description"] = cell.normalize_text(v.get("description"))
        if not title or len(title) > 100:
            problems.add(n, "title", "请填写任务名称（最多 100 个字）。")
        elif title in seen:
            problems.add(n, "title", f"与第 {seen[title]} 行重复：同一清单中任务名称不能重复。")
        seen.setdefault(title, n)
        return None if len(problems.problems) > found else (title, values)

    def write(self, plan):
        common = CommonTask.objects.select_for_update().get(pk=self.common.pk)
        position = common.items.aggregate(n=Max("position"))["n"] or 0
        CommonTaskItem.objects.bulk_create([
            CommonTaskItem(common=common, position=position + offset, title=title, **values)
            for offset, (title, values) in enumerate(plan.payload["creates"], start=1)
        ])
        for item, values in plan.payload["updates"]:
            for key, value in values.items():
                setattr(item, key, value)
        CommonTaskItem.objects.bulk_update([item for item, _ in plan.payload["updates"]],
                                           ["dimension", "description", "deadline"])
        audit.record(user=self.user if self.user.pk else None, action=AuditLog.Action.UPDATE, obj=common,
                     changes={"清单导入": {"新增": len(plan.payload["creates"]), "更新": len(plan.payload["updates"])}})
