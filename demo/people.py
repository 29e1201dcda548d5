"""Realistic people for demo data: names, 身份证号, phones, education, posts and ranks.

Every function takes the caller's random.Random, so a seed reproduces the same people.
"""

import datetime

from secretaries import idcard
from secretaries.models import Secretary

from .places import GIVEN_FEMALE, GIVEN_MALE, SURNAMES

PHONE_PREFIXES = [f"13{d}" for d in range(10)] + ["150", "151", "152", "153", "155", "156", "157", "158", "159"] + [
    f"18{d}" for d in range(10)
]
BIRTH_FIRST = datetime.date(1970, 1, 1).toordinal()
BIRTH_LAST = datetime.date(1996, 12, 31).toordinal()

E = Secretary.Education
EDUCATION_WEIGHTS = {
    "party_gov": ((E.BACHELOR, 62), (E.MASTER, 26), (E.COLLEGE, 10), (E.DOCTORATE, 2)),
    "institution": ((E.BACHELOR, 55), (E.MASTER, 32), (E.COLLEGE, 8), (E.DOCTORATE, 5)),
    "university": ((E.MASTER, 45), (E.DOCTORATE, 40), (E.BACHELOR, 15)),
    "enterprise": ((E.BACHELOR, 70), (E.COLLEGE, 18), (E.MASTER, 12)),
}

# (post, rank) by age band for civil servants; other kinds have their own titles.
CIVIL_POSTS = {
    "senior": (("副局长", "一级主任科员"), ("科长", "二级主任科员"), ("党组成员", "四级调研员"),
               ("办公室主任", "一级主任科员")),
    "middle": (("科长", "三级主任科员"), ("副科长", "三级主任科员"), ("股长", "四级主任科员"),
               ("副主任", "二级主任科员"), ("科员", "四级主任科员")),
    "young": (("科员", "一级科员"), ("科员", "四级主任科员"), ("副科长", "四级主任科员"), ("科员", "二级科员")),
}
OTHER_POSTS = {
    "institution": (("科室主任", "副高级"), ("副主任", "中级"), ("主治医师", "中级"), ("科员", "管理九级"),
                    ("办公室副主任", "管理八级")),
    "university": (("副教授", "副高级"), ("讲师", "中级"), ("学院党委副书记", "副处级"), ("辅导员", "中级")),
    "enterprise": (("客户经理", ""), ("党建专员", ""), ("部门副主任", ""), ("班组长", ""), ("综合部主任", "")),
}


def weighted(rng, pairs):
    """Pick from ((value, weight), ...) with one draw."""
    total = sum(w for _, w in pairs)
    point = rng.random() * total
    for value, weight in pairs:
        point -= weight
        if point < 0:
            return value
    return pairs[-1][0]


def person_name(rng, male):
    chars = GIVEN_MALE if male else GIVEN_FEMALE
    given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
    return rng.choice(SURNAMES) + given


def id_number(rng, address_code, birth, male, used):
    """A valid, unused 身份证号: odd sequence for men, even for women; `used` collects first-17 digits."""
    parity = 1 if male else 0
    start = rng.randrange(500)
    for step in range(500):
        sequence = ((start + step) % 500) * 2 + parity
        number = idcard.make(address_code, birth, sequence)
        if number[:17] not in used:
            used.add(number[:17])
            return number
    # Every sequence of that day is taken: move to the next day (never happens at demo scale).
    return id_number(rng, address_code, birth + datetime.timedelta(days=1), male, used)


def phone(rng):
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def post_and_rank(rng, kind, birth):
    if kind in OTHER_POSTS:
        return rng.choice(OTHER_POSTS[kind])
    band = "senior" if birth.year <= 1976 else "middle" if birth.year <= 1987 else "young"
    return rng.choice(CIVIL_POSTS[band])


def secretary(rng, *, unit, unit_kind, address_code, region, used_ids):
    """An unsaved Secretary with consistent name, gender, birth date, ID number, education and post."""
    male = rng.random() < 0.78
    birth = datetime.date.fromordinal(rng.randint(BIRTH_FIRST, BIRTH_LAST))
    post, rank = post_and_rank(rng, unit_kind, birth)
    roll = rng.random()
    ethnicity = "汉族" if roll < 0.955 else "回族" if roll < 0.99 else "满族"
    return Secretary(
        name=person_name(rng, male),
        id_number=id_number(rng, address_code, birth, male, used_ids),
        ethnicity=ethnicity,
        political_status=Secretary.PoliticalStatus.CPC,
        education=weighted(rng, EDUCATION_WEIGHTS.get(unit_kind, EDUCATION_WEIGHTS["party_gov"])),
        phone=phone(rng),
        unit=unit,
        post=post,
        rank=rank,
        region=region,
    )
