"""One county of demo data: townships, villages, figures, units, secretaries, assignments and work teams.

Everything is drawn from the county's own random.Random, so a county looks the same whatever the scale.
The data is valid by construction (no full_clean per row): one active first secretary per village, one
active assignment per secretary, unique names under a parent, unique ID numbers, end dates after starts.
"""

import datetime
from decimal import Decimal

from secretaries.models import Assignment, DispatchLevel, DispatchUnit, Secretary, WorkTeam
from villages.models import Region, Village, VillageYearStat

from . import people
from .db import Key, bulk, create_regions
from .places import (
    COUNTY_DEPARTMENTS,
    COUNTY_ENTERPRISES,
    SURNAMES,
    TOWNSHIP_STEMS,
    TOWNSHIP_SUFFIXES,
    VILLAGE_FANCY,
    VILLAGE_PREFIXES,
    VILLAGE_SUFFIXES,
)

STAT_YEARS = (2023, 2024)
A = Assignment
ENDED_EARLY = [(A.Status.RECALLED, "因工作需要召回派出单位"), (A.Status.ADJUSTED, "调整至其他岗位")]


def township_names(rng, count):
    """(name, 3-digit code): a few 街道 first, then 镇 (and the odd 乡), unique within the county."""
    streets = min(count // 4, rng.randint(1, 4))
    names, result = set(), []
    while len(result) < count:
        if len(result) < streets or rng.random() < 0.35:
            stem = rng.choice(TOWNSHIP_STEMS)
        else:
            stem = rng.choice(SURNAMES) + rng.choice(TOWNSHIP_SUFFIXES)
        if len(result) < streets:
            name, code = f"{stem}街道", f"{len(result) + 1:03d}"
        elif rng.random() < 0.06:
            name, code = f"{stem}乡", f"{200 + len(result):03d}"
        else:
            name, code = f"{stem}镇", f"{100 + len(result):03d}"
        if stem not in names:
            names.add(stem)
            result.append((name, code))
    return result


def village_name(rng, taken):
    while True:
        if rng.random() < 0.07:
            name = rng.choice(VILLAGE_FANCY) + "村"
        else:
            name = rng.choice(VILLAGE_PREFIXES) + rng.choice(SURNAMES) + rng.choice(VILLAGE_SUFFIXES) + "村"
        if name not in taken:
            taken.add(name)
            return name


def split(rng, total, parts, minimum=5):
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    scale = sum(weights)
    counts = [max(minimum, int(total * w / scale)) for w in weights]
    for i in range(max(0, total - sum(counts))):
        counts[i % parts] += 1
    return counts


def code_or_blank(code, used_codes):
    if code in used_codes:
        return ""
    used_codes.add(code)
    return code


class CountyBuilder:
    def __init__(self, ctx, rng, county, code, *, villages, townships=None, needs=0.28):
        self.ctx, self.rng, self.county, self.code = ctx, rng, county, code
        self.n_villages, self.township_spec, self.needs_fraction = villages, townships, needs

    def build(self):
        self.make_regions()
        self.make_villages()
        self.make_units()
        self.make_people()
        self.make_teams()

    # --- regions and villages -------------------------------------------------------------------------
    def make_regions(self):
        rng, ctx = self.rng, self.ctx
        spec = self.township_spec or township_names(rng, max(6, min(25, round(self.n_villages / rng.uniform(28, 40)))))
        towns = [
            Region(name=name, level=Region.Level.TOWNSHIP, parent=self.county,
                   code=code_or_blank(f"{self.code}{tcode}000", ctx.used_codes))
            for name, tcode in spec
        ]
        create_regions(towns)
        self.towns = towns
        regions = []
        for town, (_, tcode), count in zip(towns, spec, split(rng, self.n_villages, len(towns)), strict=True):
            taken = set()
            for i in range(count):
                code = f"{self.code}{tcode}{200 + i + 1:03d}" if i < 790 else ""
                regions.append(Region(name=village_name(rng, taken), level=Region.Level.VILLAGE, parent=town,
                                      code=code and code_or_blank(code, ctx.used_codes)))
        self.village_regions = create_regions(regions)

    def make_villages(self):
        rng = self.rng
        villages = []
        for region in self.village_regions:
            weak_economy = rng.random() < 0.09
            weak_branch = rng.random() < 0.045
            poverty = rng.random() < 0.07
            demo = not (weak_economy or weak_branch) and rng.random() < 0.055
            villages.append(Village(region=region, is_key_poverty=poverty, is_weak_branch=weak_branch,
                                    is_weak_economy=weak_economy, is_demonstration=demo))
        tagged = [v for v in villages if v.is_key_poverty or v.is_weak_branch or v.is_weak_economy]
        others = [v for v in villages if not (v.is_key_poverty or v.is_weak_branch or v.is_weak_economy)]
        rng.shuffle(others)
        target = round(len(villages) * self.needs_fraction)
        for village in tagged + others[: max(0, target - len(tagged))]:
            village.needs_secretary = True
        bulk(Village, villages, Key("region_id"))
        self.villages = villages
        stats = []
        for v in villages:
            households = rng.randint(150, 900)
            if v.is_weak_economy:
                income = rng.uniform(5, 12)
            elif v.is_demonstration:
                income = rng.uniform(60, 260)
            else:
                income = rng.triangular(10, 80, 28)
            members = max(20, min(90, round(households / rng.uniform(8, 14))))
            per_household = rng.uniform(2.6, 3.4)
            for year in STAT_YEARS:
                stats.append(VillageYearStat(
                    village=v, year=year, collective_income=Decimal(f"{income:.2f}"), households=households,
                    population=round(households * per_household), party_members=members,
                ))
                income *= rng.uniform(1.0, 1.25)
                households = max(150, min(900, households + rng.randint(-3, 8)))
                members = min(90, members + rng.randint(0, 3))
        bulk(VillageYearStat, stats)

    # --- dispatching units ----------------------------------------------------------------------------
    def make_units(self):
        name = self.county.name
        units = [DispatchUnit(name=name + dept[1:], level=DispatchUnit.Level.COUNTY, kind=kind, region=self.county)
                 for dept, kind in COUNTY_DEPARTMENTS]
        units += [DispatchUnit(name=pattern.format(c=name), level=DispatchUnit.Level.COUNTY,
                               kind=DispatchUnit.Kind.ENTERPRISE, region=self.county)
                  for pattern in COUNTY_ENTERPRISES]
        bulk(DispatchUnit, units, Key("region_id", "name"))
        self.units = {DispatchLevel.COUNTY: units, **self.ctx.shared_units(self.county)}

    # --- secretaries and assignments ------------------------------------------------------------------
    def new_secretary(self, level, region):
        unit = self.rng.choice(self.units[level])
        sec = people.secretary(self.rng, unit=unit, unit_kind=unit.kind, address_code=self.code, region=region,
                               used_ids=self.ctx.used_ids)
        self.secretaries.append(sec)
        return sec

    def assign(self, sec, village, batch, level, role=A.Duty.FIRST_SECRETARY, status=A.Status.ACTIVE,
               start=None, end=None, note=""):
        self.assignments.append(A(secretary=sec, village=village, batch=batch, dispatch_level=level, role=role,
                                  status=status, start_date=start or batch.start_date, end_date=end or batch.end_date,
                                  note=note))

    def level_for(self, in_key_township):
        roll = self.rng.random()
        if in_key_township:
            return DispatchLevel.CITY if roll < 0.5 else DispatchLevel.PROVINCE if roll < 0.6 else DispatchLevel.COUNTY
        return DispatchLevel.PROVINCE if roll < 0.07 else DispatchLevel.CITY if roll < 0.19 else DispatchLevel.COUNTY

    def make_people(self):
        rng, ctx = self.rng, self.ctx
        prev, cur, today = ctx.previous_batch, ctx.current_batch, ctx.today
        self.secretaries, self.assignments, self.active_ids = [], [], set()
        needing = [v for v in self.villages if v.needs_secretary]
        by_town = {}
        for v in needing:
            by_town.setdefault(v.region.parent_id, []).append(v)
        self.key_town = max(self.towns, key=lambda t: len(by_town.get(t.pk, [])))
        vacancies = set(rng.sample(range(len(needing)), min(len(needing), max(2, round(len(needing) * 0.115)))))
        staffed = [v for i, v in enumerate(needing) if i not in vacancies]
        vacant = [v for i, v in enumerate(needing) if i in vacancies]

        active = []  # (secretary, village, level) of active first secretaries
        for village in staffed:
            level = self.level_for(village.region.parent_id == self.key_town.pk)
            sec = self.new_secretary(level, village.region)
            active.append((sec, village, level))
            self.active_ids.add(id(sec))
        ending = set(rng.sample(range(len(active)), min(len(active), round(len(active) * 0.09))))
        # A couple whose term has run out but who are still 在岗: the dashboard's "期满未离任".
        others = [i for i in range(len(active)) if i not in ending]
        overdue = set(rng.sample(others, min(len(others), 2)))
        for i, (sec, village, level) in enumerate(active):
            end = min(today + datetime.timedelta(days=rng.randint(3, 58)), cur.end_date) if i in ending else None
            if i in overdue:
                end = max(cur.start_date, today - datetime.timedelta(days=rng.randint(5, 40)))
            self.assign(sec, village, cur, level, end=end)

        # Work-team members live in staffed villages: province teams county-wide, city teams in the key township.
        self.team_people = {DispatchLevel.PROVINCE: [], DispatchLevel.CITY: []}
        key_staffed = [v for v in staffed if v.region.parent_id == self.key_town.pk] or staffed
        roles = [A.Duty.TEAM_LEADER, A.Duty.LIAISON] + [A.Duty.MEMBER] * max(0, round(len(staffed) * 0.05) - 2)
        slots = [(level, role) for level in self.team_people for role in roles] if staffed else []
        for level, role in slots:
            village = rng.choice(staffed if level == DispatchLevel.PROVINCE else key_staffed)
            sec = self.new_secretary(level, village.region)
            start = cur.start_date + datetime.timedelta(days=rng.randint(0, 90))
            self.assign(sec, village, cur, level, role=role, start=min(start, today))
            self.team_people[level].append((sec, role))
            self.active_ids.add(id(sec))
        for sec, village, level in active:
            if level == DispatchLevel.PROVINCE or (
                level == DispatchLevel.CITY and village.region.parent_id == self.key_town.pk
            ):
                self.team_people[level].append((sec, A.Duty.FIRST_SECRETARY))

        # The previous round: some of today's secretaries served elsewhere then, the others have gone back.
        continuing = [a for a in active if a[2] == DispatchLevel.COUNTY]
        rng.shuffle(continuing)
        pool = needing + [v for v in self.villages if not v.needs_secretary]
        for village in rng.sample(pool, min(len(pool), round(len(staffed) * 0.35))):
            if continuing and continuing[-1][1] is not village and rng.random() < 0.75:
                sec, _, level = continuing.pop()
            else:
                level = self.level_for(False)
                sec = self.new_secretary(level, village.region)
            self.assign(sec, village, prev, level, status=A.Status.ROTATED, note="期满轮换")

        # A few vacancies were left by a recall or an adjustment during the current round.
        span = max(0, (today - cur.start_date).days - 1)
        for village in vacant[: len(vacant) // 4]:
            level = self.level_for(False)
            sec = self.new_secretary(level, village.region)
            status, note = rng.choice(ENDED_EARLY)
            end = cur.start_date + datetime.timedelta(days=rng.randint(0, span))
            self.assign(sec, village, cur, level, status=status, end=end, note=note)
        for _ in range(2):  # registered, not yet dispatched
            self.new_secretary(DispatchLevel.COUNTY, self.county)

        bulk(Secretary, self.secretaries, Key("id_number"))
        bulk(Assignment, self.assignments)

    # --- work teams -----------------------------------------------------------------------------------
    def make_teams(self):
        ctx, county = self.ctx, self.county
        others = [t for t in self.towns if t is not self.key_town]
        second = max(others, key=lambda t: sum(1 for v in self.villages if v.needs_secretary
                                               and v.region.parent_id == t.pk)) if others else None
        county_people = [(s, A.Duty.FIRST_SECRETARY) for s in self.secretaries
                         if second is not None and s.region.parent_id == second.pk
                         and s.unit.level == DispatchUnit.Level.COUNTY and s.region.level == Region.Level.VILLAGE
                         and id(s) in self.active_ids]
        specs = [
            (f"驻{county.name}省派工作队", county, DispatchLevel.PROVINCE, self.team_people[DispatchLevel.PROVINCE]),
            (f"{ctx.city_name}派驻{self.key_town.name}乡村振兴服务队", self.key_town, DispatchLevel.CITY,
             self.team_people[DispatchLevel.CITY]),
        ]
        if second is not None and len(county_people) >= 3:
            specs.append((f"{county.name}派驻{second.name}第一书记工作队", second, DispatchLevel.COUNTY, county_people))
        teams, rosters = [], []
        for name, region, level, members in specs:
            if len(members) < 3:
                continue
            leader = next((s for s, r in members if r == A.Duty.TEAM_LEADER), members[0][0])
            liaison = next((s for s, r in members if r == A.Duty.LIAISON), members[1][0])
            teams.append(WorkTeam(name=name, region=region, dispatch_level=level, batch=ctx.current_batch,
                                  leader=leader, liaison=liaison))
            # Leader and liaison are listed as members too: WorkTeam scopes a secretary by `members__user`.
            rosters.append([s for s, _ in members])
        bulk(WorkTeam, teams, Key("region_id", "name"))
        through = WorkTeam.members.through
        bulk(through, [through(workteam_id=t.pk, secretary_id=s.pk) for t, r in zip(teams, rosters, strict=True)
                       for s in r])
