from django.urls import path

from . import archive, report_views, views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.county, name="county"),
    path("archive/<int:pk>/", archive.archive, name="archive"),
    path("report/", report_views.report, name="report"),
    path("report.xlsx", report_views.report_export, name="report_export"),
]
