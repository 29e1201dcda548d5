from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = "第一书记联盟"

    def ready(self):
        from excel.registry import register

        from .importers import NeedImporter, ResourceImporter

        register(NeedImporter)
        register(ResourceImporter)
