"""派出单位考核 as rows: the page, the unit ranking workbook and the yearly report's sheet read the same rows.

Results are the rating's stored rows (computed in the database by units.rating and frozen when locked); a user sees
the units their region holds, and a unit contact only their own unit.
"""

from dataclasses import dataclass

from excel.writer import SheetSpec
from secretaries.models import DispatchUnit
from units.models import Rating, RatingResult

SHEET_TITLE = "派出单位考核"
HEADERS = ("单位层级", "同层级排名", "总排名", "派出单位", "在岗选派干部（人）", "选派干部考评结果", "资金和物资支持",
           "履责事项完成年度目标", "关心关爱", "综合得分", "支持金额（万元）", "党委（党组）会议研究（次）",
           "到村调研走访（次）")
LEVELS = dict(DispatchUnit.Level.choices)
# 省直 → 省派 and so on: the articles rank units by the level of the people they send.
LEVEL_GROUPS = {"province": "省派单位", "city": "市派单位", "county": "县派单位", "other": "其他单位"}


@dataclass
class UnitReport:
    rating: object
    user: object = None

    def results(self):
        rows = RatingResult.objects.filter(rating=self.rating)
        if self.user is not None:
            rows = rows.filter(pk__in=RatingResult.objects.for_user(self.user).values("pk"))
        return rows.select_related("unit").order_by("level", "rank_level", "unit__name", "pk")

    def groups(self):
        """[(level label, [result, ...])] in the order 省派, 市派, 县派, 其他."""
        found = {}
        for row in self.results():
            found.setdefault(row.level, []).append(row)
        return [(LEVEL_GROUPS[level], found[level]) for level in LEVEL_GROUPS if level in found]

    @staticmethod
    def cells(row):
        return [LEVEL_GROUPS.get(row.level, row.level), row.rank_level, row.rank_all, row.unit.name, row.people,
                row.results_score, row.support_score, row.actions_score, row.care_score, row.total,
                row.support_amount, row.meetings, row.visits]

    def rows(self):
        rows = [self.cells(row) for row in self.results()]
        rules = self.rating.rules or {}
        note = (f"权重：选派干部考评结果 {rules.get('weight_results')}%、"
                f"资金和物资支持 {rules.get('weight_support')}%、"
                f"履责事项完成年度目标 {rules.get('weight_actions')}%、关心关爱 {rules.get('weight_care')}%；"
                f"支持金额 {rules.get('support_full')} 万元得满分。无数据的部分不计，其权重按比例分配。"
                f"状态：{self.rating.get_status_display()}。")
        return [*rows, [], [note]]

    def sheet(self):
        return SheetSpec(SHEET_TITLE, HEADERS, self.rows(), text_columns={0, 3}, widths={0: 10, 3: 28})

    @property
    def title(self):
        return f"{self.rating.region.name}{self.rating.year}年度派出单位考核排名"

    @property
    def filename(self):
        return f"{self.title}.xlsx"


def for_year(year, user=None, region=None):
    """The UnitReport of the year the user may see in the yearly report (county staff: computed or locked;
    everyone else: locked), or None."""
    ratings = Rating.objects.filter(year=year).exclude(status=Rating.Status.DRAFT)
    if user is not None:
        ratings = Rating.objects.for_user(user).filter(year=year).exclude(status=Rating.Status.DRAFT)
        if not user.is_county_admin:
            ratings = ratings.filter(status=Rating.Status.LOCKED)
    elif region is None:
        ratings = ratings.filter(status=Rating.Status.LOCKED)
    if region is not None:
        ratings = ratings.filter(region__path__startswith=region.path)
    rating = ratings.select_related("region").order_by("region__path").first()
    return UnitReport(rating=rating, user=user) if rating else None
