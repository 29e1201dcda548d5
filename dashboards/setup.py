"""The county administrator's setup checklist: what a new county still has to do before the programme runs.

Six steps in the order the work depends on them (regions before units before the roster …), each with its count
and the page that does it. Shown on the administrator's home until every step has something in it.
"""

from dataclasses import dataclass

from django.db.models import F, Func, IntegerField, Subquery
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from evaluations.models import Scheme
from secretaries.models import Assignment, Batch, DispatchUnit, Secretary
from villages.models import Region, Village


@dataclass
class Step:
    title: str
    count: str
    done: bool
    url: str
    action: str
    hint: str


def checklist(user, counts=None):
    """[Step, ...] for a county (or city) administrator while any step is left; None once done, or for others.
    `counts`: the steps' counts when the caller has them (a city or province dashboard keeps them with its totals)."""
    if not user.is_county_admin or user.region is None:
        return None
    counts = counts or step_counts(user)
    villages = {"all": counts["villages"], "needing": counts["needing"]}
    people = {"all": counts["people"], "with_login": counts["with_login"]}
    townships, units, batches = counts["townships"], counts["units"], counts["batches"]
    serving, officials, schemes = counts["serving"], counts["officials"], counts["schemes"]
    steps = [
        Step("区划与村", f"{townships} 个镇（街道），{villages['all']} 个村（{villages['needing']} 个需选派）",
             villages["all"] > 0, reverse("excel:import_start", args=["regions"]), "导入区划与村",
             "用 Excel 一次导入镇（街道）、村、村标签和年度数据。"),
        Step("派出单位", f"{units} 个", units > 0, reverse("secretaries:unit_list"), "登记派出单位",
             "省、市、县直部门和企事业单位；导入花名册时也可一并新建。"),
        Step("派驻批次", f"{batches} 个", batches > 0, reverse("secretaries:batch_list"), "登记批次",
             "如“2024—2026年新一轮第一书记派驻批次”，派驻期满日期默认取自批次。"),
        Step("花名册", f"{people['all']} 人，在岗 {serving} 人", people["all"] > 0,
             reverse("excel:import_start", args=["roster"]), "导入花名册", "第一书记的基本信息和派驻村。"),
        Step("账号", f"镇街工作人员 {officials} 个；第一书记 {people['with_login']}/{people['all']} 人已开通",
             officials > 0 and people["all"] > 0 and people["with_login"] == people["all"],
             reverse("accounts:user_list"), "管理账号",
             "为镇街、派出单位、县领导开通账号，为第一书记批量开通登录。"),
        Step("考评方案", f"{schemes} 个", schemes > 0, reverse("evaluations:scheme_list"), "制定考评方案",
             "五看四评三争：维度、渠道和权重。"),
    ]
    return None if all(step.done for step in steps) else steps


def step_counts(user):
    """{step figure: count} over the administrator's region, in one query."""
    return _counts(user, {
        "villages": Village.objects.for_user(user),
        "needing": Village.objects.for_user(user).filter(needs_secretary=True),
        "townships": Region.objects.for_user(user).filter(level=Region.Level.TOWNSHIP),
        "units": DispatchUnit.objects.for_user(user),
        "batches": Batch.objects.for_user(user),
        "people": Secretary.objects.for_user(user),
        "with_login": Secretary.objects.for_user(user).filter(user__isnull=False),
        "serving": Assignment.objects.for_user(user).filter(status="active"),
        "officials": User.objects.for_user(user).filter(role=Role.TOWNSHIP, is_active=True),
        "schemes": Scheme.objects.for_user(user),
    })


def _counts(user, querysets):
    """{name: rows in queryset} in one query: each count is a scalar subquery of a single select."""
    columns = {f"n_{name}": Subquery(qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1],
                              output_field=IntegerField())
               for name, qs in querysets.items()}
    row = Region.objects.filter(pk=user.region_id).annotate(**columns).values(*columns).get()
    return {name[2:]: value or 0 for name, value in row.items()}
