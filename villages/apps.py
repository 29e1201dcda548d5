from django.apps import AppConfig


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = "区划与村"

    def ready(self):
        from excel.registry import register

        from .importers import RegionImporter

        register(RegionImporter)
