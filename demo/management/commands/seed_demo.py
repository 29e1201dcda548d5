"""manage.py seed_demo [--seed N] [--scale county|city|province] [--if-empty]"""

from django.core.management.base import BaseCommand, CommandError

from demo.seed import SCALES, DemoRefused, seed


class Command(BaseCommand):
    help = "生成演示数据（县、市或全省规模），并创建或重置各角色的演示账号。同一种子结果相同，重复运行不会重复生成。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2024, help="生成参数：同一参数生成的数据完全相同（默认 2024）")
        parser.add_argument("--scale", choices=SCALES, default="county",
                            help="county：济宁市金乡县；city：济宁市11个县市区；province：山东省全部16市136县")
        parser.add_argument("--if-empty", action="store_true",
                            help="只在空数据库中生成演示数据；已是演示库时只重置演示账号；"
                                 "库中有真实数据时什么也不做并正常退出（make run 用它）")

    def handle(self, *args, **options):
        try:
            seed(seed=options["seed"], scale=options["scale"], if_empty=options["if_empty"], log=self.stdout.write)
        except DemoRefused as refused:
            if options["if_empty"]:
                self.stdout.write(f"{refused} 直接使用现有数据。")
                return
            raise CommandError(str(refused)) from refused
        except ValueError as error:
            raise CommandError(str(error)) from error
