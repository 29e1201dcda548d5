"""年度报告: one year's evaluation results for a region, as plain rows computed in the database.

The same rows feed the printable page and the workbook: 汇总 (per township: people evaluated, the grade
distribution, the average of each dimension), 排名 (one row per secretary of the year period, with the honours,
flags and stars of all that year's periods) and 明细 (every score and survey tally behind them, streamed).

Who sees what follows the results pages: rows through `for_user`, and a period's results only once published —
except for the county staff who run it (evaluations.access.sees_results, here as one queryset).
"""

import itertools
import queue
import tempfile
import threading
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, connections
from django.db.models import Avg, Count, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

import jobs
from accounts.scoping import PERSONAL_ROLES
from evaluations.models import Channel, Grade, Honour, Participant, Period, Score, SurveyTally
from excel.writer import XLSX_CONTENT_TYPE, SheetSpec, write_workbook
from jobs.services import JobError, Result
from villages.models import Region

from . import unit_report

EXCEL_MAX_ROWS = 1_048_575  # rows below the header on one sheet; 明细 goes on to 明细2, 明细3 … past it
CHUNK = 2000
CENT = Decimal("0.01")
RANKING_FIXED = ("姓名", "派出单位", "镇街", "村", "派驻层级")
RANKING_TAIL = ("组织考评", "镇街点评", "观摩互评", "党员群众测评", "综合得分", "县排名", "镇排名", "位次进退", "等次",
                "荣誉", "红旗（面）", "星级")
RANKING_TEXT = {*RANKING_FIXED, "位次进退", "等次", "荣誉"}
RANKING_WRAP = {"派出单位", "荣誉"}
DETAIL_HEADERS = ("考评周期", "姓名", "镇街", "村", "评价渠道", "评分人", "维度", "分数", "说明")
GRADES = [Grade.EXCELLENT, Grade.COMPETENT, Grade.BASIC, Grade.INCOMPETENT]
CHANNEL_LABELS = dict(Channel.choices)
TALLY_SOURCES = dict(SurveyTally.Source.choices)


class ReportError(Exception):
    """A report that cannot be made, with the reason in words for the person who asked."""


def periods_with_results(user):
    """Periods whose results the user sees: published ones in scope, and any the user runs as county staff.
    With no user (the management command run on the server) only published periods."""
    if user is None:
        return Period.objects.filter(status=Period.Status.PUBLISHED)
    periods = Period.objects.for_user(user)
    if user.is_county_admin:
        return periods.filter(Q(status=Period.Status.PUBLISHED)
                              | Q(pk__in=Period.objects.for_user(user, "change").values("pk")))
    return periods.filter(status=Period.Status.PUBLISHED)


def region_by_code(code, user=None):
    """The region with that 行政区划代码, within the user's scope."""
    regions = Region.objects.for_user(user) if user is not None else Region.objects.all()
    code = (code or "").strip()
    region = regions.filter(code=code).first() if code else None
    if region is None:
        scope = "，或不在该用户的管辖范围内" if user is not None else ""
        raise ReportError(f"没有行政区划代码为“{code}”的区域{scope}。")
    return region


def rounded(value):
    """A score as reports show it: two decimals, rounded half up (the database keeps more)."""
    return None if value is None else Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _count(queryset):
    """COUNT(*) of a correlated subquery, 0 when nothing matches."""
    return Coalesce(Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1]), 0)


def build(year, *, user=None, region=None):
    """The report of `year` as `user` may see it, optionally narrowed to `region` (a Region within their scope)."""
    if user is not None and user.role in PERSONAL_ROLES:
        raise ReportError("年度报告仅供组织部门、镇街和县领导导出。")
    if user is not None and region is not None and not Region.objects.for_user(user).filter(pk=region.pk).exists():
        raise ReportError(f"“{region.name}”不在您的管辖范围内。")
    periods = list(periods_with_results(user).filter(year=year).select_related("region")
                   .order_by("end_date", "-start_date", "region__path", "pk"))
    if not periods:
        raise ReportError(f"没有 {year} 年的考评结果：考评周期不存在，或尚未发布。")
    if not any(p.kind == Period.Kind.YEAR for p in periods):
        raise ReportError(f"{year} 年度考评尚未建立或尚未发布，暂不能生成年度报告（已有季度或半年考评）。")
    return YearlyReport(year=year, user=user, region=region, periods=periods)


