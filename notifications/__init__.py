"""Reaching people: `notifications.notify(users, kind=..., title=..., body=..., url=..., dedupe_key=...)`."""


def notify(users, **kwargs):
    from .services import notify as _notify

    return _notify(users, **kwargs)
