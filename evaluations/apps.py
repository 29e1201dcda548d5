from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = "五看四评三争考评"

    def ready(self):
        from excel.registry import register

        from . import totals
        from .importers import ScoreImporter
        from .training_import import AttendanceImporter

        register(ScoreImporter)
        register(AttendanceImporter)
        totals.connect()  # after every migrate: the totals' triggers are all there
