import datetime

from alliances.models import Alliance, CoBuild, Need, Resource
from demo.seed import seed


def test_demo_alliances(db):
    today = datetime.date(2025, 6, 18)
    seed(scale="county", today=today, log=lambda *a: None)
    assert Alliance.objects.filter(kind="sub").count() == 6
    assert set(Alliance.objects.filter(kind="industry").values_list("name", flat=True)) == {"香瓜联盟", "羊肚菌联盟"}
    assert (Need.objects.count(), Resource.objects.count(), CoBuild.objects.count()) == (40, 80, 20)
    states = set(CoBuild.objects.with_state(today).values_list("state", flat=True))
    assert states == {"waiting", "ongoing", "overdue", "completed"}
    missed = Alliance.objects.with_meeting_check(today).filter(missed_meeting=True)
    assert missed.count() == 1


def test_demo_pages(db, client):
    from django.urls import reverse

    from accounts.models import User

    seed(scale="county", log=lambda *a: None)
    admin = User.objects.filter(role="county_admin", is_active=True).first()
    client.force_login(admin, backend="accounts.backends.RoleBackend")
    for name in ("alliance_list", "need_list", "resource_list", "cobuild_list", "supervision_list", "calendar"):
        assert client.get(reverse(f"alliances:{name}")).status_code == 200
    alliance = Alliance.objects.get(kind="master")
    assert client.get(alliance.get_absolute_url()).status_code == 200
    assert client.get(Need.objects.filter(status="open").first().get_absolute_url()).status_code == 200
