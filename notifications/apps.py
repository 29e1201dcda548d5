from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "消息通知"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .services import remember_unread

        # The header's unread count is counted once at login, not on every page.
        user_logged_in.connect(lambda sender, user, **kwargs: remember_unread(user.pk), weak=False,
                               dispatch_uid="notifications_unread_at_login")
