from django.apps import AppConfig


class WorklogsConfig(AppConfig):
    name = "worklogs"
    verbose_name = "民情日记与服务记录"
