"""Roster import (第一书记花名册): one row per person, with where they serve now.

Keyed by the ID number: a known number updates the person, an unknown one adds them. A row with a village
also sets the person's active assignment there; moving an active secretary, or replacing a village's active
first secretary, needs the row to say 是否轮换 = 是 (the old assignment then ends the day before).
Blank optional cells leave what is stored alone.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from excel import values as cell
from excel.pipeline import Importer, Plan, RowProblems, in_batches
from excel.reader import Column
from villages.models import Region, Village

from . import idcard, privacy
from .models import ETHNICITIES, Assignment, Batch, DispatchLevel, DispatchUnit, Secretary, validate_phone
from .names import normalize_name
from .services import roster_apply

COLUMNS = (
    Column("name", "姓名", required=True),
    Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "身份证"), required=True),
    Column("gender", "性别"),
    Column("birth_date", "出生日期", ("出生年月",)),
    Column("ethnicity", "民族"),
    Column("political_status", "政治面貌"),
    Column("education", "学历", ("文化程度", "最高学历")),
    Column("phone", "联系电话", ("手机", "手机号", "手机号码", "电话", "联系方式")),
    Column("unit", "派出单位", ("选派单位", "原单位", "工作单位"), required=True),
    Column("unit_level", "单位层级"),
    Column("post", "职务"),
    Column("rank", "职级"),
    Column("township", "镇（街道）", ("镇街", "乡镇", "所在镇街", "乡镇（街道）", "镇(街道)", "所在乡镇")),
    Column("village", "所驻村", ("帮扶村", "驻村村名", "派驻村", "村名", "所驻村（社区）"), required=True),
    Column("village_code", "行政区划代码", ("村代码", "区划代码")),
    Column("batch", "派驻批次", ("批次",)),
    Column("dispatch_level", "派驻层级", ("选派层级", "派驻类别")),
    Column("role", "驻村身份", ("角色", "身份")),
    Column("start_date", "开始日期", ("派驻时间", "到岗日期", "任职时间", "派驻日期")),
    Column("end_date", "结束日期", ("期满日期", "任期截止")),
    Column("status", "状态"),
    Column("rotation", "是否轮换", ("轮换",)),
)

# Built once: model .choices are rebuilt on every access, and parse_choice indexes each list once.
PERSON_CHOICES = {"ethnicity": [(e, e) for e in ETHNICITIES], "political_status": Secretary.PoliticalStatus.choices,
                  "education": Secretary.Education.choices}
UNIT_LEVELS = DispatchUnit.Level.choices
DISPATCH_LEVELS = DispatchLevel.choices
DUTIES = Assignment.Duty.choices
TEXT_LIMITS = {key: Secretary._meta.get_field(key).max_length for key in ("post", "rank")}
UNIT_NAME_LIMIT = DispatchUnit._meta.get_field("name").max_length

PERSON_FIELDS = ("name", "ethnicity", "political_status", "education", "phone", "unit_id", "post", "rank")
ASSIGNMENT_FIELDS = ("batch_id", "dispatch_level", "role", "start_date", "end_date")
LABELS = {"name": "姓名", "ethnicity": "民族", "political_status": "政治面貌", "education": "学历", "phone": "联系电话",
          "unit_id": "派出单位", "post": "职务", "rank": "职级", "region_id": "管理区域", "batch_id": "派驻批次",
          "dispatch_level": "派驻层级", "role": "驻村身份", "start_date": "开始日期", "end_date": "结束日期"}
CHUNK = 5000
FORMULA_MESSAGE = "单元格是公式，但文件里没有保存计算结果。请在 Excel 中重新计算并保存，或“粘贴为数值”后再上传。"


def chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Place:
    """A village as the rows are checked against it: five values rather than a village, its region and its
    township as model instances (a county has thousands of villages; building 3 × 10,000 instances took a quarter
    of a second)."""

    __slots__ = ("pk", "region_id", "code", "name", "township")

    def __init__(self, pk, region_id, code, name, township):
        self.pk, self.region_id, self.code, self.name, self.township = pk, region_id, code, name, township or ""

    def __str__(self):
        return f"{self.township}{self.name}"


class Lookups:
    """Everything the rows are checked against, loaded up front in a fixed number of queries: what does not depend
    on the file at once (while the file is read, see Importer.prepare), the people it names by load_people()."""

    def __init__(self, user):
        self.user = user
        self.units = {}
        for unit in DispatchUnit.objects.for_user(user):
            self.units.setdefault(cell.normalize_text(unit.name), []).append(unit)
        self.batches = {b.name: b for b in Batch.objects.for_user(user)}
        self.villages_by_code, self.villages_by_name, self.villages = {}, {}, {}
        for values in Village.objects.for_user(user).values_list(
                "pk", "region_id", "region__code", "region__name", "region__parent__name"):
            village = Place(*values)
            if village.code:
                self.villages_by_code[village.code] = village
            self.villages_by_name.setdefault(village.name, []).append(village)
            self.villages[village.pk] = village

    def load_people(self, id_numbers):
        """The people with these (valid, normalised) numbers and their active assignments."""
        # Only the people the importer may see. A number registered outside that is planned like a new one, so
        # the preview answers the same whether or not it exists elsewhere; write() refuses it (see there).
        self.people, self.active = {}, {}
        of = Secretary._meta.get_field("id_number_hash").of
        self.hashes = {number: of(number) for number in id_numbers}  # once; the writer reuses them
        for part in in_batches(self.hashes.values(), "text"):
            for person in Secretary.objects.for_user(self.user).filter(id_number_hash__in=part).order_by():
                self.people[person.id_number] = person
        by_pk = {p.pk: p for p in self.people.values()}
        for part in in_batches(by_pk, "bigint"):
            for assignment in Assignment.objects.active().filter(secretary_id__in=part).order_by():
                assignment.secretary = by_pk[assignment.secretary_id]  # attach what is loaded, not join it again
                self.active[assignment.secretary_id] = assignment
        self.occupants = {a.village_id: a for a in self.active.values() if a.role == Assignment.Duty.FIRST_SECRETARY}

    def load_occupants(self, village_ids):
        """Active first secretaries of these villages; those of people in the file are known already."""
        for part in in_batches(set(village_ids) - set(self.occupants), "bigint"):
            for assignment in (Assignment.objects.active_first_secretaries().filter(village_id__in=part)
                               .select_related("secretary").order_by()):
                self.occupants[assignment.village_id] = assignment

    def place(self, assignment):
        """镇（街道）and village of an active assignment, as a message names them."""
        village = self.villages.get(assignment.village_id)
        if village is not None:
            return str(village)
        return f"{assignment.village.region.parent.name}{assignment.village.region.name}"  # outside the user's sight


class RosterImporter(Importer):
    kind = "roster"
    title = "第一书记花名册"
    columns = COLUMNS
    template_keys = ("name", "id_number", "ethnicity", "political_status", "education", "phone", "unit",
                     "unit_level", "post", "rank", "township", "village", "village_code", "batch", "dispatch_level",
                     "role", "start_date", "end_date", "rotation")
    text_keys = ("id_number", "phone", "village_code")
    instructions = (
        "1. 每行一人，以身份证号为准：系统中已有的身份证号更新该同志的信息，没有的新增。带 * 的列必须填写。",
        "2. 身份证号、联系电话、行政区划代码三列已设为文本格式；请勿改为数字格式，否则 Excel 会丢失身份证号的后几位。",
        "3. 性别、出生日期由身份证号自动得出，无需填写。",
        "4. 所驻村填写村名；不同镇有同名村时，请同时填写镇（街道），或填写 12 位行政区划代码。",
        "5. 日期可写成 2024-01-31、2024/1/31、2024.01.31 或 2024年1月31日。",
        "6. 派出单位须为已登记的单位名称；未登记的单位可在预览页选择“自动创建”。",
        "7. 同志由一个村改驻另一个村，或接替某村现任第一书记时，请在“是否轮换”列填“是”：原任职在新开始日期前一天结束。",
        "8. 选填列留空表示不修改系统中已有的内容。",
        "9. 上传后系统先预览：列出将新增、更新、无变化的人数和每一处错误（行号、列名、原因）；"
        "确认后才写入，有任何错误则不写入。",
    )

    @staticmethod
    def may_import(user):
        return may_import(user)

    @classmethod
    def dropdowns(cls, user):
        return {
            "ethnicity": ETHNICITIES,
            "political_status": Secretary.PoliticalStatus.labels,
            "education": Secretary.Education.labels,
            "unit_level": DispatchUnit.Level.labels,
            "dispatch_level": DispatchLevel.labels,
            "role": Assignment.Duty.labels,
            "rotation": ["是", "否"],
            "batch": list(Batch.objects.for_user(user).values_list("name", flat=True)),
        }

    def prepare(self):
        self.lookups = Lookups(self.user)  # runs while the file is read (Importer.prepare)

    def plan_rows(self, table):
        problems = RowProblems(table)
        look = self.__dict__.pop("lookups", None) or Lookups(self.user)
        # A roster repeats the same few hundred values (units, 汉族, 中共党员, 县派, dates) in thousands of rows:
        # each distinct cell is normalised and parsed once a run, with the same result and the same reason.
        self.today, self._texts, self._cells = datetime.date.today(), {}, {}
        try:
            parsed = [self.parse_row(row, look, problems) for row in table.rows]
        finally:
            self._texts = self._cells = None
        look.load_people([p["id_number"] for p in parsed if "id_number" in p])
        for p in parsed:
            if p.get("phone_missing") and p["id_number"] not in look.people:
                problems.add(p["row"], "phone", "新增人员须填写联系电话。")
        look.load_occupants({p["village"].pk for p in parsed if p and p.get("village")})
        plan = Plan(rows=len(table.rows), problems=problems.problems)
        self.resolve(parsed, look, problems, plan)
        plan.problems = sorted(problems.problems, key=lambda p: (p.row, p.column))
        unknown = sorted({p["unit_name"] for p in parsed if p and p.get("unit_missing")})
        if unknown:
            plan.notes.append("以下派出单位尚未登记：" + "、".join(unknown))
        return plan

    # --- one row, on its own ------------------------------------------------------------------------

    def parse_row(self, row, look, problems):
        n, add = row.number, problems.add
        v = self.drop_uncalculated_formulas(row, add)
        t = self.texts(v)
        out = {"row": n, "fields": {}}
        info = None
        if row.values.get("id_number") is not cell.FORMULA_WITHOUT_VALUE:
            try:
                info = idcard.parse(v.get("id_number"), self.today)
                out["id_number"] = info.number
            except ValidationError as error:
                add(n, "id_number", _message(error))
        self.check_derived(v, t, n, info, add)
        name = normalize_name(t.get("name", ""))
        if not name:
            add(n, "name", "请填写姓名。")
        elif len(name) > 30:
            add(n, "name", "姓名过长（最多 30 个字）。")
        out["fields"]["name"] = name
        self.parse_person(v, t, n, out, look, add)
        if "phone" not in out["fields"] and info and not v.get("phone"):
            out["phone_missing"] = True  # a problem if the person is new (plan_rows, once the people are loaded)
        self.parse_assignment(v, t, n, out, look, add)
        return out

    @staticmethod
    def drop_uncalculated_formulas(row, add):
        """A formula whose result was never saved has no value to import: say so, then treat it as blank."""
        if cell.FORMULA_WITHOUT_VALUE not in row.values.values():
            return row.values
        values = dict(row.values)
        for key, value in row.values.items():
            if value is cell.FORMULA_WITHOUT_VALUE:
                add(row.number, key, FORMULA_MESSAGE)
                values[key] = ""
        return values

    def texts(self, values):
        """Column key → the cell as text (excel.values.normalize_text), the ID number aside (idcard reads it);
        each distinct value once a run (by type and value: True == 1, but reads 是)."""
        known, texts = self._texts, {}
        for key, value in values.items():
            if key == "id_number":
                continue
            if value.__class__ is str:
                text = known.get(value)
                if text is None:
                    text = known[value] = cell.normalize_text(value)
            elif value is None:
                text = ""
            else:
                memo = (value.__class__, value)
                text = known.get(memo)
                if text is None:
                    text = known[memo] = cell.normalize_text(value)
            texts[key] = text
        return texts

    def cell(self, key, value, parser, *args):
        """parser(value, *args) as (result, None), or (None, the reason) when it raises ValueError; remembered for
        the run by column and value (a column always has the same parser; the type is part of the key, since
        True == 1 but 是 is not "1")."""
        memo = (key, value.__class__, value)
        known = self._cells.get(memo)
        if known is None:
            try:
                known = (parser(value, *args), None)
            except ValueError as error:
                known = (None, str(error))
            self._cells[memo] = known
        return known

    def check_derived(self, v, t, n, info, add):
        """性别 and 出生日期 come from the ID number; a file that says otherwise has a typo somewhere."""
        if info is None:
            return
        gender = t.get("gender", "")
        if gender and gender not in (info.gender, info.gender + "性"):
            add(n, "gender", f"性别“{gender}”与身份证号不符（应为{info.gender}）。")
        if v.get("birth_date") not in (None, ""):
            born, error = self.cell("birth_date", v["birth_date"], cell.parse_date)
            if error is not None:
                return
            if (born.year, born.month) != (info.birth_date.year, info.birth_date.month):
                add(n, "birth_date", "出生日期与身份证号不符。")

    def parse_person(self, v, t, n, out, look, add):
        fields = out["fields"]
        for key, options in PERSON_CHOICES.items():
            if t.get(key):
                value, error = self.cell(key, v[key], cell.parse_choice, options)
                if error is None:
                    fields[key] = value
                else:
                    add(n, key, error)
        phone = t.get("phone", "").replace(" ", "")
        if phone:
            try:
                validate_phone(phone)
                fields["phone"] = phone
            except ValidationError as error:
                add(n, "phone", _message(error))
        for key, limit in TEXT_LIMITS.items():
            if text := t.get(key):
                if len(text) > limit:
                    add(n, key, f"内容过长（最多 {limit} 个字）。")
                fields[key] = text
        unit_name = t.get("unit", "")
        out["unit_name"] = unit_name
        found = look.units.get(unit_name, [])
        if not unit_name:
            add(n, "unit", "请填写派出单位。")
        elif len(unit_name) > UNIT_NAME_LIMIT:
            add(n, "unit", "派出单位名称过长（最多 100 个字）。")
        elif len(found) > 1:
            add(n, "unit", f"有多个名为“{unit_name}”的派出单位，请在后台核对。")
        elif found:
            fields["unit_id"] = found[0].pk
        elif self.options.get("create_units") and self.user.is_county_admin:
            out["unit_new"] = (unit_name, self.unit_level(v, t, n, add))
        else:
            out["unit_missing"] = True
            how = ("可先在后台登记，或在预览页选择“自动创建新单位”。" if self.user.is_county_admin
                   else "请联系县委组织部先登记该单位。")
            add(n, "unit", f"派出单位“{unit_name}”尚未登记。{how}")

    def unit_level(self, v, t, n, add):
        if not t.get("unit_level"):
            return DispatchUnit.Level.COUNTY
        value, error = self.cell("unit_level", v["unit_level"], cell.parse_choice, UNIT_LEVELS)
        if error is not None:
            add(n, "unit_level", error)
            return DispatchUnit.Level.COUNTY
        return value

    def parse_assignment(self, v, t, n, out, look, add):
        village_name = t.get("village", "")
        code = t.get("village_code", "")
        if not village_name and not code:
            return  # a person-only row: contact details, no change to where they serve
        village = self.find_village(look, code, t.get("township", ""), village_name, n, add)
        out["village"] = village
        out["rotation"] = self.parse(cell.parse_bool, v, t, "rotation", n, add, default=False)
        start = self.parse(cell.parse_date, v, t, "start_date", n, add)
        end = self.parse(cell.parse_date, v, t, "end_date", n, add)
        if start is None and not t.get("start_date"):
            add(n, "start_date", "安排到村任职时须填写开始日期。")
        if start and end and end < start:
            add(n, "end_date", "结束日期不能早于开始日期。")
        level = self.parse(cell.parse_choice, v, t, "dispatch_level", n, add, DISPATCH_LEVELS)
        if level is None and not t.get("dispatch_level"):
            add(n, "dispatch_level", "请填写派驻层级（省派、市派或县派）。")
        role = self.parse(cell.parse_choice, v, t, "role", n, add, DUTIES, default=Assignment.Duty.FIRST_SECRETARY)
        batch = self.find_batch(look, t.get("batch", ""), start, n, add)
        out["batch_end"] = batch.end_date if batch else None
        out["assignment"] = {"batch_id": batch.pk if batch else None, "dispatch_level": level, "role": role,
                             "start_date": start, "end_date": end}

    def parse(self, parser, v, t, key, n, add, *args, default=None):
        if not t.get(key):
            return default
        value, error = self.cell(key, v[key], parser, *args)
        if error is not None:
            add(n, key, error)
            return None
        return value

    def find_village(self, look, code, township, name, n, add):
        if code:
            village = look.villages_by_code.get(code)
            if village is None:
                add(n, "village_code", f"行政区划代码 {code} 不是您管辖范围内的村。")
            return village
        candidates = look.villages_by_name.get(name, [])
        if township:
            candidates = [c for c in candidates if c.township == township]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            where = f"{township}" if township else "您的管辖范围内"
            add(n, "village", f"{where}没有名为“{name}”的村。")
        else:
            add(n, "village", f"有 {len(candidates)} 个名为“{name}”的村，请填写镇（街道）或行政区划代码加以区分。")
        return None

    def find_batch(self, look, name, start, n, add):
        if name:
            batch = look.batches.get(name)
            if batch is None:
                add(n, "batch", f"派驻批次“{name}”不存在。")
            elif start and not batch.start_date <= start <= batch.end_date:
                add(n, "start_date", f"开始日期不在批次“{name}”的期间内。")
            return batch
        if start is None:
            return None
        fitting = [b for b in look.batches.values() if b.start_date <= start <= b.end_date]
        if not fitting:
            add(n, "batch", "没有包含该开始日期的派驻批次，请填写派驻批次。")
            return None
        return max(fitting, key=lambda b: b.start_date)

    # --- rows together: duplicates, who is where, what changes --------------------------------------

    def resolve(self, parsed, look, problems, plan):
        add = problems.add
        seen_ids, seen_villages = {}, {}
        moving_out = {}  # active assignment id → (the row that ends it, that row's start date)
        people, ends, updates, creates, units = [], {}, [], [], {}
        for p in parsed:
            number = p.get("id_number")
            if number in seen_ids:
                add(p["row"], "id_number", f"与第 {seen_ids[number]} 行的身份证号重复。")
                p["dup"] = True
            elif number:
                seen_ids[number] = p["row"]
            person = look.people.get(number)
            current = look.active.get(person.pk) if person else None
            village = p.get("village")
            if village and current and current.village_id != village.pk:
                if p.get("rotation"):
                    moving_out[current.pk] = (p["row"], p["assignment"]["start_date"])
                    self.check_rotation_date(p, current, add)
                else:
                    add(p["row"], "village",
                        f"该同志目前在{look.place(current)}在岗；如属轮换，请在“是否轮换”列填“是”。")
            p["person"], p["current"] = person, current
        for p in parsed:
            village, asg = p.get("village"), p.get("assignment")
            if not village or not asg or asg["role"] != Assignment.Duty.FIRST_SECRETARY:
                continue
            if village.pk in seen_villages:
                add(p["row"], "village", f"与第 {seen_villages[village.pk]} 行安排到同一个村任第一书记。")
                continue
            seen_villages[village.pk] = p["row"]
            occupant = look.occupants.get(village.pk)
            if occupant and (p["person"] is None or occupant.secretary_id != p["person"].pk):
                start = asg["start_date"]
                if occupant.pk in moving_out:  # the occupant leaves by another row of this file
                    leaves = moving_out[occupant.pk][1]
                    if start and leaves and start < leaves:
                        add(p["row"], "start_date", f"该村现任第一书记{occupant.secretary.name}"
                                                    f"在 {leaves:%Y-%m-%d} 才改任他处，开始日期不能早于这一天。")
                elif p.get("rotation"):
                    moving_out[occupant.pk] = (p["row"], start)
                    self.check_rotation_date(p, occupant, add)
                else:
                    add(p["row"], "village",
                        f"该村已有在岗第一书记{occupant.secretary.name}；如属轮换，请在“是否轮换”列填“是”。")
        bad_rows = {problem.row for problem in problems.problems}
        for p in parsed:
            if p["row"] in bad_rows:
                continue
            self.classify(p, look, plan, people, ends, updates, creates, units, moving_out)
        plan.payload = {"people": people, "ends": ends, "updates": updates, "creates": creates, "units": units,
                        "hashes": look.hashes}

    @staticmethod
    def check_rotation_date(p, ending, add):
        start = p["assignment"]["start_date"]
        if start and start <= ending.start_date:
            add(p["row"], "start_date",
                f"轮换的开始日期须晚于{ending.secretary.name}现任职务的开始日期（{ending.start_date:%Y-%m-%d}）。")

    def classify(self, p, look, plan, people, ends, updates, creates, units, moving_out):
        person, current, village, asg = p["person"], p["current"], p.get("village"), p.get("assignment")
        fields = p["fields"]
        if "unit_new" in p:
            units[p["unit_new"][0]] = p["unit_new"][1]
            fields.pop("unit_id", None)
        region_id = village.region_id if village else (person.region_id if person else self.user.region_id)
        if person is None:
            changed = ["新增人员"]
        else:
            changed = [LABELS[k] for k, value in fields.items() if getattr(person, k) != value]
            if "unit_new" in p:
                changed.append(LABELS["unit_id"])
        if village:
            values = {**asg, "village_id": village.pk}
            if current and current.village_id == village.pk:
                if values["end_date"] is None:  # a blank cell leaves the stored end date alone
                    values["end_date"] = current.end_date
                diff = [LABELS[k] for k in ASSIGNMENT_FIELDS if getattr(current, k) != values[k]]
                if diff:
                    updates.append((current, values))
                    changed += diff
            else:
                if values["end_date"] is None:  # a new assignment runs to the end of its batch unless told
                    values["end_date"] = p.get("batch_end")
                for ended in (current, look.occupants.get(village.pk)):
                    if ended is not None and moving_out.get(ended.pk, (None,))[0] == p["row"]:
                        ends[ended.pk] = asg["start_date"] - datetime.timedelta(days=1)
                creates.append((p, values))
                changed.append("新派驻")
        people.append((p, fields, region_id, changed))
        kind = "new" if person is None else "updated" if changed else "unchanged"
        getattr(plan, kind).append(self.sample(p, village, changed))

    def sample(self, p, village, changed):
        shown = privacy.shown_number(self.user, p.get("id_number", ""))
        place = f"{village.township} · {village.name}" if village else ""
        return [p["row"], p["fields"].get("name", ""), shown, p.get("unit_name", ""), place, "、".join(changed)]

    # --- writing ------------------------------------------------------------------------------------

    def write(self, plan):
        try:
            with transaction.atomic():
                roster_apply(user=self.user, unit_region=self.default_unit_region(), **plan.payload)
        except IntegrityError:
            refuse_numbers_registered_elsewhere(plan.payload["people"])  # that was why: say so
            raise

    def default_unit_region(self):
        region = self.user.region
        while region is not None and region.level in (Region.Level.TOWNSHIP, Region.Level.VILLAGE):
            region = region.parent
        return region


ELSEWHERE = (
    "第 {rows} 行不能作为新增人员登记。如该同志此前由其他县（市、区）登记，须由市委组织部办理调转后再导入；"
    "否则请核对身份证号。未写入任何数据。"
)


def refuse_numbers_registered_elsewhere(people):
    """A "new" person whose number is registered where the importer cannot see: refuse the whole import with one
    message that neither says where nor whose. (The preview treated the row like any new person, so it tells
    nothing; this confirm-time refusal is the only answer, and only a full, valid row can provoke it.)"""
    new = {row["id_number"]: row["row"] for row, *_ in people if row["person"] is None}
    taken = []
    for part in chunks(new):
        taken += Secretary.objects.filter(id_number__in=part).values_list("id_number", flat=True)
    if taken:
        raise ValidationError(ELSEWHERE.format(rows="、".join(str(r) for r in sorted(new[n] for n in taken))))


def may_import(user):
    """As on the pages: only who may add a secretary on /secretaries/new/ may create or rotate people by file.
    Township officials correct contact details on the edit page; they do not import the roster."""
    return user.is_authenticated and user.has_perm("secretaries.add_secretary") and user.sees_full_id_numbers


def _message(error):
    return error.messages[0] if isinstance(error, ValidationError) else str(error)