@dataclass
class YearlyReport:
    year: int
    user: object
    region: Region | None
    periods: list  # every period of the year whose results the user sees, in calendar order

    # Scope ----------------------------------------------------------------------------------------------------
    @property
    def period_ids(self):
        return [p.pk for p in self.periods]

    @property
    def year_periods(self):
        return [p for p in self.periods if p.kind == Period.Kind.YEAR]

    @property
    def unpublished(self):
        return [p for p in self.periods if not p.is_published]

    @property
    def dimensions(self):
        """The year period's 五看 (a city user's counties share the scheme's names; the first period's are used)."""
        return self.year_periods[0].dimensions

    @property
    def positions(self):
        return range(1, len(self.dimensions) + 1)

    @property
    def scope_name(self):
        if self.region is not None:
            return self.region.name
        if self.user is not None and self.user.region is not None:
            return self.user.region.name
        return "全部区域"

    @property
    def title(self):
        return f"{self.scope_name}{self.year}年度第一书记考评报告"

    def _visible(self, model):
        return model.objects.for_user(self.user) if self.user is not None else model.objects.all()

    def _scoped(self, model, prefix=""):
        """The model's rows the user sees, narrowed to the chosen region (`prefix` leads to the participant)."""
        queryset = self._visible(model)
        if self.region is not None:
            queryset = queryset.filter(**{f"{prefix}village__region__path__startswith": self.region.path})
        return queryset

    def participants(self):
        """The people of the year period(s) in scope: the report's population."""
        return self._scoped(Participant).filter(period__in=[p.pk for p in self.year_periods])

    # 汇总 ---------------------------------------------------------------------------------------------------
    def summary(self):
        """Per township and in total: people, ranked, grades, 优秀待定, average composite and dimensions.
        Two queries."""
        people = self.participants()
        counts = {
            "people": Count("pk"), "ranked": Count("pk", filter=Q(composite__isnull=False)),
            **{f"grade_{g.value}": Count("pk", filter=Q(grade=g)) for g in GRADES},
            "pending": Count("pk", filter=Q(grade_pending=True)), "average": Avg("composite"),
            **{f"dimension_{i}": Avg(f"dimension_{i}") for i in self.positions},
        }
        rows = list(people.values("township", name=F("township__name")).annotate(**counts)
                    .order_by("township__path"))
        total = {"township": None, "name": "合计", **people.aggregate(**counts)}
        for row in (*rows, total):
            row["dimensions"] = [rounded(row[f"dimension_{i}"]) for i in self.positions]
        return {"rows": rows, "total": total, "headers": self.summary_headers()}

    def summary_headers(self):
        return ("镇街", "参评人数", "有成绩人数", *(g.label for g in GRADES), "优秀待定", "综合得分平均",
                *(f"{d}平均" for d in self.dimensions))

    @staticmethod
    def summary_cells(row):
        return [row["name"], row["people"], row["ranked"], *(row[f"grade_{g.value}"] for g in GRADES),
                row["pending"], rounded(row["average"]), *row["dimensions"]]

    def notes(self):
        """What the figures cover, under the 汇总 table and at the head of the page."""
        periods = "、".join(f"{p.region.name}{p.label}（{p.get_status_display()}）" for p in self.periods)
        return [
            f"报告范围：{self.scope_name}；考评年度：{self.year}；导出时间：{timezone.localtime():%Y-%m-%d %H:%M}。",
            f"计入的考评周期：{periods}。",
            "排名、等次和五看得分取自年度考评；荣誉、红旗和星级统计本年度各考评周期，荣誉只计已确认的。",
            *(["注意：含尚未发布的考评周期，结果在发布前仍可能调整。"] if self.unpublished else []),
        ]

    # 排名 ---------------------------------------------------------------------------------------------------
    def ranking(self):
        """One row per person of the year period, in rank order; the dimension scores, the honours of the
        year's periods (by kind), the red flags won and the highest star level reached all in the same query."""
        honours = self._visible(Honour).filter(period__in=self.period_ids, confirmed_at__isnull=False,
                                               participant__secretary=OuterRef("secretary"))
        won = self._visible(Participant).filter(period__in=self.period_ids, secretary=OuterRef("secretary"))
        annotations = {f"honour_{kind.value}": _count(honours.filter(kind=kind)) for kind in Honour.Kind}
        annotations["flags_won"] = _count(won.filter(flag=True))
        annotations["stars_reached"] = Coalesce(Subquery(won.order_by("-stars").values("stars")[:1]), 0)
        # Only the ranked: someone without any result (免评, or nothing scored) is not listed as if ranked.
        return (self.participants().filter(composite__isnull=False)
                .select_related("secretary", "township", "village__region")
                .annotate(**annotations)
                .order_by("period__region__path", F("rank_county").asc(nulls_last=True), "secretary__name", "pk"))

    def ranking_headers(self):
        return (*RANKING_FIXED, *self.dimensions, *RANKING_TAIL)

    def ranking_columns(self):
        """(header, CSS class) per column of 排名: the page right-aligns numbers and wraps only long text."""
        return [(header, "wrap" if header in RANKING_WRAP else "" if header in RANKING_TEXT else "num")
                for header in self.ranking_headers()]

    def ranking_cells(self, person):
        honours = "、".join(
            kind.label + (f"×{count}" if count > 1 else "")
            for kind in Honour.Kind if (count := getattr(person, f"honour_{kind.value}"))
        )
        grade = person.get_grade_display() + ("（优秀待定）" if person.grade_pending else "")
        return [
            person.secretary.name, person.unit_name, person.township.name, person.village.region.name,
            person.get_dispatch_level_display(),
            *(rounded(getattr(person, f"dimension_{i}")) for i in self.positions),
            rounded(person.score_org), rounded(person.score_township), rounded(person.score_peer),
            rounded(person.score_survey), rounded(person.composite), person.rank_county, person.rank_township,
            person.change_label, grade, honours, person.flags_won or None, person.stars_reached or None,
        ]

    def ranking_rows(self, limit=None):
        people = self.ranking()
        if limit is not None:
            return [self.ranking_cells(p) for p in people[:limit]]
        return (self.ranking_cells(p) for p in people.iterator(chunk_size=CHUNK))

    # 明细 ---------------------------------------------------------------------------------------------------
    def _scores(self):
        return self._scoped(Score, "participant__").filter(period__in=self.period_ids)

    def _tallies(self):
        return self._scoped(SurveyTally, "participant__").filter(period__in=self.period_ids)

    def detail_rows(self):
        """Every score (组织考评, 镇街点评, each peer rater's) and survey tally of the year's periods in scope,
        read in chunks: memory stays flat however many there are.

        Period by period in calendar order, and within a period in the order of the covering index
        (participant, channel, dimension): the models' default orderings would join the township and the names and
        sort millions of rows on eight keys (issue 18 measured 870 MB spilled to disk for a province)."""
        labels = {p.pk: f"{p.region.name}{p.label}" if len(self.year_periods) > 1 else p.label for p in self.periods}
        names = {p.pk: p.dimensions for p in self.periods}
        person = ("participant__secretary__name", "participant__township__name",
                  "participant__village__region__name")
        # Peer raters are named to county staff only (as on the results and appeal pages).
        names_raters = self.user is None or self.user.is_county_admin
        for period in self.periods:
            scores = (self._scores().filter(period=period.pk).order_by("participant_id", "channel", "dimension", "pk")
                      .values_list("period", *person, "channel", "rater__secretary__name", "dimension", "value")
                      .iterator(chunk_size=CHUNK))
            for period_id, name, township, village, channel, rater, dimension, value in scores:
                yield [labels[period_id], name, township, village, CHANNEL_LABELS.get(channel, channel),
                       (rater or "") if names_raters else "",
                       _dimension(names[period_id], dimension), value, ""]
        for period in self.periods:
            tallies = (self._tallies().filter(period=period.pk).order_by("participant_id", "dimension", "source")
                       .values_list("period", *person, "dimension", "source", "satisfied", "basic", "unsatisfied")
                       .iterator(chunk_size=CHUNK))
            for period_id, name, township, village, dimension, source, satisfied, basic, unsatisfied in tallies:
                answers = satisfied + basic + unsatisfied
                value = rounded(Decimal(100 * satisfied + 60 * basic) / answers) if answers else None
                yield [labels[period_id], name, township, village, Channel.SURVEY.label, "",
                       _dimension(names[period_id], dimension), value,
                       f"{TALLY_SOURCES.get(source, source)}：满意 {satisfied}、基本满意 {basic}、不满意 {unsatisfied}"]

    def detail_count(self):
        return self._scores().count() + self._tallies().count()

    # The workbook ------------------------------------------------------------------------------------------
    def unit_sheet(self):
        """派出单位考核: the year's unit ranking, or a line saying it is not computed yet."""
        units = unit_report.for_year(self.year, self.user, self.region)
        if units is None:
            return SheetSpec(unit_report.SHEET_TITLE, unit_report.HEADERS,
                             [[f"{self.year}年度派出单位考核尚未计算或尚未锁定。"]])
        return units.sheet()

    def sheets(self, *, detail_count=None, progress=False):
        """汇总, 排名, 明细 (split past Excel's row limit), 派出单位考核: lazily written sheet specs."""
        summary = self.summary()
        summary_rows = [self.summary_cells(row) for row in summary["rows"]]
        summary_rows += [self.summary_cells(summary["total"]), [], *([note] for note in self.notes())]
        detail_count = self.detail_count() if detail_count is None else detail_count
        details = read_ahead(self.detail_rows())
        if progress:
            details = self.with_progress(details, detail_count)
        parts = max(1, -(-detail_count // EXCEL_MAX_ROWS))
        return [
            SheetSpec("汇总", summary["headers"], summary_rows, widths={0: 16}),
            SheetSpec("排名", self.ranking_headers(), self.ranking_rows(), widths={1: 24, 2: 12, 3: 12}),
            *(SheetSpec("明细" if part == 0 else f"明细{part + 1}", DETAIL_HEADERS,
                        itertools.islice(details, EXCEL_MAX_ROWS), widths={0: 18, 8: 40})
              for part in range(parts)),
            self.unit_sheet(),
        ]

    @property
    def filename(self):
        return f"{self.title}.xlsx"

    def with_progress(self, rows, total, start=10, end=98, every=5000):
        """Pass rows through, telling the job (if any) how far the writing is."""
        for number, row in enumerate(rows, 1):
            if number % every == 0:
                jobs.progress(start + (end - start) * number // max(total, 1), f"已写入明细 {number:,} / {total:,} 行")
            yield row


def build_workbook(*, year, user_id, region_id=None):
    """The whole workbook, built in the background worker (a province's takes minutes): progress as rows are
    written, the file kept with the job for download."""
    from accounts.models import User

    user = User.objects.select_related("region").get(pk=user_id)
    region = Region.objects.get(pk=region_id) if region_id else None
    try:
        report = build(year, user=user, region=region)
    except ReportError as error:
        raise JobError(str(error)) from None
    jobs.progress(2, "正在汇总和排名……")
    total = report.detail_count()
    sheets = report.sheets(detail_count=total, progress=True)
    with tempfile.TemporaryFile() as file:
        write_workbook(file, sheets)
        jobs.progress(99, "正在保存文件……")
        file.seek(0)
        data = file.read()
    return Result(report.filename, data, XLSX_CONTENT_TYPE)


READ_AHEAD_BATCHES = 4
_DONE = object()


def read_ahead(rows, *, batch=CHUNK, depth=READ_AHEAD_BATCHES):
    """`rows`, read by a thread of its own while the caller writes the ones before: the query's waits for the
    database (a province's 明细 is millions of rows) overlap the writing. At most `depth` batches wait in between.

    The thread has its own database connection, which sees what is committed, not the caller's open transaction:
    inside a transaction (a test, a caller's atomic block) the rows are read in line instead."""
    if connection.in_atomic_block:
        yield from rows
        return
    batches = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item):
        while not stop.is_set():
            try:
                batches.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def read():
        try:
            chunk = []
            for row in rows:
                chunk.append(row)
                if len(chunk) >= batch:
                    if not put(chunk):
                        return
                    chunk = []
            put(chunk) and put(_DONE)
        except BaseException as error:  # handed to the caller, raised there
            put(error)
        finally:
            connections.close_all()  # this thread's own connection

    reader = threading.Thread(target=read, name="report-read-ahead", daemon=True)
    reader.start()
    try:
        while (item := batches.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stop.set()
        reader.join()


def _dimension(names, position):
    return names[position - 1] if 0 < position <= len(names) else f"第{position}项"
