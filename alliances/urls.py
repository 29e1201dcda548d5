from django.urls import path

from . import catalogue_views, exports, views

app_name = "alliances"

urlpatterns = [
    path("", views.alliance_list, name="alliance_list"),
    path("new/", views.alliance_edit, name="alliance_create"),
    path("<int:pk>/", views.alliance_detail, name="alliance_detail"),
    path("<int:pk>/edit/", views.alliance_edit, name="alliance_update"),
    path("<int:pk>/add/<slug:part>/", views.alliance_add, name="alliance_add"),
    path("<int:pk>/members/", views.alliance_members, name="alliance_members"),
    path("<int:pk>/members/<slug:what>/", views.alliance_member_change, name="alliance_member_change"),
    path("<int:pk>/projects/", views.alliance_projects, name="alliance_projects"),
    path("needs/", views.NeedList.as_view(), name="need_list"),
    path("needs/new/", views.need_create, name="need_create"),
    path("needs/export/", exports.export_needs, name="need_export"),
    path("needs/<int:pk>/", views.need_match, name="need_match"),
    path("resources/", views.ResourceList.as_view(), name="resource_list"),
    path("resources/new/", views.resource_create, name="resource_create"),
    path("resources/export/", exports.export_resources, name="resource_export"),
    path("cobuilds/", views.CoBuildList.as_view(), name="cobuild_list"),
    path("cobuilds/<int:pk>/accept/", views.cobuild_accept, name="cobuild_accept"),
    path("cobuilds/<int:pk>/complete/", views.cobuild_complete, name="cobuild_complete"),
    path("supervision/", views.supervision_list, name="supervision_list"),
    path("supervision/<int:pk>/close/", views.supervision_close, name="supervision_close"),
    path("calendar/", views.activity_calendar, name="calendar"),
    path("catalogue/", catalogue_views.catalogue, name="catalogue"),
    path("catalogue/new/", catalogue_views.catalogue_edit, name="catalogue_create"),
    path("catalogue/<int:pk>/edit/", catalogue_views.catalogue_edit, name="catalogue_update"),
    path("catalogue/<int:pk>/delete/", catalogue_views.catalogue_delete, name="catalogue_delete"),
]
