from django.urls import path

from . import views

app_name = "units"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.unit_page, name="unit_page"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/new/", views.action_create, name="action_create"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/evidence/", views.action_evidence, name="action_evidence"),
    path("actions/<int:pk>/delete/", views.action_delete, name="action_delete"),
    path("targets/", views.targets, name="targets"),
    path("scheme/", views.scheme, name="scheme"),
    path("ranking/", views.ranking, name="ranking"),
    path("ranking/export/", views.ranking_export, name="ranking_export"),
    path("ranking/new/", views.rating_create, name="rating_create"),
    path("ranking/<int:pk>/compute/", views.rating_compute, name="rating_compute"),
    path("ranking/<int:pk>/lock/", views.rating_lock, name="rating_lock"),
]
