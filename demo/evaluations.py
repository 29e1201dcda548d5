"""The demo county's 五看四评三争: a scheme and the four quarters and the year of the latest full year.

Each period goes through the services a county admin uses (create, open, grids, peer meetings, survey codes,
lock, publish), so every result comes from scoring.compute. Only the bulk of the scores — each peer's rating
of every other peer, the survey sheets' counts — is written with insert_rows, as an import would.

Everyone has a steady level (a few weaker secretaries), strong and weak dimensions, and some luck each
quarter, so the rankings move from one quarter to the next (位次进退). Q1–Q4 are published; the year is
locked but not published, for the demo admin to publish.
"""

import datetime
import random
from decimal import Decimal

from django.db.models import F, Q

from accounts.roles import Role
from evaluations import services
from evaluations.models import Answer, Channel, Participant, Period, PointItem, Scheme, Score, SurveyTally
from excel.pipeline import insert_rows
from secretaries.models import Assignment

SCHEME_NAME = "五看四评三争考评方案"
WEAK_SHARE = 0.06
SURVEY_CODES_PER_PERSON = 3
SURVEY_ANSWERED = 8  # codes answered online in the year period; the rest stay unused for the print page
SCORE_FIELDS = ("period_id", "participant_id", "channel", "rater_id", "meeting_id", "dimension", "value",
                "entered_by_id")
TALLY_FIELDS = (
    "period_id", "participant_id", "dimension", "source", "satisfied", "basic", "unsatisfied", "channel",
)  # COPY writes every column it names: channel too (its default lives in Python)


def ensure_demo_evaluations(county, accounts, *, seed, today, log=print):
    """Leave a county that already has periods alone; otherwise score and lock the latest full year."""
    users = {user.username: user for user, _ in accounts}
    admin = next((user for user in users.values() if user.role == Role.COUNTY_ADMIN), None)
    if county is None or admin is None or Period.objects.filter(region=county).exists():
        return
    scheme = (Scheme.objects.filter(region=county, name=SCHEME_NAME).first()
              or services.scheme_create_default(county, name=SCHEME_NAME))
    year = today.year - 1
    demo_points(county, admin, year, today, random.Random(f"{seed}:{county.code or county.pk}:points"))
    demo = DemoScores(random.Random(f"{seed}:{county.code or county.pk}:evaluations"), admin, users)
    scored = 0
    for kind, number in [(Period.Kind.QUARTER, q) for q in range(1, 5)] + [(Period.Kind.YEAR, 1)]:
        period = services.period_create(user=admin, region=county, scheme=scheme, kind=kind, year=year,
                                        number=number)
        period = services.period_open(period, user=admin)
        take_roster_of_the_time(period)
        scored += demo.score(period)
        if kind == Period.Kind.YEAR:
            demo_contest(period, admin, random.Random(f"{seed}:contest"))
        services.lock_accepting_every_gap(period, user=admin)
        if kind == Period.Kind.QUARTER:
            services.honours_confirm(period, user=admin)
            last_quarter = services.period_publish(period, user=admin)
            if number == 1:
                withdraw_and_republish(last_quarter, admin, users)
    settle_an_appeal(last_quarter, admin)
    log(f"考评演示数据：{county.name}{year}年四个季度（已发布）和年度（已锁定，待发布），评分 {scored} 条。")


POINT_ITEMS = (  # 积分目录, from the 金乡 and 邹城 articles' 加分/扣分 examples
    ("获市级以上表彰", 5, "manual", "以表彰文件为准"),
    ("争取项目资金每 10 万元", 2, "manual", "资金到位凭证"),
    ("例会无故缺席", -2, "manual", "以会议签到为准"),
    ("连续不在岗被通报", -10, "absence_notice", "在岗通报发布后自动登记"),
    ("县统一任务办结", 2, "county_task", "县委组织部确认办结后自动登记"),
    ("为群众办实事", 1, "service", "每条办实事记录自动登记"),
)
POINT_EVIDENCE = {
    "获市级以上表彰": "获评市级乡村振兴先进个人（济宁市委组织部文件）",
    "争取项目资金每 10 万元": "争取省级衔接资金 10 万元用于村内道路硬化，资金已到位",
    "例会无故缺席": "镇街第一书记周例会未请假缺席",
}


