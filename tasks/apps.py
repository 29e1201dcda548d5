from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "帮扶规划与任务清单"

    def ready(self):
        from excel.registry import register

        from .importers import CommonItemImporter, TaskImporter

        register(TaskImporter)
        register(CommonItemImporter)
