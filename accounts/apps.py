from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与审计"

    def ready(self):
        from django.contrib import admin

        from . import checks  # noqa: F401  (registers the deploy checks)

        # The admin (config.apps) has discovered every admin.py by now: take the English-only third-party pages out.
        admin.site.register_third_party_out()
