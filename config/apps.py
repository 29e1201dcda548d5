from django.contrib.admin.apps import AdminConfig


class CountyAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.CountyAdminSite"

    def ready(self):
        super().ready()
        from . import textinput

        textinput.install()  # every form's text fields refuse control characters, in Chinese
