from django.urls import path

from . import appeal_views as views

urlpatterns = [
    path("", views.appeal_list, name="appeal_list"),
    path("new/<int:participant>/", views.appeal_create, name="appeal_create"),
    path("<int:pk>/", views.appeal_detail, name="appeal_detail"),
    path("<int:pk>/reject/", views.appeal_reject, name="appeal_reject"),
    path("<int:pk>/accept/", views.appeal_accept, name="appeal_accept"),
    path("<int:pk>/recompute/", views.appeal_recompute, name="appeal_recompute"),
    path("<int:pk>/grades/", views.appeal_grades, name="appeal_grades"),
]
