from django.urls import path

from . import views

app_name = "villages"

urlpatterns = [
    path("", views.VillageList.as_view(), name="village_list"),
    path("<int:pk>/", views.VillageDetail.as_view(), name="village_detail"),
    path("<int:pk>/edit/", views.VillageUpdate.as_view(), name="village_update"),
    path("<int:village>/figures/new/", views.YearStatCreate.as_view(), name="yearstat_create"),
    path("figures/<int:pk>/edit/", views.YearStatUpdate.as_view(), name="yearstat_update"),
    path("figures/<int:pk>/delete/", views.YearStatDelete.as_view(), name="yearstat_delete"),
]
