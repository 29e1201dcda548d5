from django.urls import path

from . import exports, views

app_name = "secretaries"

urlpatterns = [
    path("secretaries/", views.SecretaryList.as_view(), name="secretary_list"),
    path("secretaries/new/", views.SecretaryCreate.as_view(), name="secretary_create"),
    path("secretaries/lookup/", views.secretary_lookup, name="secretary_lookup"),
    path("secretaries/export/", exports.export_roster, name="secretary_export"),
    path("secretaries/<int:pk>/", views.SecretaryDetail.as_view(), name="secretary_detail"),
    path("secretaries/<int:pk>/edit/", views.SecretaryUpdate.as_view(), name="secretary_update"),
    path("secretaries/<int:pk>/delete/", views.SecretaryDelete.as_view(), name="secretary_delete"),
    path("secretaries/<int:pk>/rotate/", views.secretary_rotate, name="secretary_rotate"),
    path("secretaries/<int:pk>/end/", views.secretary_end, name="secretary_end"),
    path("assignments/", views.AssignmentList.as_view(), name="assignment_list"),
    path("assignments/new/", views.AssignmentCreate.as_view(), name="assignment_create"),
    path("units/", views.UnitList.as_view(), name="unit_list"),
    path("units/new/", views.UnitCreate.as_view(), name="unit_create"),
    path("units/<int:pk>/", views.UnitDetail.as_view(), name="unit_detail"),
    path("units/<int:pk>/edit/", views.UnitUpdate.as_view(), name="unit_update"),
    path("units/<int:pk>/delete/", views.UnitDelete.as_view(), name="unit_delete"),
    path("teams/", views.TeamList.as_view(), name="team_list"),
    path("teams/new/", views.TeamCreate.as_view(), name="team_create"),
    path("teams/<int:pk>/", views.TeamDetail.as_view(), name="team_detail"),
    path("teams/<int:pk>/edit/", views.TeamUpdate.as_view(), name="team_update"),
    path("batches/", views.BatchList.as_view(), name="batch_list"),
    path("batches/new/", views.BatchCreate.as_view(), name="batch_create"),
    path("batches/<int:pk>/", views.BatchDetail.as_view(), name="batch_detail"),
    path("batches/<int:pk>/edit/", views.BatchUpdate.as_view(), name="batch_update"),
]
