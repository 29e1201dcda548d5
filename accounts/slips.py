"""One-time initial passwords between the page that makes them and the slips that hand them out.

They are never stored in clear: the list is encrypted (Fernet: AES-128-CBC + HMAC-SHA256) under a key derived from
SECRET_KEY and kept in the administrator's session for SLIP_TTL seconds, or until they press 清除; after that nobody,
not even they, can read them again (a forgotten password is reset, not looked up).
"""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

SESSION_KEY = "account_slips"
SLIP_TTL = 30 * 60


def _fernet():
    digest = hashlib.sha256(b"accounts.slips:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def slips_keep(request, entries):
    """Keep [{"username", "password", "name", "role", "place", "unit"}] for the slips pages of this session."""
    token = _fernet().encrypt(json.dumps(entries, ensure_ascii=False).encode())
    request.session[SESSION_KEY] = token.decode()


def slips_read(request):
    """The kept entries, or [] when there are none or they have expired (then they are dropped)."""
    token = request.session.get(SESSION_KEY)
    if not token:
        return []
    try:
        return json.loads(_fernet().decrypt(token.encode(), ttl=SLIP_TTL))
    except InvalidToken:
        slips_clear(request)
        return []


def slips_clear(request):
    request.session.pop(SESSION_KEY, None)
