from django.urls import path

from . import common_views, exports, plan_views, views

app_name = "tasks"

urlpatterns = [
    path("", views.board, name="board"),
    path("secretaries/<int:pk>/", views.board, name="secretary_board"),
    path("progress/", views.progress, name="progress"),
    path("reminders/", views.reminders, name="reminders"),
    path("items/", views.TaskList.as_view(), name="task_list"),
    path("items/export.xlsx", exports.export_tasks, name="task_export"),
    path("items/new/", views.task_create, name="task_create"),
    path("items/<int:pk>/", views.task_detail, name="task_detail"),
    path("items/<int:pk>/edit/", views.task_update, name="task_update"),
    path("items/<int:pk>/progress/", views.task_progress, name="task_progress"),
    path("items/<int:pk>/close/", views.task_close, name="task_close"),
    path("items/<int:pk>/confirm/", views.task_confirm, name="task_confirm"),
    path("items/<int:pk>/reject/", views.task_reject, name="task_reject"),
    path("items/<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
    path("items/<int:pk>/attachments/", views.task_attach, name="task_attach"),
    path("items/<int:pk>/attachments/<int:attachment>/", views.task_attachment, name="task_attachment"),
    path("plans/", plan_views.PlanList.as_view(), name="plan_list"),
    path("plans/new/", plan_views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", plan_views.plan_update, name="plan_update"),
    path("plans/<int:pk>/submit/", plan_views.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/approve/", plan_views.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/return/", plan_views.plan_return, name="plan_return"),
    path("plans/<int:pk>/attachments/", plan_views.plan_attach, name="plan_attach"),
    path("plans/<int:pk>/attachments/<int:attachment>/", plan_views.plan_attachment, name="plan_attachment"),
    path("common/", common_views.common_list, name="common_list"),
    path("common/new/", common_views.common_create, name="common_create"),
    path("common/<int:pk>/", common_views.common_detail, name="common_detail"),
    path("common/<int:pk>/items/", common_views.common_item_add, name="common_item_add"),
    path("common/<int:pk>/issue/", common_views.common_issue, name="common_issue"),
]
