"""Score sheets (考评分数): one row per person scored, channel and — in 观摩互评 — rater, one column per dimension.

The period's own dimensions (its copy of the rules) make the columns. A row for a (person, channel, rater)
that already has scores replaces them; 党员群众测评 rows carry the survey counts "满意/基本满意/不满意" per
dimension and replace the person's earlier imported tallies (online answers stay as they are).
Only the participants the user's region reaches can be named; anyone else is "not in your list", never more.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404

from accounts import audit
from accounts.models import AuditLog
from accounts.params import id_or_404
from excel import values as cell
from excel.pipeline import Importer, Plan, RowProblems, insert_rows
from excel.reader import Column, FileRejected
from secretaries import idcard
from villages.dbstats import analyze_after_commit

from . import access, services
from .models import DEFAULT_DIMENSIONS, SCORE_ROW_CHANNELS, Channel, Participant, Period, Score, ScoreTotal, SurveyTally

BASE_COLUMNS = (
    Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "身份证", "被评人身份证号"), required=True),
    Column("name", "姓名", ("被评人", "被评人姓名"), required=True),
    Column("channel", "渠道", ("评价渠道", "考评渠道"), required=True),
    Column("rater", "评分人", ("评分人身份证号", "评分人姓名")),
)
CHANNELS = Channel.choices
# The channels a sheet may carry: a grid's, and the survey counts.
SHEET_CHANNELS = (*SCORE_ROW_CHANNELS, Channel.SURVEY)
OUTSIDE = "不在您的管辖范围或不在本期参评名单中。"
SCORE_FORMAT = "应为 0–100 的数字，最多两位小数。"
COUNTS_FORMAT = "党员群众测评应填写“满意/基本满意/不满意”三个人数，用“/”隔开，如 16/3/1。"
COUNTS_AS_DATE = "该单元格被 Excel 当成了日期：请把各维度列设为文本格式，再重新填写三个人数，如 16/3/1。"
MAX_COUNT = 1_000_000
LOOKS_LIKE_ID = re.compile(r"\d{6,}[\dX]*")
CHUNK = 5000

SCORE_FIELDS = ("period_id", "participant_id", "channel", "rater_id", "dimension", "value", "entered_by_id")
TALLY_FIELDS = (
    "period_id", "participant_id", "dimension", "source", "satisfied", "basic", "unsatisfied", "channel",
)  # COPY writes every column it names: channel too (its default lives in Python)


@dataclass(frozen=True)
class Person:
    """One participant of the period, as the rows are checked against it."""

    pk: int
    id_number: str
    name: str
    unit: str
    place: str


def dimension_columns(names):
    return tuple(Column(f"d{position}", name, required=True) for position, name in enumerate(names, start=1))


def chunks(items):
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


class ScoreImporter(Importer):
    kind = "scores"
    title = "考评分数"
    counted_as = "条"  # one person's scores in one channel (and from one rater)
    columns = BASE_COLUMNS + dimension_columns(name for name, _criteria in DEFAULT_DIMENSIONS)

    # --- the period, chosen on the start page or with --period ------------------------------------------

    @classmethod
    def options_from_request(cls, request):
        raw = request.POST.get("period") or request.GET.get("period")
        if not raw:
            return {}
        period = get_object_or_404(Period.objects.for_user(request.user), pk=id_or_404(raw, "没有这个考评周期。"))
        access.require_manager(request.user, period)
        return {"period": period.pk}

    @classmethod
    def start_context(cls, user, options):
        if options.get("period"):
            period = Period.objects.select_related("region").get(pk=options["period"])
            lines = [f"导入到：{period}（{period.get_status_display()}）；考评维度：{'、'.join(period.dimensions)}。"]
            if not period.is_scoring:
                lines.append(services.FROZEN if period.is_frozen else services.NOT_SCORING)
            return {"option_lines": lines}
        periods = Period.objects.for_user(user, "change").filter(status=Period.Status.SCORING).select_related("region")
        return {"option_choices": {"name": "period", "label": "考评周期", "choices": [(p.pk, str(p)) for p in periods],
                                   "empty": "目前没有评分中的考评周期，请先开启评分。"}}

    @classmethod
    def template_sheets(cls, user, period=None, **options):
        from excel.writer import SheetSpec

        period = Period.objects.filter(pk=period).first() if period else None
        names = period.dimensions if period else [name for name, _criteria in DEFAULT_DIMENSIONS]
        headers = ["*身份证号", "*姓名", "*渠道", "评分人", *(f"*{name}" for name in names)]
        sheets = [
            SheetSpec(cls.title, headers, [], text_columns={0, 3, *range(4, len(headers))},
                      widths={0: 22, 1: 10, 2: 14, 3: 22, **{i: 10 for i in range(4, len(headers))}},
                      dropdowns={2: [Channel(c).label for c in SHEET_CHANNELS]}),
            SheetSpec("填表说明", ["填表说明"], [[line] for line in instructions(names)], widths={0: 110},
                      freeze_header=False),
        ]
        if period is not None:
            people = Participant.objects.for_user(user).filter(period=period).select_related(
                "secretary", "township", "village__region").order_by("township__path", "village__region__name")
            shown = str if user.sees_full_id_numbers else idcard.mask
            sheets.append(SheetSpec("参评名单", ["身份证号", "姓名", "镇街", "所驻村", "派出单位"], (
                [shown(p.secretary.id_number), p.secretary.name, p.township.name, p.village.region.name, p.unit_name]
                for p in people), text_columns={0}, widths={0: 22, 1: 10, 2: 14, 3: 14, 4: 24}))
        return sheets

    def load_period(self):
        """The period the options name, if the user runs it and it is open for scoring; else FileRejected."""
        period = Period.objects.for_user(self.user).select_related("region").filter(
            pk=self.options.get("period") or 0).first()
        if period is None:
            raise FileRejected("请选择要导入的考评周期（找不到该考评周期，或它不在您的管辖范围内）。")
        if not access.manages(self.user, period):
            raise FileRejected("只有组织该考评的县委组织部管理员可以导入分数。")
        try:
            services.ensure_scoring(period)
        except ValidationError as refused:
            raise FileRejected(refused.messages[0]) from None
        return period

    def read(self, data, filename):
        self.period = self.load_period()
        self.columns = BASE_COLUMNS + dimension_columns(self.period.dimensions)
        return super().read(data, filename)

    # --- checking the rows ------------------------------------------------------------------------------

    def plan_rows(self, table):
        problems = RowProblems(table)
        problems.headers = {**{c.key: c.header for c in self.columns}, **table.headers}  # 评分人 may be absent
        self.load_people()
        parsed = [self.parse_row(row, problems.add) for row in table.rows]
        self.check_duplicates(parsed, problems.add)
        bad = {problem.row for problem in problems.problems}
        good = [p for p in parsed if p["row"] not in bad]
        plan = Plan(rows=len(table.rows))
        self.classify(good, plan)
        plan.problems = sorted(problems.problems, key=lambda p: (p.row, p.column))
        return plan

    def load_people(self):
        self.by_id, self.by_name, self.by_pk = {}, {}, {}
        rows = (Participant.objects.for_user(self.user).filter(period=self.period)
                .values_list("pk", "secretary__id_number", "secretary__name", "unit_name", "township__name",
                             "village__region__name"))
        for pk, number, name, unit, township, village in rows:
            person = Person(pk, number, name, unit, f"{township} · {village}")
            self.by_id[number] = self.by_pk[pk] = person
            self.by_name.setdefault(name, []).append(person)

    def parse_row(self, row, add):
        n, v = row.number, row.values
        for key, value in v.items():
            if value is cell.FORMULA_WITHOUT_VALUE:  # said once here; the cell is then left unjudged
                add(n, key, cell.FORMULA_MESSAGE + "。")
        out = {"row": n, "person": self.find_person(v, n, add), "channel": None, "rater": None, "values": {}}
        if v.get("channel") is cell.FORMULA_WITHOUT_VALUE:
            return out
        try:
            out["channel"] = cell.parse_choice(v.get("channel"), CHANNELS)
        except ValueError as error:
            add(n, "channel", f"{error}。")
            return out  # the dimension cells mean scores or survey counts depending on the channel
        refused = services.channel_refusal(self.period, out["channel"], allowed=SHEET_CHANNELS)
        if refused:
            add(n, "channel", refused)
            return out
        out["rater"] = self.find_rater(v, n, out, add)
        parse = parse_counts if out["channel"] == Channel.SURVEY else parse_score
        for position in range(1, len(self.period.dimensions) + 1):
            value = v.get(f"d{position}")
            if value is cell.FORMULA_WITHOUT_VALUE:
                continue
            try:
                out["values"][position] = parse(value)
            except ValueError as error:
                add(n, f"d{position}", str(error))
        return out

    def find_person(self, v, n, add):
        if cell.FORMULA_WITHOUT_VALUE in (v.get("id_number"), v.get("name")):
            return None
        try:
            number = idcard.parse(v.get("id_number")).number
        except ValidationError as error:
            add(n, "id_number", error.messages[0])
            return None
        name = cell.normalize_text(v.get("name"))
        person = self.by_id.get(number)
        if person is None:
            add(n, "id_number", "该身份证号" + OUTSIDE)
        elif not name:
            add(n, "name", "请填写姓名。")
        elif name != person.name:
            add(n, "name", f"姓名“{name}”与该身份证号的参评人员“{person.name}”不符，请核对。")
        return person

    def find_rater(self, v, n, out, add):
        value, channel = v.get("rater"), out["channel"]
        if value is cell.FORMULA_WITHOUT_VALUE:
            return None
        text = idcard.normalize(cell.normalize_text(value))
        if channel != Channel.PEER:
            if text:
                add(n, "rater", f"{Channel(channel).label}不填评分人（只有观摩互评填写），请留空。")
            return None
        if not text:
            add(n, "rater", "观摩互评须填写评分人：评分人的身份证号，或其姓名（本期参评人员中没有同名时）。")
            return None
        if not isinstance(value, str) or LOOKS_LIKE_ID.fullmatch(text):
            try:
                rater = self.by_id.get(idcard.parse(value).number)
            except ValidationError as error:
                add(n, "rater", "评分人的" + error.messages[0])
                return None
            if rater is None:
                add(n, "rater", "评分人的身份证号" + OUTSIDE)
        else:
            found = self.by_name.get(text, [])
            if len(found) > 1:
                add(n, "rater", f"本期参评人员中有 {len(found)} 人名为“{text}”，请改填评分人的身份证号。")
                return None
            rater = found[0] if found else None
            if rater is None:
                add(n, "rater", f"评分人“{text}”" + OUTSIDE)
        if rater is not None and out["person"] is not None and rater.pk == out["person"].pk:
            add(n, "rater", "不能给自己评分。")
        return rater

    @staticmethod
    def check_duplicates(parsed, add):
        seen = {}
        for p in parsed:
            if p["person"] is None or p["channel"] is None or (p["channel"] == Channel.PEER and p["rater"] is None):
                continue
            key = (p["person"].pk, p["channel"], p["rater"].pk if p["rater"] else None)
            if key in seen:
                add(p["row"], "id_number", f"与第 {seen[key]} 行重复：同一被评人、渠道和评分人只能有一行。")
            else:
                seen[key] = p["row"]

    # --- what changes -----------------------------------------------------------------------------------

    def classify(self, rows, plan):
        scores, tallies = self.existing(rows)
        creates, updates, survey = [], [], {}
        user_id = self.user.pk
        for p in rows:
            person, rater, channel, after = p["person"], p["rater"], p["channel"], p["values"]
            if channel == Channel.SURVEY:
                before = tallies.get(person.pk, {})
                if before != after:
                    survey[person.pk] = after
            else:
                mine = scores.get((person.pk, channel, rater.pk if rater else None), {})
                before = {d: value for d, (_pk, value) in mine.items()}
                for d, value in after.items():
                    if d not in mine:
                        creates.append((self.period.pk, person.pk, channel, rater.pk if rater else None, d, value,
                                        user_id))
                    elif mine[d][1] != value:
                        updates.append(Score(pk=mine[d][0], value=value, entered_by_id=user_id))
            kind = "new" if not before else "unchanged" if before == after else "updated"
            getattr(plan, kind).append(self.sample(p, before, after, kind))
        plan.payload = {"creates": creates, "updates": updates, "survey": survey}

    def existing(self, rows):
        """Stored scores per (person, channel, rater) and imported tallies per person, for the people in the file."""
        people = {p["person"].pk for p in rows if p["channel"] != Channel.SURVEY}
        surveyed = {p["person"].pk for p in rows if p["channel"] == Channel.SURVEY}
        scores, tallies = {}, {}
        for part in chunks(people):
            for pk, pid, channel, rater, d, value in Score.objects.filter(
                    period=self.period, participant_id__in=part).exclude(channel=Channel.SURVEY).values_list(
                    "pk", "participant_id", "channel", "rater_id", "dimension", "value"):
                scores.setdefault((pid, channel, rater), {})[d] = (pk, value)
        for part in chunks(surveyed):
            for pid, d, *counts in SurveyTally.objects.filter(
                    period=self.period, participant_id__in=part, source=SurveyTally.Source.IMPORT).values_list(
                    "participant_id", "dimension", "satisfied", "basic", "unsatisfied"):
                tallies.setdefault(pid, {})[d] = tuple(counts)
        return scores, tallies

    def sample(self, p, before, after, kind):
        person, rater = p["person"], p["rater"]
        channel = Channel(p["channel"]).label + (f"（评分人：{rater.name}）" if rater else "")
        if kind == "updated":
            names = self.period.dimensions
            show = (lambda x: "/".join(map(str, x))) if p["channel"] == Channel.SURVEY else (lambda x: f"{x:f}")
            diff = [f"{names[d - 1]} {show(before[d]) if d in before else '—'}→{show(value)}"
                    for d, value in after.items() if before.get(d) != value]
            channel += "：" + "、".join(diff)
        shown = person.id_number if self.user.sees_full_id_numbers else idcard.mask(person.id_number)
        return [p["row"], person.name, shown, person.unit, person.place, channel]

    # --- writing ----------------------------------------------------------------------------------------

    def write(self, plan):
        period = Period.objects.select_for_update().get(pk=self.period.pk)
        services.ensure_scoring(period)  # locked since the check: a ValidationError, nothing written
        payload = plan.payload
        insert_rows(Score, SCORE_FIELDS, payload["creates"])
        analyze_after_commit([ScoreTotal], rows=len(payload["creates"]))  # the totals the database wrote for them
        Score.objects.bulk_update(payload["updates"], ["value", "entered_by"], batch_size=2000)
        survey = payload["survey"]
        for part in chunks(survey):
            SurveyTally.objects.filter(period=period, participant_id__in=part,
                                       source=SurveyTally.Source.IMPORT).delete()
        insert_rows(SurveyTally, TALLY_FIELDS, (
            (period.pk, pid, d, SurveyTally.Source.IMPORT.value, *counts, "survey")
            for pid, values in survey.items() for d, counts in values.items()))
        counts = plan.counts
        audit.record(user=self.user if self.user.pk else None, action=AuditLog.Action.UPDATE, obj=period,
                     changes={"考评分数导入": {"行数": counts["rows"], "新增": counts["new"],
                                          "更新": counts["updated"], "无变化": counts["unchanged"]}})


def parse_score(value):
    """A score cell → Decimal in 0–100 with at most two decimals, or ValueError with the reason."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | None):
        raise ValueError(f"不是分数：{SCORE_FORMAT}")
    text = cell.normalize_text(value)
    if not text:
        raise ValueError("请填写分数（0–100）。")
    try:
        score = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{text}”不是分数：{SCORE_FORMAT}") from None
    if not score.is_finite():
        raise ValueError(f"“{text}”不是分数：{SCORE_FORMAT}")
    if not 0 <= score <= 100:
        raise ValueError(f"分数 {text} 超出范围：{SCORE_FORMAT}")
    if score != score.quantize(Decimal("0.01")):
        raise ValueError(f"分数 {text} 的小数超过两位：{SCORE_FORMAT}")
    return score.quantize(Decimal("0.01"))


