from django.urls import path

from . import scheme_views as views

urlpatterns = [
    path("", views.SchemeList.as_view(), name="scheme_list"),
    path("new/", views.SchemeCreate.as_view(), name="scheme_create"),
    path("<int:pk>/", views.SchemeDetail.as_view(), name="scheme_detail"),
    path("<int:pk>/edit/", views.SchemeUpdate.as_view(), name="scheme_update"),
    path("<int:pk>/delete/", views.SchemeDelete.as_view(), name="scheme_delete"),
]
