"""培训签到表: a session's attendance from a sign-in sheet (.xlsx, .xls, .ods, .csv) through the import pipeline.

One row per person: 姓名 (required), 身份证号 (when names repeat), 出勤情况 (出勤 by default), 计入学时 (the session's
hours by default), 备注. People are looked up among those the session's grid offers the user (serving in the session's
region within the user's scope, or already recorded): anyone else — unknown, or someone of another township — gets
the same answer, so a sheet never tells whether a number is registered elsewhere. Rows not in the sheet stay as they
are. Written through services.training.attendance_save: checked, audited row by row, all or nothing.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404

from accounts.params import id_or_404
from excel import values as cell
from excel.pipeline import Importer, Plan, RowProblems
from excel.reader import Column, FileRejected
from secretaries import idcard
from secretaries.models import Secretary

from .models import TrainingAttendance, TrainingSession
from .services import training

OUTSIDE = "不在本期培训可登记的人员中（或不在您的管辖范围内）。"
STATUS_ALIASES = {"到": "present", "已到": "present", "参加": "present", "参训": "present", "签到": "present",
                  "假": "leave", "未到": "absent", "缺席": "absent"}


class AttendanceImporter(Importer):
    kind = "training"
    title = "培训签到表"
    counted_as = "人"
    columns = (
        Column("name", "姓名", ("参训人员", "学员姓名"), required=True),
        Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "身份证")),
        Column("status", "出勤情况", ("签到", "出勤", "状态")),
        Column("hours", "计入学时", ("学时", "实际学时")),
        Column("note", "备注", ("说明",)),
    )
    text_keys = ("id_number",)
    instructions = (
        "1. 每行一名参训人员。带 * 的列必须填写。",
        "2. 姓名须与系统中的第一书记（工作队员）一致；本期可登记人员中有同名的，请同时填写身份证号。",
        "3. 出勤情况填写 出勤、请假 或 缺勤；留空按出勤登记。",
        "4. 计入学时：出勤者留空即计入本期全部学时，部分参加的填写实际学时（不超过本期学时）；请假、缺勤不计学时。",
        "5. 表中没有的人员，其出勤记录保持不变。上传后先预览，确认后才写入；有任何错误则不写入。",
    )

    @staticmethod
    def may_import(user):
        return user.is_authenticated and (user.is_county_admin or user.role == "township")

    @classmethod
    def options_from_request(cls, request):
        raw = request.POST.get("session") or request.GET.get("session")
        if not raw:
            return {}
        session = get_object_or_404(TrainingSession.objects.for_user(request.user),
                                    pk=id_or_404(raw, "没有这期培训。"))
        from .training_views import require_manager

        require_manager(request.user, session)
        return {"session": session.pk}

    @classmethod
    def start_context(cls, user, options):
        if options.get("session"):
            session = TrainingSession.objects.get(pk=options["session"])
            line = f"导入到：{session.topic}（{session.start_date:%Y-%m-%d}，{session.hours.normalize():f} 学时）。"
            return {"option_lines": [line]}
        sessions = TrainingSession.objects.for_user(user, "change").order_by("-start_date")[:50]
        return {"option_choices": {"name": "session", "label": "培训", "choices": [(s.pk, str(s)) for s in sessions],
                                   "empty": "还没有您可以登记出勤的培训，请先登记培训。"}}

    @classmethod
    def dropdowns(cls, user):
        return {"status": TrainingAttendance.Status.labels}

    def read(self, data, filename):
        session = TrainingSession.objects.for_user(self.user, "change").select_related("region").filter(
            pk=self.options.get("session") or 0).first()
        if session is None:
            raise FileRejected("请选择要导入出勤的培训（找不到该培训，或它不在您的管辖范围内）。")
        self.session = session
        return super().read(data, filename)

    def plan_rows(self, table):
        problems = RowProblems(table)
        problems.headers = {**{c.key: c.header for c in self.columns}, **table.headers}
        people = training.grid_people(self.session, self.user)
        self.by_id = {p.secretary.id_number: p for p in people}
        self.by_name = {}
        for person in people:
            self.by_name.setdefault(person.secretary.name, []).append(person)
        parsed = [self.parse_row(row, problems.add) for row in table.rows]
        seen = {}
        for p in parsed:
            if p["person"] is not None:
                first = seen.setdefault(p["person"].secretary_id, p["row"])
                if first != p["row"]:
                    problems.add(p["row"], "name", f"与第 {first} 行是同一人，每人只能有一行。")
        bad = {problem.row for problem in problems.problems}
        plan = Plan(rows=len(table.rows))
        existing = {row.secretary_id: row for row in TrainingAttendance.objects.filter(
            session=self.session, secretary__in=[p["person"].secretary_id for p in parsed if p["person"]])}
        entries = {}
        for p in parsed:
            if p["row"] in bad:
                continue
            person, entry = p["person"], p["entry"]
            before = training.row_values(existing.get(person.secretary_id))
            kind = ("new" if before is None else
                    "unchanged" if training.fingerprint(before) == training.fingerprint(entry) else "updated")
            if kind != "unchanged":
                entries[person.secretary_id] = entry
            shown = (person.secretary.id_number if self.user.sees_full_id_numbers
                     else idcard.mask(person.secretary.id_number))
            getattr(plan, kind).append([p["row"], person.secretary.name, shown, person.secretary.unit.name,
                                        f"{person.village.region.parent.name} · {person.village.region.name}",
                                        training.label_values(entry)])
        plan.payload = entries
        plan.problems = sorted(problems.problems, key=lambda problem: (problem.row, problem.column))
        return plan

    def parse_row(self, row, add):
        n, v = row.number, row.values
        out = {"row": n, "person": self.find_person(v, n, add), "entry": None}
        for key in ("status", "hours", "note"):
            if v.get(key) is cell.FORMULA_WITHOUT_VALUE:
                add(n, key, cell.FORMULA_MESSAGE + "。")
                return out
        status = TrainingAttendance.Status.PRESENT
        if cell.normalize_text(v.get("status")):
            try:
                status = cell.parse_choice(v.get("status"), TrainingAttendance.Status.choices, aliases=STATUS_ALIASES)
            except ValueError as error:
                add(n, "status", f"{error}。")
                return out
        hours = None
        text = cell.normalize_text(v.get("hours"))
        if text:
            try:
                hours = Decimal(text)
            except InvalidOperation:
                add(n, "hours", f"“{text}”不是学时数。")
                return out
            # The size first: quantizing 1e30 to tenths needs more digits than the context has (InvalidOperation).
            if not hours.is_finite() or abs(hours) > 1000 or hours != hours.quantize(Decimal("0.1")):
                add(n, "hours", f"“{text}”不是有效的学时（最多一位小数）。")
                return out
        note = cell.normalize_text(v.get("note"))
        if len(note) > 100:
            add(n, "note", "备注最多 100 个字。")
            return out
        try:
            out["entry"] = training.resolve(self.session, status, hours, note)
        except ValidationError as error:
            add(n, "hours", error.messages[0])
        return out

    def find_person(self, v, n, add):
        if cell.FORMULA_WITHOUT_VALUE in (v.get("id_number"), v.get("name")):
            add(n, "name", cell.FORMULA_MESSAGE + "。")
            return None
        name = cell.normalize_text(v.get("name"))
        if not name:
            add(n, "name", "请填写姓名。")
            return None
        if cell.normalize_text(v.get("id_number")):
            try:
                number = idcard.parse(v.get("id_number")).number
            except ValidationError as error:
                add(n, "id_number", error.messages[0])
                return None
            person = self.by_id.get(number)
            if person is None:
                add(n, "id_number", "该身份证号" + OUTSIDE)
            elif person.secretary.name != name:
                add(n, "name", f"姓名“{name}”与该身份证号的人员“{person.secretary.name}”不符，请核对。")
                return None
            return person
        found = self.by_name.get(name, [])
        if len(found) > 1:
            add(n, "id_number", f"本期可登记人员中有 {len(found)} 人名为“{name}”，请填写身份证号。")
            return None
        if not found:
            add(n, "name", f"“{name}”" + OUTSIDE)
            return None
        return found[0]

    def write(self, plan):
        people = Secretary.objects.select_related("region").in_bulk(list(plan.payload))
        training.attendance_save(self.session, {people[sid]: entry for sid, entry in plan.payload.items()},
                                 user=self.user if self.user.pk else None)
