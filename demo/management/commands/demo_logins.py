"""manage.py demo_logins [--url URL]: the demo accounts, their roles, regions and password."""

from django.core.management.base import BaseCommand

from accounts.models import User
from accounts.otp import demo_second_factor, needs_second_factor
from demo.seed import database_state
from demo.text import table
from demo.users import DEMO_USERS, demo_password


class Command(BaseCommand):
    help = "列出演示账号（用户名、角色、所属区域、密码）和服务网址。"

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="服务网址（make run 按 HOST、PORT 给出）")

    def handle(self, *args, **options):
        url = options["url"]
        if database_state() != "demo":
            self.stdout.write("此数据库不是演示库：没有演示账号，请用本单位的账号登录。")
            self.stdout.write(f"网址：{url}")
            return
        names = [username for username, *_ in DEMO_USERS]
        users = {u.username: u for u in User.objects.filter(username__in=names).select_related("region__parent")}
        password = demo_password()
        header = ("用户名", "角色", "姓名", "所属区域", "密码")
        rows, factors = [], []
        for username in names:
            user = users.get(username)
            if user is None:
                rows.append((username, "（未创建，请先运行 seed_demo）", "", "", ""))
                continue
            region = user.region
            place = f"{region.parent.name} {region.name}" if region and region.parent else str(region or "")
            rows.append((username, user.get_role_display(), user.name, place, password))
            if needs_second_factor(user):
                factors.append((username, *demo_second_factor(user)))
        for line in table([header, *rows]):
            self.stdout.write(line)
        if factors:
            self.stdout.write("\n两步验证（县、市管理员登录时须输入）：每次运行本命令给出一个新的一次性恢复码；"
                              "也可把密钥加入手机身份验证器。")
            for line in table([("用户名", "一次性恢复码", "密钥"), *factors]):
                self.stdout.write(line)
        self.stdout.write(f"\n网址：{url}  （服务启动后即可登录）")
        self.stdout.write("密码取自环境变量 DEMO_PASSWORD，未设置时为 Demo@2024；每次运行 seed_demo 都会重置。")
