from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = "派出单位履责"
