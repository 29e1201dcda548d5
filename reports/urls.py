from django.urls import path

from . import archive, views

app_name = "reports"

urlpatterns = [
    path("archive/<int:pk>/", archive.archive, name="archive"),
    path("report/", views.report, name="report"),
    path("report.xlsx", views.report_export, name="report_export"),
    path("report/job/", views.report_job, name="report_job"),
    path("documents/", views.document_list, name="documents"),
    path("documents/templates/<slug:kind>/", views.document_template_edit, name="document_template"),
    path("documents/notice/<int:pk>.docx", views.notice_docx, name="notice_docx"),
    path("documents/results/<int:pk>.docx", views.results_docx, name="results_docx"),
    path("documents/annual.docx", views.annual_docx, name="annual_docx"),
    path("documents/archive.docx", views.archive_docx, name="archive_docx"),
]