def parse_counts(value):
    """A survey cell "16/3/1" → (满意, 基本满意, 不满意), or ValueError with the reason."""
    if value in (None, ""):
        raise ValueError("请填写三个人数（满意/基本满意/不满意），如 16/3/1。")
    if not isinstance(value, str):
        raise ValueError(COUNTS_AS_DATE if hasattr(value, "year") else COUNTS_FORMAT)
    parts = [part.strip() for part in cell.normalize_text(value).split("/")]
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
        raise ValueError(f"“{value}”：{COUNTS_FORMAT}")
    counts = tuple(int(part) for part in parts)
    if max(counts) > MAX_COUNT:
        raise ValueError(f"人数过大（每项最多 {MAX_COUNT} 人），请核对。")
    if not sum(counts):
        raise ValueError("三个人数不能都是 0。")
    return counts


def instructions(dimensions):
    names = "、".join(dimensions)
    return (
        "1. 每行是一名参评第一书记在一个评价渠道的分数。带 * 的列必须填写。",
        "2. 身份证号、姓名须与本期参评名单一致：以身份证号查找被评人，姓名用于核对。"
        "本模板的“参评名单”工作表列出了本期参评人员。",
        "3. 渠道填写 组织考评、镇街点评、观摩互评 或 党员群众测评（可从下拉列表选择）。",
        "4. 观摩互评每位评分人一行，“评分人”填写评分人的身份证号，或其姓名（本期参评人员中没有同名时）；"
        "评分人须是本期参评的第一书记，不能给自己评分。其他渠道的“评分人”留空。",
        f"5. 组织考评、镇街点评、观摩互评：各维度（{names}）填写 0–100 的分数，最多两位小数，每个维度都要填写。",
        "6. 党员群众测评汇总：各维度填写“满意/基本满意/不满意”三个人数，用“/”隔开，"
        "如 16/3/1 表示满意 16 人、基本满意 3 人、不满意 1 人；"
        "该维度得分 =（100 × 满意 + 60 × 基本满意 + 0 × 不满意）÷ 总人数。"
        "导入的汇总替换该同志此前导入的汇总，测评码在线测评的结果不受影响。",
        "7. 身份证号、评分人和各维度列已设为文本格式，请勿改为常规或日期格式："
        "否则身份证号会丢失后几位，16/3/1 会被当成日期。",
        "8. 同一被评人、渠道和评分人在文件中只能有一行；系统中已有的分数按文件中的分数更新。",
        "9. 只能导入评分中的考评周期。上传后系统先预览：列出将新增、更新、无变化的行数和每一处错误"
        "（行号、列名、原因）；确认后才写入，有任何错误则不写入。",
    )
