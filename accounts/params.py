"""Ids that arrive in query strings and forms: every view reads them the same way."""

from django.http import Http404

MAX_ID_DIGITS = 18  # fits a 64-bit integer column on every database (SQLite raises OverflowError beyond)


def parse_id(text):
    """The integer an id parameter stands for, or None: plain ASCII digits only ("²".isdigit() is true, but
    int("²") fails) and short enough for a bigint."""
    text = str(text or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS:
        return int(text)
    return None


def id_or_404(text, message="没有这条记录。"):
    value = parse_id(text)
    if value is None:
        raise Http404(message)
    return value