def demo_points(county, admin, year, today, rng):
    """The county's points catalogue and a few dozen manual events (the automatic ones come from the facts when
    a period with a points channel is computed); one event disputed, one revoked after its dispute."""
    if PointItem.objects.filter(region=county).exists():
        return
    items = [services.point_item_create(user=admin, region=county, name=name, points=points, source=source,
                                        note=note) for name, points, source, note in POINT_ITEMS]
    manual = [item for item in items if item.source == PointItem.Source.MANUAL]
    serving = list(Assignment.objects.active_first_secretaries().filter(
        village__region__path__startswith=county.path).select_related("secretary").order_by("pk")[:40])
    events = []
    for assignment in serving:
        item = rng.choice(manual)
        day = max(assignment.start_date, datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)))
        if day > today:
            continue
        events.append(services.point_event_record(user=admin, item=item, secretary=assignment.secretary, date=day,
                                                  evidence=POINT_EVIDENCE[item.name]))
    disputed = [e for e in events if e.points < 0][:2]
    for event in disputed:
        if event.secretary.user_id:
            services.point_event_dispute(event, user=event.secretary.user,
                                         reason="当天经镇党委批准参加县里培训，已请假。")
    if len(disputed) > 1 and disputed[1].secretary.user_id:
        services.point_event_decide(disputed[1], user=admin, revoke=True, decision="经核实已请假，撤销该扣分。")


def demo_contest(period, admin, rng):
    """A 述职评议 of the year: the first township's secretaries speak, three judges score them."""
    first = period.participants.order_by("township__path").values_list("township", flat=True).first()
    speakers = list(period.participants.filter(township=first).select_related("secretary")[:12])
    if len(speakers) < 2:
        return
    contest = services.contest_create(period, user=admin, kind="report", name=f"{period.year}年度述职评议",
                                      date=period.end_date, speakers=speakers,
                                      judges=["县委组织部分管副部长", "镇党委书记", "群众代表"])
    for judge in contest.judges.all():
        rows = {p: [Decimal(rng.randint(70, 98)) for _ in period.dimensions] for p in speakers}
        services.contest_scores_save(contest, judge, rows, user=admin)


def withdraw_and_republish(period, admin, users):
    """The first quarter was published, seen by the township officials, withdrawn for a correction and published
    again: the period page shows both publications, and the audit log whom the withdrawal was told to."""
    for user in users.values():
        if user.role == Role.TOWNSHIP:
            services.reader_record(period, user)
    services.period_withdraw(period, user=admin, reason="部分镇街点评分数录入有误，更正后重新发布。")
    services.period_publish(period, user=admin)


def settle_an_appeal(period, admin):
    """One accepted appeal in the last published quarter (the demo secretary's, if they were evaluated): a 组织考评
    score entered too low is corrected and the quarter recomputed, so the archive and the report show a change."""
    person = (period.participants.filter(rank_county__isnull=False).select_related("secretary__user")
              .order_by(F("secretary__user").asc(nulls_last=True), "-rank_county").first())
    score = Score.objects.filter(participant=person, channel=Channel.ORG, dimension=1).first()
    if score is None:
        return
    appeal = services.appeal_file(person, user=person.secretary.user,
                                  reason="组织考评党建一项未计入本季度新发展的两名入党积极分子，请核实。")
    services.appeal_accept(appeal, [(Channel.ORG, None, 1, min(Decimal(100), score.value + 5))], user=admin,
                           note="经核实，补记党建工作积分 5 分。")


def take_roster_of_the_time(period):
    """period_open takes today's roster; a past period had those serving on its last day.

    Those recalled or moved since then are added, anyone who started later is taken out.
    """
    day = period.end_date
    serving = {
        a.secretary_id: a
        for a in Assignment.objects.filter(role=Assignment.Duty.FIRST_SECRETARY, start_date__lte=day,
                                           village__region__path__startswith=period.region.path)
        .filter(Q(status=Assignment.Status.ACTIVE) | Q(end_date__gte=day))
        .select_related("secretary__unit", "village__region").order_by("start_date", "pk")
    }
    period.participants.exclude(secretary_id__in=serving).delete()
    present = set(period.participants.values_list("secretary_id", flat=True))
    Participant.objects.bulk_create([
        Participant(period=period, secretary=a.secretary, village=a.village, township_id=a.village.region.parent_id,
                    unit_name=a.secretary.unit.name, dispatch_level=a.dispatch_level, batch_id=a.batch_id)
        for secretary_id, a in serving.items() if secretary_id not in present
    ])


def clip(value, low, high):
    return Decimal(f"{min(high, max(low, value)):.1f}")


