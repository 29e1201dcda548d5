from django.apps import AppConfig


class SecretariesConfig(AppConfig):
    name = "secretaries"
    verbose_name = "第一书记"

    def ready(self):
        from excel.registry import register

        from .importers import RosterImporter

        register(RosterImporter)

        # Phones are as personal as the ID number, and the hash columns are its stand-ins: the audit trail records
        # that they changed, never their values (the form, the admin and creation snapshots all go through this).
        # TODO(lead): fold into accounts.audit.SECRET_FIELDS itself when merging.
        from accounts import audit

        audit.SECRET_FIELDS.update({"phone", "id_number_hash", "phone_hash"})
