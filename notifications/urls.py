from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/open/", views.message_open, name="message_open"),
    path("read-all/", views.read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("channels/", views.channel_settings, name="channel_settings"),
    path("deliveries/", views.delivery_log, name="delivery_log"),
    path("announcements/", views.announcement_list, name="announcement_list"),
    path("announcements/new/", views.announcement_create, name="announcement_create"),
    path("announcements/<int:pk>/", views.announcement_detail, name="announcement_detail"),
    path("announcements/<int:pk>/acknowledge/", views.announcement_acknowledge, name="announcement_acknowledge"),
    path("announcements/<int:pk>/receipts.xlsx", views.announcement_export, name="announcement_export"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]
