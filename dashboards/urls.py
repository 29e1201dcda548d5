from django.urls import path

from . import batch, views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.county, name="county"),
    path("todo/", batch.todo, name="todo"),
    path("todo/closeouts/", batch.closeouts_batch, name="closeouts_batch"),
    path("todo/leave/", batch.leave_batch, name="leave_batch"),
]
