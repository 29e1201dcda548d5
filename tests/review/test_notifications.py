"""An announcement a county sends to a city-level unit reaches only that unit's people in the county."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from notifications.models import Announcement, Message, Receipt
from secretaries.models import DispatchUnit
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_an_announcement_to_a_city_unit_does_not_reach_or_list_its_secretary_in_another_county(world, login):
    city_unit = f.unit(world.city, "市委办公室", level=DispatchUnit.Level.CITY)
    here = f.secretary(world.county, city_unit, "钱进")
    f.assign(here, world.village_a2, world.batch)
    there = f.secretary(world.other_county, city_unit, "孙悦")
    f.assign(there, f.village(world.town_c), world.batch_c)
    here.user = f.user("sec_here", Role.SECRETARY, world.county)
    here.save(update_fields=["user"])
    there.user = f.user("sec_there", Role.SECRETARY, world.other_county)
    there.save(update_fields=["user"])
    client = login(world.users.admin)
    client.post(reverse("notifications:announcement_create"), {
        "title": "关于报送2025年半年工作总结的通知", "body": "请于7月5日前报送。", "units": [str(city_unit.pk)]})
    announcement = Announcement.objects.get()
    assert set(Receipt.objects.values_list("user__username", flat=True)) == {"sec_here"}
    assert not Message.objects.filter(recipient__username="sec_there").exists()
    page = client.get(announcement.get_absolute_url()).content.decode()
    assert "孙悦" not in page and "梁山县" not in page


def test_a_secretarys_acknowledgement_of_an_announcement_leaves_an_audit_row(world, login):
    from accounts.models import AuditLog

    login(world.users.admin).post(reverse("notifications:announcement_create"), {
        "title": "关于报送2025年半年工作总结的通知", "body": "请于7月5日前报送。", "townships": [world.town_a.pk]})
    announcement = Announcement.objects.get()
    before = AuditLog.objects.count()
    login(world.users.secretary).post(reverse("notifications:announcement_acknowledge", args=[announcement.pk]),
                                      {"note": "已收到，按时报送"})
    assert Receipt.objects.get(user=world.users.secretary).acknowledged_at is not None
    row = AuditLog.objects.order_by("pk").last()
    assert AuditLog.objects.count() == before + 1
    assert row.username == "sec_a" and row.object_id == str(announcement.pk) and "已收到，按时报送" in str(row.changes)
