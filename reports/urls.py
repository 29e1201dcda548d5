from django.urls import path

from . import archive, views

app_name = "reports"

urlpatterns = [
    path("archive/<int:pk>/", archive.archive, name="archive"),
    path("report/", views.report, name="report"),
    path("report.xlsx", views.report_export, name="report_export"),
    path("report/job/", views.report_job, name="report_job"),
]
