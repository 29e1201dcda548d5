from django.urls import include, path

from . import contest_views, grid_views, lock_views, points_views, result_views, views

app_name = "evaluations"

urlpatterns = [
    path("evaluations/", views.PeriodList.as_view(), name="period_list"),
    path("evaluations/new/", views.period_create, name="period_create"),
    path("evaluations/<int:pk>/", views.period_detail, name="period_detail"),
    path("evaluations/<int:pk>/roster/", views.period_roster, name="period_roster"),
    path("evaluations/<int:pk>/honours/<int:honour>/change/", views.honour_change, name="honour_change"),
    path("evaluations/<int:pk>/grades/", views.grades_decide, name="grades_decide"),
    path("evaluations/<int:pk>/lock/", lock_views.period_lock, name="period_lock"),
    path("evaluations/<int:pk>/withdraw/", lock_views.period_withdraw, name="period_withdraw"),
    path("evaluations/<int:pk>/publications/<int:number>/", lock_views.publication_detail,
         name="publication_detail"),
    path("evaluations/<int:pk>/do/<slug:action>/", views.period_action, name="period_action"),
    path("evaluations/<int:pk>/grid/<slug:channel>/", grid_views.score_grid, name="score_grid"),
    path("evaluations/<int:pk>/meetings/new/", grid_views.meeting_create, name="meeting_create"),
    path("evaluations/meetings/<int:pk>/", grid_views.meeting_detail, name="meeting_detail"),
    path("evaluations/meetings/<int:pk>/rate/<int:rater>/", grid_views.peer_grid, name="peer_grid"),
    path("evaluations/<int:pk>/ranking/", result_views.ranking, name="ranking"),
    path("evaluations/<int:pk>/ranking.xlsx", result_views.ranking_export, name="ranking_export"),
    path("evaluations/results/<int:pk>/", result_views.result_detail, name="result_detail"),
    path("evaluations/<int:pk>/contests/new/", contest_views.contest_create, name="contest_create"),
    path("evaluations/contests/<int:pk>/", contest_views.contest_detail, name="contest_detail"),
    path("evaluations/contests/<int:pk>/judges/<int:judge>/", contest_views.contest_grid, name="contest_grid"),
    path("evaluations/points/", points_views.points, name="points"),
    path("evaluations/points/<int:pk>/dispute/", points_views.point_dispute, name="point_dispute"),
    path("evaluations/points/<int:pk>/decide/", points_views.point_decide, name="point_decide"),
    path("evaluations/schemes/", include("evaluations.scheme_urls")),
    path("evaluations/appeals/", include("evaluations.appeal_urls")),
    path("evaluations/training/", include("evaluations.training_urls")),
    path("", include("evaluations.survey_urls")),
]
