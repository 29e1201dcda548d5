"""The world most tests stand in: one city, two counties; 金乡县 has townships A (胡集镇) and B (鸡黍镇).

Each township has a village with an active first secretary; users of every role hang on it.
"""

from types import SimpleNamespace

import pytest
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.otp import needs_second_factor
from accounts.roles import Role
from evaluations import services as evaluation_services
from villages.models import Region
from villages.services import region_create

from . import factories as f


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness protects real passwords; tests create many users and need none of it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    city = region_create(name="济宁市", level=Region.Level.CITY, code="370800000000")
    county = region_create(name="金乡县", level=Region.Level.COUNTY, parent=city, code="370828000000")
    other_county = region_create(name="梁山县", level=Region.Level.COUNTY, parent=city)
    town_a = f.township(county, "胡集镇")
    town_b = f.township(county, "鸡黍镇")
    town_c = f.township(other_county, "馆驿镇")
    village_a = f.village(town_a, "王庄村", needs_secretary=True, is_weak_branch=True)
    village_a2 = f.village(town_a, "李楼村", needs_secretary=True)
    village_b = f.village(town_b, "前进村", needs_secretary=True)
    village_c = f.village(town_c, "后营村", needs_secretary=True)
    unit = f.unit(county, "县财政局")
    unit_b = f.unit(county, "县农业农村局")
    unit_c = f.unit(other_county, "梁山县水务局")
    batch = f.batch(county)
    batch_c = f.batch(other_county, "梁山县2024年批次")
    sec_a = f.secretary(county, unit, "张伟")
    sec_b = f.secretary(county, unit_b, "李娜")
    sec_c = f.secretary(other_county, unit_c, "王强")
    sec_idle = f.secretary(county, unit, "赵敏")
    asg_a = f.assign(sec_a, village_a, batch)
    asg_b = f.assign(sec_b, village_b, batch)
    asg_c = f.assign(sec_c, village_c, batch_c)
    users = SimpleNamespace(
        admin=f.user("admin_jx", Role.COUNTY_ADMIN, county, name="组织部管理员"),
        admin_ls=f.user("admin_ls", Role.COUNTY_ADMIN, other_county),
        town_a=f.user("town_a", Role.TOWNSHIP, town_a, name="胡集镇干部"),
        town_b=f.user("town_b", Role.TOWNSHIP, town_b),
        secretary=f.user("sec_a", Role.SECRETARY, county),
        contact=f.user("contact_b", Role.UNIT_CONTACT, county),
        leader=f.user("leader", Role.LEADER, county),
    )
    sec_a.user = users.secretary
    sec_a.save(update_fields=["user"])
    unit_b.contacts.add(users.contact)
    return SimpleNamespace(
        city=city, county=county, other_county=other_county, town_a=town_a, town_b=town_b, town_c=town_c,
        village_a=village_a, village_a2=village_a2, village_b=village_b, village_c=village_c,
        unit=unit, unit_b=unit_b, unit_c=unit_c, batch=batch, batch_c=batch_c,
        sec_a=sec_a, sec_b=sec_b, sec_c=sec_c, sec_idle=sec_idle, asg_a=asg_a, asg_b=asg_b, asg_c=asg_c,
        users=users,
    )


@pytest.fixture
def login(client):
    """login(user) -> the test client logged in as that user."""

    def _login(user):
        client.force_login(user, backend="accounts.backends.RoleBackend")
        return client

    return _login


@pytest.fixture
def scheme(world):
    return evaluation_services.scheme_create_default(world.county)


@pytest.fixture
def extra_secretaries(world):
    """Five more first secretaries in 胡集镇, so a peer meeting can have six members."""
    people = []
    for name in ("刘洋", "陈静", "杨帆", "黄磊", "周敏"):
        person = f.secretary(world.county, world.unit, name)
        f.assign(person, f.village(world.town_a), world.batch)
        people.append(person)
    return people


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """`client.force_login(user)` stands for a completed login: password and, where due, the phone's code.

    Tests of the second factor itself log in through the form (tests/accounts/test_second_factor.py).
    """
    from django.test.client import ClientMixin

    plain = ClientMixin.force_login

    def force_login(self, user, backend=None):
        plain(self, user, backend)
        if needs_second_factor(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = f.totp_device(user).persistent_id
            session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login)
def run_queued_tasks(limit=1000):
    """Run every task the database queue holds that is due now, in this process (as db_worker would);
    returns how many ran. Tests of background work call it instead of starting a worker."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="test", excluded_queue_names=[])
    ran = 0
    while ran < limit:
        result = DBTaskResult.objects.ready().order_by("enqueued_at").first()
        if result is None:
            return ran
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


@pytest.fixture
def run_tasks(db):
    """run_tasks() -> runs the queued background tasks that are due (see run_queued_tasks)."""
    return run_queued_tasks


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (the dashboard caches its totals per region and role)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
