"""The county administrator's setup checklist: what a new county still has to do before the programme runs.

Six steps in the order the work depends on them (regions before units before the roster …), each with its count
and the page that does it. Shown on the administrator's home until every step has something in it.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
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


def checklist(user):
    """[Step, ...] for a county (or city) administrator while any step is left; None once done, or for others."""
    if not user.is_county_admin or user.region is None:
        return None
    villages = Village.objects.for_user(user).aggregate(
        all=Count("pk"), needing=Count("pk", filter=Q(needs_secretary=True)))
    townships = Region.objects.for_user(user).filter(level=Region.Level.TOWNSHIP).count()
    units = DispatchUnit.objects.for_user(user).count()
    batches = Batch.objects.for_user(user).count()
    people = Secretary.objects.for_user(user).aggregate(all=Count("pk"), with_login=Count("user"))
    serving = Assignment.objects.for_user(user).filter(status="active").count()
    officials = User.objects.for_user(user).filter(role=Role.TOWNSHIP, is_active=True).count()
    schemes = Scheme.objects.for_user(user).count()
    steps = [
        Step("区划与村", f"{townships} 个镇（街道），{villages['all']} 个村（{villages['needing']} 个需选派）",
             villages["all"] > 0, reverse("excel:import_start", args=["regions"]), "导入区划与村",
             "用 Excel 一次导入镇（街道）、村、村标签和年度数据。"),
        Step("派出单位", f"{units} 个", units > 0, reverse("secretaries:unit_list"), "登记派出单位",
             "省、市、县直部门和企事业单位；导入花名册时也可一并新建。"),
        Step("派驻批次", f"{batches} 个", batches > 0, reverse("admin:secretaries_batch_changelist"), "登记批次",
             "如“2024—2026年新一轮第一书记派驻批次”，派驻期满日期默认取自批次。"),
        Step("花名册", f"{people['all']} 人，在岗 {serving} 人", people["all"] > 0,
             reverse("excel:import_start", args=["roster"]), "导入花名册", "第一书记的基本信息和派驻村。"),
        Step("账号", f"镇街工作人员 {officials} 个；第一书记 {people['with_login']}/{people['all']} 人已开通",
             officials > 0 and people["all"] > 0 and people["with_login"] == people["all"],
             reverse("admin:accounts_user_changelist"), "管理账号",
             "为镇街、派出单位、县领导开通账号，为第一书记批量开通登录。"),
        Step("考评方案", f"{schemes} 个", schemes > 0, reverse("evaluations:scheme_list"), "制定考评方案",
             "五看四评三争：维度、渠道和权重。"),
    ]
    return None if all(step.done for step in steps) else steps