class DemoScores:
    """Draws every score from one random generator, in a fixed order (participants by ID number)."""

    def __init__(self, rng, admin, users):
        self.rng, self.admin, self.users = rng, admin, users
        self.level, self.strengths, self.leniency = {}, {}, {}

    def person(self, participant, dimensions):
        """(level this period, per-dimension offsets): the level is steady, each period adds some luck."""
        rng, key = self.rng, participant.secretary_id
        if key not in self.level:
            weak = rng.random() < WEAK_SHARE
            self.level[key] = rng.uniform(68, 76) if weak else min(95, max(77, rng.gauss(86, 4.5)))
            self.strengths[key] = [rng.gauss(0, 2.5) for _ in range(dimensions)]
        return self.level[key] + rng.gauss(0, 1.8), self.strengths[key]

    def township_leniency(self, township_id):
        if township_id not in self.leniency:
            self.leniency[township_id] = self.rng.gauss(0, 2)
        return self.leniency[township_id]

    def score(self, period):
        """Fill all four channels of an open period; returns the number of score rows written."""
        rng, dimensions = self.rng, len(period.dimensions)
        people = sorted(period.participants.select_related("secretary__user", "village__region", "township"),
                        key=lambda p: p.secretary.id_number)  # encrypted: sorted in clear, here
        levels = {p.pk: self.person(p, dimensions) for p in people}

        def grid(p, noise, bias=0.0):
            level, strengths = levels[p.pk]
            return [clip(level + s + bias + rng.gauss(0, noise), 55, 99) for s in strengths]

        services.save_grid(period, Channel.ORG, {p: grid(p, 2.0) for p in people}, user=self.admin)
        towns = {}
        for p in people:
            towns.setdefault(p.township, []).append(p)
        officials = {u.region_id: u for u in self.users.values() if u.role == Role.TOWNSHIP}
        for town, members in towns.items():
            lenient = self.township_leniency(town.pk)
            services.save_grid(period, Channel.TOWNSHIP, {p: grid(p, 2.5, lenient) for p in members},
                               user=officials.get(town.pk, self.admin))
        peer = self.peer_meetings(period, towns, levels)
        insert_rows(Score, SCORE_FIELDS, peer)
        insert_rows(SurveyTally, TALLY_FIELDS, self.survey_sheets(period, people, levels))
        if period.kind == Period.Kind.YEAR:
            self.survey_online(period, towns, levels)
        return len(people) * dimensions * 2 + len(peer)

    def peer_meetings(self, period, towns, levels):
        """One 观摩互评会 per township: every participant rates every other, never themselves."""
        rng, rows = self.rng, []
        for town, members in towns.items():
            if len(members) < 2:
                continue
            day = period.end_date - datetime.timedelta(days=rng.randint(5, 25))
            meeting = services.meeting_create(period, user=self.admin, name=f"{town.name}{period.label}观摩互评会",
                                              date=day, township=town, participants=members)
            for rater in members:
                bias = rng.gauss(0, 2)
                entered_by = rater.secretary.user or self.admin
                for p in members:
                    if p is rater:
                        continue
                    level, strengths = levels[p.pk]
                    for position, s in enumerate(strengths, start=1):
                        value = clip(80 + 0.8 * (level + s - 80) + bias + rng.gauss(0, 3), 70, 98)
                        rows.append((period.pk, p.pk, Channel.PEER, rater.pk, meeting.pk, position, value,
                                     entered_by.pk))
        return rows

    def survey_sheets(self, period, people, levels):
        """The 述职测评会's paper ballots, counted and imported: 20–40 voters, mostly 满意."""
        rows = []
        for p in people:
            voters = self.rng.randint(20, 40)
            level, strengths = levels[p.pk]
            for position, s in enumerate(strengths, start=1):
                counts = {answer: 0 for answer in Answer.values}
                for _ in range(voters):
                    counts[self.answer(level + s)] += 1
                rows.append((period.pk, p.pk, position, SurveyTally.Source.IMPORT, counts[Answer.SATISFIED],
                             counts[Answer.BASIC], counts[Answer.UNSATISFIED], "survey"))
        return rows

    def answer(self, level):
        satisfied = min(0.95, max(0.45, 0.6 + (level - 80) * 0.025))
        unsatisfied = 0.02 + max(0.0, (78 - level) * 0.01)
        roll = self.rng.random()
        return Answer.SATISFIED if roll < satisfied else Answer.UNSATISFIED if roll > 1 - unsatisfied else Answer.BASIC

    def survey_online(self, period, towns, levels):
        """Codes printed for the demo township; a few villagers have answered online, the rest are unused."""
        official = next((u for u in self.users.values() if u.role == Role.TOWNSHIP), None)
        members = next((m for t, m in towns.items() if official and t.pk == official.region_id), None)
        members = members or next(iter(towns.values()))
        codes = services.survey_codes_create(period, members, per_person=SURVEY_CODES_PER_PERSON, valid_days=30,
                                             user=self.admin)
        for code in codes[::SURVEY_CODES_PER_PERSON][:SURVEY_ANSWERED]:
            level, strengths = levels[code.participant_id]
            services.survey_answer(code.code, [self.answer(level + s) for s in strengths])
