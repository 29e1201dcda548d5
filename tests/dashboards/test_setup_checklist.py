"""The county administrator's setup checklist: each step's count and link, until the county is set up."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from dashboards.setup import checklist
from evaluations import services as evaluation_services
from secretaries.models import Secretary
from tests import factories as f
from villages.models import Region
from villages.services import region_create

pytestmark = pytest.mark.django_db


def test_a_new_county_sees_six_steps_with_nothing_done(login):
    county = region_create(name="新县", level=Region.Level.COUNTY)
    admin = f.user("new_admin", Role.COUNTY_ADMIN, county)
    steps = checklist(admin)
    assert [s.title for s in steps] == ["区划与村", "派出单位", "派驻批次", "花名册", "账号", "考评方案"]
    assert not any(s.done for s in steps)
    page = login(admin).get(reverse("dashboards:county")).content.decode()
    assert "县级设置清单" in page and reverse("excel:import_start", args=["regions"]) in page


def test_the_steps_count_what_the_county_has(world):
    steps = {s.title: s for s in checklist(world.users.admin)}
    assert steps["区划与村"].done and "3 个村" in steps["区划与村"].count
    assert steps["派出单位"].done and steps["派驻批次"].done and steps["花名册"].done
    # 张伟 has a login; 李娜 and 赵敏 do not: the accounts step is not done yet.
    assert not steps["账号"].done and "1/3" in steps["账号"].count


def test_the_checklist_goes_away_once_every_step_is_done(world, login):
    for person in Secretary.objects.filter(user__isnull=True, region__path__startswith=world.county.path):
        person.user = User.objects.create_user(f"s{person.pk}", role=Role.SECRETARY, region=world.county)
        person.save(update_fields=["user"])
    evaluation_services.scheme_create_default(world.county)
    assert checklist(world.users.admin) is None
    assert "县级设置清单" not in login(world.users.admin).get(reverse("dashboards:county")).content.decode()


def test_only_county_administrators_see_it(world, login):
    for user in (world.users.town_a, world.users.leader):
        assert checklist(user) is None
        assert "县级设置清单" not in login(user).get(reverse("dashboards:county")).content.decode()
