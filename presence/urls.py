from django.urls import path

from . import evidence_views, exports, leave_views, notice_views, views

app_name = "presence"

urlpatterns = [
    path("", views.board, name="board"),
    path("mine/", views.mine, name="mine"),
    path("rounds/draw/", views.round_draw, name="round_draw"),
    path("checks/", views.check_list, name="check_list"),
    path("checks/export/", exports.export_checks, name="check_export"),
    path("checks/<int:pk>/", views.check_detail, name="check_detail"),
    path("checks/<int:pk>/edit/", views.check_edit, name="check_edit"),
    path("checks/<int:pk>/photo/", views.check_photo, name="check_photo"),
    path("rates/", views.rates, name="rates"),
    path("secretaries/<int:pk>/calendar/", views.secretary_calendar, name="calendar"),
    path("evidence/", evidence_views.evidence_list, name="evidence_list"),
    path("evidence/new/", evidence_views.evidence_create, name="evidence_create"),
    path("evidence/<int:pk>/", evidence_views.evidence_detail, name="evidence_detail"),
    path("evidence/<int:pk>/photo/", evidence_views.evidence_photo, name="evidence_photo"),
    path("leave/", leave_views.leave_list, name="leave_list"),
    path("leave/new/", leave_views.leave_create, name="leave_create"),
    path("leave/<int:pk>/", leave_views.leave_detail, name="leave_detail"),
    path("leave/<int:pk>/decide/", leave_views.leave_decide, name="leave_decide"),
    path("leave/<int:pk>/cancel/", leave_views.leave_cancel, name="leave_cancel"),
    path("notices/", notice_views.notice_list, name="notice_list"),
    path("notices/export/", exports.export_notices, name="notice_export"),
    path("notices/<int:pk>/", notice_views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/edit/", notice_views.notice_edit, name="notice_edit"),
    path("notices/<int:pk>/issue/", notice_views.notice_issue, name="notice_issue"),
    path("notices/<int:pk>/talk/", notice_views.notice_talk, name="notice_talk"),
]
