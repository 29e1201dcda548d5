"""The demo projects: every stage and colour relative to `today`, joint projects, the ledger; safe to run twice."""

import pytest

from demo.projects import ensure_demo_projects
from projects.choices import Colour, Stage
from projects.models import Asset, Project, ProjectVillage, UpkeepCheck

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def run(world, seed=7):
    accounts = [(world.users.admin, ""), (world.users.secretary, ""), (world.users.contact, "")]
    ensure_demo_projects(world.county, accounts, seed=seed, today=TODAY, log=lambda line: None)


def test_demo_projects_cover_every_stage_and_colour(world):
    run(world)
    projects = Project.objects.with_status(TODAY)
    assert 35 <= projects.count() <= 45
    seen = set(projects.values_list("current_stage", "colour"))
    for stage in Stage:
        assert (stage.value, Colour.BLUE) in seen and (stage.value, Colour.YELLOW) in seen
    assert {colour for _, colour in seen} == set(Colour.values)
    assert (None, Colour.BLUE) in seen  # handed over
    assert Project.objects.filter(secretary=world.sec_a).count() >= 2  # the demo secretary has some
    assert Project.objects.filter(secretary__unit=world.unit_b).exists()  # so has the demo unit contact


def test_demo_joint_projects_have_shares_and_assets_follow_the_hand_over(world):
    run(world)
    joint = Project.objects.filter(pk__in=ProjectVillage.objects.filter(share__lt=100).values("project_id"))
    assert joint.exists()
    assert Asset.objects.exists() and UpkeepCheck.objects.exists()
    handed_over = Project.objects.with_status(TODAY).filter(current_stage__isnull=True).values("pk")
    assert not Asset.objects.exclude(project__in=handed_over).exists()
    for project in Project.objects.prefetch_related("funds"):
        assert sum(f.planned for f in project.funds.all()) <= project.total_investment


def test_a_second_run_adds_nothing_and_the_seed_decides(world):
    run(world)
    names = list(Project.objects.order_by("pk").values_list("name", flat=True))
    run(world)
    assert list(Project.objects.order_by("pk").values_list("name", flat=True)) == names
