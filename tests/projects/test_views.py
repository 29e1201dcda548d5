"""Project pages in the browser's terms: who sees which project, who may change what, query counts."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.choices import Stage
from projects.models import Asset, Project, UpkeepCheck

from .. import factories as f
from .conftest import D, make_project

pytestmark = pytest.mark.django_db
LIST = reverse("projects:project_list")
# Session, user, permissions and the session's idle-timeout write take seven; the page itself the rest.
MAX_QUERIES = 12


def today():
    return timezone.localdate()


@pytest.fixture
def projects(world):
    """金乡县: one project in 胡集镇 (late 40 days: red), one in 鸡黍镇 by 李娜 (on time), one joint 胡集镇 60% +
    鸡黍镇 40% (late 10 days: yellow); 梁山县: one of its own."""
    day = today()
    return {
        "a": make_project(world, name="王庄村香瓜大棚", late=40, today=day),
        "b": make_project(world, name="前进村道路硬化", villages=[world.village_b], secretary=world.sec_b,
                          kind="infrastructure", late=0, today=day, funds={"county": (80, 80)}),
        "joint": make_project(world, name="飞地抱团光伏电站", villages=[world.village_a, world.village_b],
                              shares=[60, 40], late=10, today=day, total=500,
                              funds={"province": (200, 100), "county": (100, 50)}),
        "other": make_project(world, name="后营村冷库", villages=[world.village_c], secretary=world.sec_c,
                              today=day, user=world.users.admin_ls),
    }


def listed(client, query=""):
    response = client.get(f"{LIST}{query}")
    assert response.status_code == 200
    return [p.name for p in response.context["object_list"]]


@pytest.mark.parametrize(("who", "expected"), [
    ("admin", {"王庄村香瓜大棚", "前进村道路硬化", "飞地抱团光伏电站"}),
    ("leader", {"王庄村香瓜大棚", "前进村道路硬化", "飞地抱团光伏电站"}),
    ("town_a", {"王庄村香瓜大棚", "飞地抱团光伏电站"}),
    ("town_b", {"前进村道路硬化", "飞地抱团光伏电站"}),
    ("secretary", {"王庄村香瓜大棚", "飞地抱团光伏电站"}),  # 张伟's own
    ("contact", {"前进村道路硬化"}),  # 县农业农村局: 李娜's
    ("admin_ls", {"后营村冷库"}),
])
def test_each_role_sees_its_projects_once(world, projects, login, who, expected):
    names = listed(login(getattr(world.users, who)))
    assert sorted(names) == sorted(expected)


def test_the_list_shows_colours_worst_first(world, projects, login):
    page = login(world.users.admin).get(LIST).content.decode()
    assert listed(login(world.users.admin)) == ["王庄村香瓜大棚", "飞地抱团光伏电站", "前进村道路硬化"]
    assert "colour-red" in page and "colour-yellow" in page and "colour-blue" in page
    assert "飞地抱团" in page and "（60%）" in page


@pytest.mark.parametrize(("query", "expected"), [
    ("?colour=red", ["王庄村香瓜大棚"]),
    ("?colour=yellow", ["飞地抱团光伏电站"]),
    ("?kind=infrastructure", ["前进村道路硬化"]),
    (f"?stage={Stage.PLANNING}", ["王庄村香瓜大棚", "飞地抱团光伏电站", "前进村道路硬化"]),
    ("?stage=done", []),
    ("?year=2025", ["王庄村香瓜大棚", "飞地抱团光伏电站", "前进村道路硬化"]),
    ("?year=2024", []),
    ("?q=光伏", ["飞地抱团光伏电站"]),
])
def test_filters(world, projects, login, query, expected):
    assert listed(login(world.users.admin), query) == expected


def test_township_filter_lists_a_joint_project_once(world, projects, login):
    assert listed(login(world.users.admin), f"?township={world.town_b.pk}") == ["飞地抱团光伏电站", "前进村道路硬化"]


def test_a_bad_filter_shows_an_error_not_a_500(world, projects, login):
    response = login(world.users.admin).get(f"{LIST}?year=99999&township=abc")
    assert response.status_code == 200 and "筛选条件有误" in response.content.decode()
    assert list(response.context["object_list"]) == []


def test_anonymous_users_go_to_the_login_page(client, world):
    for url in (LIST, reverse("projects:funds_summary"), reverse("projects:project_export"),
                reverse("projects:project_create")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_list_runs_a_fixed_number_of_queries(world, projects, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    before = queries(client, LIST)
    for n in range(6):
        make_project(world, name=f"新增项目{n}", villages=[world.village_a, world.village_a2], shares=[50, 50],
                     today=today(), late=n * 10)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert len(listed(client)) == 9
    assert queries(client, LIST) == before


# --- Project page ----------------------------------------------------------------------------------------------

def test_the_project_page_shows_timeline_funds_and_days_late(world, projects, login, django_assert_max_num_queries):
    client = login(world.users.town_a)
    with django_assert_max_num_queries(MAX_QUERIES + 2):
        response = client.get(projects["joint"].get_absolute_url())
    page = response.content.decode()
    assert "step current late-yellow" in page and "滞后 10 天" in page
    assert "省级" in page and "300.00" in page and "150.00" in page  # planned and disbursed totals
    assert "胡集镇 · " in page and "鸡黍镇 · " in page  # one project: both villages shown
    assert "登记进度" not in page and "编辑" not in page


def test_another_regions_project_is_a_404(world, projects, login):
    client = login(world.users.admin)
    for name in ("project_detail", "project_update", "project_progress", "project_delete", "asset_create"):
        assert client.get(reverse(f"projects:{name}", args=[projects["other"].pk])).status_code == 404
    assert login(world.users.town_a).get(projects["b"].get_absolute_url()).status_code == 404
    assert login(world.users.secretary).get(projects["b"].get_absolute_url()).status_code == 404


# --- Create and edit -------------------------------------------------------------------------------------------

def form_data(world, **extra):
    data = {"name": "羊肚菌种植基地", "kind": "industry", "year": "2025", "secretary": world.sec_a.pk,
            "total_investment": "150", "expected_income": "15", "jobs": "12", "beneficiaries": "80",
            "description": "", "village_0": world.village_a.pk, "share_0": "70", "village_1": world.village_a2.pk,
            "share_1": "30", "planned_county": "100", "disbursed_county": "20", "planned_unit": "20"}
    start = today() - datetime.timedelta(days=60)
    for number in Stage.values:
        data[f"planned_start_{number}"] = (start + datetime.timedelta(days=30 * (number - 1))).isoformat()
        data[f"planned_end_{number}"] = (start + datetime.timedelta(days=30 * number - 1)).isoformat()
    data.update(extra)
    return data


def test_a_county_admin_creates_a_joint_project(world, login):
    response = login(world.users.admin).post(reverse("projects:project_create"), form_data(world))
    project = Project.objects.get()
    assert response.status_code == 302 and response.url == project.get_absolute_url()
    assert project.stages.count() == 6 and project.shares.count() == 2
    assert dict(project.funds.values_list("source", "disbursed")) == {"county": 20, "unit": 0}


def test_a_single_village_may_leave_its_share_empty(world, login):
    data = form_data(world, share_0="", village_1="", share_1="")
    login(world.users.admin).post(reverse("projects:project_create"), data)
    assert Project.objects.get().shares.get().share == 100


def test_shares_not_summing_to_100_are_shown_and_nothing_is_saved(world, login):
    response = login(world.users.admin).post(reverse("projects:project_create"), form_data(world, share_1="20"))
    assert response.status_code == 200
    assert "各村份额合计应为 100%，现为 90%" in response.content.decode()
    assert not Project.objects.exists()


def test_disbursed_over_planned_is_an_error_on_the_form(world, login):
    response = login(world.users.admin).post(reverse("projects:project_create"),
                                             form_data(world, disbursed_county="120"))
    assert "县级资金已拨付 120 万元，超过计划 100 万元" in response.content.decode()
    assert not Project.objects.exists()


@pytest.mark.parametrize("who", ["town_a", "secretary", "contact", "leader"])
def test_only_county_admins_create_and_edit(world, projects, login, who):
    client = login(getattr(world.users, who))
    assert client.get(reverse("projects:project_create")).status_code == 403
    visible = Project.objects.for_user(getattr(world.users, who)).first()
    assert client.post(reverse("projects:project_update", args=[visible.pk]), form_data(world)).status_code == 403


def test_a_county_admin_edits_a_project(world, projects, login):
    project = projects["a"]
    url = reverse("projects:project_update", args=[project.pk])
    client = login(world.users.admin)
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(world, name="王庄村香瓜大棚（扩建）"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "王庄村香瓜大棚（扩建）" and project.shares.count() == 2


def test_wrong_methods_are_405(world, projects, login):
    client = login(world.users.admin)
    assert client.post(LIST).status_code == 405
    assert client.post(reverse("projects:funds_summary")).status_code == 405
    assert client.post(reverse("projects:project_export")).status_code == 405
    assert client.put(reverse("projects:project_create")).status_code == 405


# --- Progress, assets, upkeep ----------------------------------------------------------------------------------

def progress_data(project, **extra):
    data = {}
    for stage in project.stages.all():
        data[f"actual_start_{stage.stage}"] = stage.actual_start.isoformat() if stage.actual_start else ""
        data[f"actual_end_{stage.stage}"] = stage.actual_end.isoformat() if stage.actual_end else ""
    for fund in project.funds.all():
        data[f"disbursed_{fund.source}"] = str(fund.disbursed)
    data.update(extra)
    return data


def test_the_responsible_secretary_records_progress(world, projects, login):
    project = projects["a"]
    url = reverse("projects:project_progress", args=[project.pk])
    client = login(world.users.secretary)
    assert client.get(url).status_code == 200
    planning = project.stages.get(stage=Stage.PLANNING)
    data = progress_data(project, actual_start_1=planning.planned_start.isoformat(),
                         actual_end_1=today().isoformat(), disbursed_county="100")
    assert client.post(url, data).status_code == 302
    planning.refresh_from_db()
    assert planning.actual_end == today() and project.funds.get().disbursed == 100


def test_progress_errors_are_shown(world, projects, login):
    project = projects["a"]
    url = reverse("projects:project_progress", args=[project.pk])
    response = login(world.users.secretary).post(url, progress_data(project, disbursed_county="101"))
    assert "超过计划" in response.content.decode()
    assert project.funds.get().disbursed == 40


@pytest.mark.parametrize("who", ["town_a", "leader"])
def test_others_may_not_record_progress(world, projects, login, who):
    url = reverse("projects:project_progress", args=[projects["a"].pk])
    assert login(getattr(world.users, who)).get(url).status_code == 403


def test_assets_are_refused_before_the_hand_over(world, projects, login):
    response = login(world.users.secretary).get(reverse("projects:asset_create", args=[projects["a"].pk]),
                                                follow=True)
    assert "尚未完成移交" in response.content.decode()


def test_assets_and_upkeep_checks_after_the_hand_over(world, login):
    project = make_project(world, name="文化广场", kind="culture", done=6, today=today())
    client = login(world.users.secretary)
    url = reverse("projects:asset_create", args=[project.pk])
    data = {"name": "文化广场及健身器材", "value": "45", "village": world.village_a.pk, "custodian": "王建国",
            "handed_over": today().isoformat(), "note": ""}
    assert client.post(url, data).status_code == 302
    asset = Asset.objects.get()
    check = {"date": today().isoformat(), "inspector": "李卫东", "finding": "器材完好", "fixed": ""}
    assert client.post(reverse("projects:upkeep_create", args=[asset.pk]), check).status_code == 302
    assert UpkeepCheck.objects.get().finding == "器材完好"
    page = client.get(project.get_absolute_url()).content.decode()
    assert "文化广场及健身器材" in page and "器材完好" in page
    assert login(world.users.admin_ls).get(reverse("projects:upkeep_create", args=[asset.pk])).status_code == 404


def test_a_project_with_assets_cannot_be_deleted(world, login):
    project = make_project(world, done=6, today=today())
    Asset.objects.create(project=project, name="冷库", value=D(60), village=world.village_a, custodian="王建国",
                         handed_over=today())
    response = login(world.users.admin).post(reverse("projects:project_delete", args=[project.pk]), follow=True)
    assert "已登记资产台账，不能删除" in response.content.decode()
    assert Project.objects.filter(pk=project.pk).exists()


def test_a_county_admin_deletes_a_project(world, projects, login):
    response = login(world.users.admin).post(reverse("projects:project_delete", args=[projects["b"].pk]))
    assert response.status_code == 302 and not Project.objects.filter(pk=projects["b"].pk).exists()


# --- Funds summary and export ----------------------------------------------------------------------------------

def test_funds_summary_counts_a_joint_project_once_and_splits_it_by_share(world, projects, login,
                                                                         django_assert_max_num_queries):
    client = login(world.users.admin)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("projects:funds_summary"))
    context = response.context
    # 100 (王庄村) + 80 (前进村) + 300 (joint) planned; 40 + 80 + 150 disbursed.
    assert (context["total"]["planned"], context["total"]["disbursed"]) == (D("480.00"), D("270.00"))
    areas = {row["name"]: (row["planned"], row["disbursed"], row["projects"]) for row in context["areas"]}
    assert areas == {"胡集镇": (D("280.00"), D("130.00"), 2), "鸡黍镇": (D("200.00"), D("140.00"), 2)}
    assert context["area_total"]["planned"] == context["total"]["planned"]
    villages = {row["village__region__name"]: row["planned"] for row in context["villages"]}
    assert villages == {"王庄村": D("280.00"), "前进村": D("200.00")}
    sources = {row["source"]: row["planned"] for row in context["sources"]}
    assert sources == {"province": 200, "city": 0, "county": 280, "unit": 0, "social": 0}


def test_funds_summary_for_a_township_shows_only_its_share(world, projects, login):
    context = login(world.users.town_b).get(reverse("projects:funds_summary")).context
    assert [row["name"] for row in context["areas"]] == ["鸡黍镇"]
    assert context["total"]["planned"] == D("380.00")  # 前进村's 80 and the joint project's 300, each once


def test_funds_summary_query_count_does_not_grow(world, projects, login):
    client, url = login(world.users.admin), reverse("projects:funds_summary")
    before = queries(client, url)
    for n in range(5):
        make_project(world, name=f"联合项目{n}", villages=[world.village_a, world.village_a2, world.village_b],
                     shares=[40, 30, 30], today=today())
    assert queries(client, url) == before


def test_export_has_one_row_per_project(world, projects, login, django_assert_max_num_queries):
    client = login(world.users.town_a)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("projects:project_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    header = rows[0]
    assert len(rows) == 3  # header + 王庄村 + joint; 前进村 is 鸡黍镇's
    joint = dict(zip(header, rows[2], strict=True))
    assert joint["项目名称"] == "飞地抱团光伏电站" and joint["飞地抱团"] == "是"
    assert joint["实施村（份额）"] == "王庄村（60%）、前进村（40%）"
    assert joint["镇（街道）"] == "胡集镇、鸡黍镇"
    assert joint["省级计划（万元）"] == 200 and joint["县级已拨付（万元）"] == 50
    assert joint["进度状态"] == "黄（滞后）" and joint["滞后天数"] == 10
    assert joint["计划合计（万元）"] == 300


def test_export_follows_the_filters(world, projects, login):
    response = login(world.users.admin).get(reverse("projects:project_export") + "?colour=red")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert [row[0] for row in rows[1:]] == ["王庄村香瓜大棚"]


def test_page_and_export_query_counts_do_not_grow_with_assets_and_projects(world, login):
    project = make_project(world, name="冷库", done=6, today=today())
    Asset.objects.create(project=project, name="冷库", value=D(10), village=world.village_a, custodian="王建国",
                         handed_over=today())
    client = login(world.users.admin)
    page_before = queries(client, project.get_absolute_url())
    export_before = queries(client, reverse("projects:project_export"))
    for n in range(3):
        asset = Asset.objects.create(project=project, name=f"冷库{n}", value=D(10), village=world.village_a,
                                     custodian="王建国", handed_over=today())
        UpkeepCheck.objects.create(asset=asset, date=today(), inspector="李卫东", finding="运行正常", fixed=True)
        make_project(world, name=f"项目{n}", villages=[world.village_a, world.village_b], shares=[50, 50],
                     today=today())
    assert queries(client, project.get_absolute_url()) == page_before
    assert queries(client, reverse("projects:project_export")) == export_before


def test_the_edit_form_keeps_every_village_of_a_large_joint_project(world, login):
    villages = [world.village_a, world.village_a2, world.village_b, f.village(world.town_a), f.village(world.town_b)]
    project = make_project(world, villages=villages, shares=[20] * 5, today=today())
    response = login(world.users.admin).get(reverse("projects:project_update", args=[project.pk]))
    shares = response.context["shares"]
    assert shares.row_count == 6
    assert {shares.initial[f"village_{row}"] for row in range(5)} == {village.pk for village in villages}
