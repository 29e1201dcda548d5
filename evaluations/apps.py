from django.apps import AppConfig
from django.db.models.signals import post_migrate


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
        # After every migrate: the totals' triggers are all there.
        post_migrate.connect(totals.ensure_after_migrate, sender=self, dispatch_uid="evaluations.totals.ensure")
