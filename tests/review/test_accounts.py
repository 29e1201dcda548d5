"""Changing one's own password leaves an audit row (without the password)."""

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_secretary_changing_their_password_leaves_an_audit_row_without_the_password(world, login):
    client = login(world.users.secretary)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Qz8#mLp2vR!x", "new_password2": "Qz8#mLp2vR!x"})
    assert response.status_code == 302
    row = AuditLog.objects.filter(username="sec_a", object_id=str(world.users.secretary.pk)).get()
    assert row.action == AuditLog.Action.UPDATE and "Qz8#mLp2vR!x" not in str(row.changes)
