from django.urls import path

from . import views

app_name = "excel"

urlpatterns = [
    path("<slug:kind>/", views.import_start, name="import_start"),
    path("<slug:kind>/template.xlsx", views.import_template, name="import_template"),
    path("record/<int:pk>/", views.import_detail, name="import_detail"),
    path("record/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("record/<int:pk>/recheck/", views.import_replan, name="import_replan"),
    path("record/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
]
