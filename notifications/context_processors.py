from .services import unread_count


def unread(request):
    """The unread count in the header, read lazily: a page that never shows the header never asks."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_messages": lambda: unread_count(user)}
