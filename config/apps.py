from django.contrib.admin.apps import AdminConfig


class CountyAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.CountyAdminSite"
