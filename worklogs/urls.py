from django.urls import path

from . import exports, views

app_name = "worklogs"

urlpatterns = [
    path("", views.LogList.as_view(), name="log_list"),
    path("new/", views.LogCreate.as_view(), name="log_create"),
    path("export/", exports.export_logs, name="log_export"),
    path("<int:pk>/", views.LogDetail.as_view(), name="log_detail"),
    path("<int:pk>/edit/", views.LogUpdate.as_view(), name="log_update"),
    path("<int:pk>/delete/", views.LogDelete.as_view(), name="log_delete"),
    path("services/", views.ServiceList.as_view(), name="service_list"),
    path("services/new/", views.ServiceCreate.as_view(), name="service_create"),
    path("services/export/", exports.export_services, name="service_export"),
    path("services/overview/", views.service_overview, name="service_overview"),
    path("services/<int:pk>/", views.ServiceDetail.as_view(), name="service_detail"),
    path("services/<int:pk>/edit/", views.ServiceUpdate.as_view(), name="service_update"),
    path("services/<int:pk>/delete/", views.ServiceDelete.as_view(), name="service_delete"),
    path("board/", views.board, name="board"),
    path("mine/<str:kind>/", views.my_summary, name="my_summary"),
    path("secretaries/<int:pk>/<str:kind>/<str:start>/", views.summary, name="summary"),
]
