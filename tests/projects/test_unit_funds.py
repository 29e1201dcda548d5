"""派出单位 money names the unit whose money it is: chosen on the form, or the responsible secretary's unit."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from projects.models import Project, ProjectFund

from .test_views import form_data

pytestmark = pytest.mark.django_db


def test_unit_money_defaults_to_the_responsible_secretarys_unit(world, login):
    login(world.users.admin).post(reverse("projects:project_create"), form_data(world))
    fund = Project.objects.get().funds.get(source="unit")
    assert fund.unit == world.unit  # 张伟's unit
    assert Project.objects.get().funds.get(source="county").unit is None


def test_county_staff_may_name_another_unit_and_edit_it_later(world, login):
    client = login(world.users.admin)
    client.post(reverse("projects:project_create"), form_data(world, fund_unit=world.unit_b.pk))
    project = Project.objects.get()
    assert project.funds.get(source="unit").unit == world.unit_b
    page = client.get(reverse("projects:project_update", args=[project.pk])).content.decode()
    assert f'<option value="{world.unit_b.pk}" selected>' in page
    client.post(reverse("projects:project_update", args=[project.pk]), form_data(world, fund_unit=world.unit.pk))
    assert project.funds.get(source="unit").unit == world.unit


def test_another_countys_unit_is_not_a_choice(world, login):
    response = login(world.users.admin).post(reverse("projects:project_create"),
                                             form_data(world, fund_unit=world.unit_c.pk))
    assert response.status_code == 200 and not Project.objects.exists()


def test_the_database_refuses_unit_money_without_a_unit(world, login):
    login(world.users.admin).post(reverse("projects:project_create"), form_data(world))
    fund = ProjectFund.objects.get(source="unit")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFund.objects.filter(pk=fund.pk).update(unit=None)
