"""manage.py export_roster --out FILE [--region CODE|NAME] [--user USERNAME]"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from excel.writer import write_workbook
from secretaries.exports import roster_rows, roster_sheet
from secretaries.models import Secretary
from villages.models import Region


class Command(BaseCommand):
    help = ("导出第一书记花名册（xlsx）。不指定 --user 时导出全部人员、完整身份证号；"
            "指定 --user 时只导出该用户可见的人员，身份证号按其权限显示。")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="输出文件路径，如 /tmp/花名册.xlsx")
        parser.add_argument("--region", help="只导出该区域及其下级：12 位行政区划代码或区域名称")
        parser.add_argument("--user", help="按该用户的权限导出（用户名）")

    def handle(self, *args, out, region, user, **options):
        queryset = Secretary.objects.all()
        if user is not None:
            user = find_user(user)
            queryset = Secretary.objects.for_user(user)
        if region is not None:
            queryset = queryset.filter(region__path__startswith=find_region(region).path)

        counted = Counter(roster_rows(queryset.order_by("name", "pk"), user))
        try:
            write_workbook(out, [roster_sheet(counted)])
        except OSError as error:
            raise CommandError(f"无法写入文件 {out}：{error.strerror or error}") from error
        self.stdout.write(f"已导出 {counted.count} 人：{out}")


class Counter:
    """Pass rows through, counting them."""

    def __init__(self, rows):
        self.rows = rows
        self.count = 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def find_user(username):
    user = User.objects.select_related("region").filter(username=username).first()
    if user is None:
        raise CommandError(f"没有用户名为“{username}”的用户。")
    if not user.is_active:
        raise CommandError(f"用户“{username}”已停用。")
    if not user.has_perm("secretaries.view_secretary"):
        raise CommandError(f"用户“{username}”的角色无权查看第一书记。")
    return user


def find_region(value):
    if value.isdigit() and len(value) == 12:
        region = Region.objects.filter(code=value).first()
        if region is None:
            raise CommandError(f"没有行政区划代码为 {value} 的区域。")
        return region
    matches = list(Region.objects.filter(name=value).select_related("parent")[:10])
    if not matches:
        raise CommandError(f"没有名为“{value}”的区域；请填写 12 位行政区划代码或区域名称。")
    if len(matches) > 1:
        found = "、".join(f"{r.parent.name if r.parent else ''}{r.name}（{r.code or '无代码'}）" for r in matches)
        raise CommandError(f"名为“{value}”的区域不止一个：{found}。请改用 12 位行政区划代码。")
    return matches[0]
