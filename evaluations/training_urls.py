from django.urls import path

from . import training_views

urlpatterns = [
    path("", training_views.training_list, name="training_list"),
    path("new/", training_views.training_create, name="training_create"),
    path("hours/", training_views.training_hours, name="training_hours"),
    path("hours.xlsx", training_views.training_hours_export, name="training_hours_export"),
    path("<int:pk>/", training_views.training_detail, name="training_detail"),
    path("<int:pk>/edit/", training_views.training_update, name="training_update"),
    path("<int:pk>/delete/", training_views.training_delete, name="training_delete"),
]
