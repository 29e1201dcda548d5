from django.urls import path

from . import exports, views

app_name = "projects"

urlpatterns = [
    path("", views.ProjectList.as_view(), name="project_list"),
    path("new/", views.project_create, name="project_create"),
    path("export/", exports.export_projects, name="project_export"),
    path("funds/", views.funds_summary, name="funds_summary"),
    path("<int:pk>/", views.ProjectDetail.as_view(), name="project_detail"),
    path("<int:pk>/edit/", views.project_update, name="project_update"),
    path("<int:pk>/progress/", views.project_progress, name="project_progress"),
    path("<int:pk>/delete/", views.ProjectDelete.as_view(), name="project_delete"),
    path("<int:pk>/assets/new/", views.asset_create, name="asset_create"),
    path("assets/<int:pk>/checks/new/", views.upkeep_create, name="upkeep_create"),
]
