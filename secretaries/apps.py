from django.apps import AppConfig


class SecretariesConfig(AppConfig):
    name = "secretaries"
    verbose_name = "第一书记"

    def ready(self):
        from excel.registry import register

        from .importers import RosterImporter

        register(RosterImporter)
