"""完整性检查: who has no score in which channel, peer meetings not held, survey codes unanswered — per township.

Shown on the period page while scoring runs and again at the lock, where every gap needs a decision
(GapDecision): score it, accept 渠道缺失, or excuse the person (免评). A fixed handful of queries whatever the
number of people.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum

from .models import Channel, ContestScore, GapDecision, Participant, PeerMeeting, Score, SurveyCode, SurveyTally

# Channels every participant always has a score in (points start from the scheme's base): never a gap.
NEVER_MISSING = frozenset({Channel.POINTS.value})


@dataclass
class Gap:
    participant: Participant
    channels: list  # the weighted channels without any score, in the period's order
    whole: bool  # no score in any weighted channel: only scoring or 免评 will do
    accepted: set = field(default_factory=set)  # channels whose gap was accepted (渠道缺失)
    excused: GapDecision | None = None

    @property
    def decided(self):
        return self.excused is not None or (not self.whole and set(self.channels) <= self.accepted)

    @property
    def channel_labels(self):
        return [channel_label(c) for c in self.channels]


@dataclass
class TownshipRow:
    township_id: int
    name: str
    people: int = 0
    missing: dict = field(default_factory=dict)  # channel → people without a score in it
    whole: int = 0  # people without any score
    without_meeting: int = 0
    codes: int = 0
    codes_used: int = 0
    gaps: list = field(default_factory=list)

    @property
    def undecided(self):
        return sum(1 for g in self.gaps if not g.decided)


def channel_label(channel):
    return Channel(channel).label if channel in Channel.values else channel


def weighted_channels(period):
    rules = period.channel_weights() if period.rules else period.scheme.channel_weights()
    return [c for c, w in rules.items() if w > 0]


def scored_channels(period, people):
    """{participant id: channels with at least one score}: two queries."""
    have = defaultdict(set)
    scores = (Score.objects.filter(period=period, participant__in=people)
              .values_list("participant", "channel").distinct().order_by())
    for pid, channel in scores:
        have[pid].add(channel)
    for pid in (ContestScore.objects.filter(contest__period=period, speaker__in=people)
                .values_list("speaker", flat=True).distinct().order_by()):
        have[pid].add(Channel.CONTEST.value)
    tallies = (SurveyTally.objects.filter(period=period, participant__in=people)
               .values("participant", "channel")
               .annotate(n=Sum(F("satisfied") + F("basic") + F("unsatisfied"))).filter(n__gt=0).order_by())
    for row in tallies:
        have[row["participant"]].add(row["channel"])
    return have


def gaps_of(period, people, channels=None):
    """The gaps of these participants (a queryset), decisions attached: four queries."""
    channels = weighted_channels(period) if channels is None else channels
    expected = [c for c in channels if c not in NEVER_MISSING]
    have = scored_channels(period, people.values("pk"))
    decisions = defaultdict(list)
    for decision in GapDecision.objects.filter(period=period, participant__in=people.values("pk")):
        decisions[decision.participant_id].append(decision)
    gaps = []
    for person in people:
        missing = [c for c in expected if c not in have.get(person.pk, ())]
        if not missing:
            continue
        gap = Gap(person, missing, whole=len(missing) == len(expected) and not set(channels) & NEVER_MISSING)
        for decision in decisions.get(person.pk, ()):
            if decision.choice == GapDecision.Choice.EXCUSE:
                gap.excused = decision
            else:
                gap.accepted.add(decision.channel)
        gaps.append(gap)
    return gaps


def summary(period, people):
    """Per township (in path order): people, the people missing each weighted channel, those without any score,
    those not at any peer meeting, survey codes issued and answered; and the peer meetings nobody scored at.
    Seven queries, whatever the number of people."""
    channels = [c for c in weighted_channels(period) if c not in NEVER_MISSING]
    rows = {}
    for row in (people.values("township", "township__name").annotate(n=Count("pk")).order_by("township__path")):
        rows[row["township"]] = TownshipRow(row["township"], row["township__name"], people=row["n"],
                                            missing={c: row["n"] for c in channels})
    mine = people.values("pk")
    scores = Score.objects.filter(period=period, participant__in=mine)
    for row in (scores.values("participant__township", "channel")
                .annotate(n=Count("participant", distinct=True)).order_by()):
        township = rows.get(row["participant__township"])
        if township is not None and row["channel"] in township.missing:
            township.missing[row["channel"]] -= row["n"]
    answered = (SurveyTally.objects.filter(period=period, participant__in=mine)
                .values("participant", "channel").annotate(n=Sum(F("satisfied") + F("basic") + F("unsatisfied")))
                .filter(n__gt=0))
    by_codes = [c for c in (Channel.SURVEY, Channel.VILLAGE) if c in channels]
    if by_codes:
        for row in (answered.filter(channel__in=by_codes).values("participant__township", "channel")
                    .annotate(people=Count("participant", distinct=True)).order_by()):
            township = rows.get(row["participant__township"])
            if township is not None:
                township.missing[row["channel"]] -= row["people"]
    contested = ContestScore.objects.filter(contest__period=period, speaker__in=mine).values("speaker")
    if Channel.CONTEST in channels:
        for row in people.filter(pk__in=contested).values("township").annotate(n=Count("pk")).order_by():
            rows[row["township"]].missing[Channel.CONTEST] -= row["n"]
    if channels and not set(weighted_channels(period)) & NEVER_MISSING:
        unscored = people.exclude(pk__in=scores.filter(channel__in=channels).values("participant"))
        if Channel.CONTEST in channels:
            unscored = unscored.exclude(pk__in=contested)
        if by_codes:
            unscored = unscored.exclude(pk__in=answered.filter(channel__in=by_codes).values("participant"))
        for row in unscored.values("township").annotate(n=Count("pk")).order_by():
            rows[row["township"]].whole = row["n"]
    if Channel.PEER in channels:
        met = PeerMeeting.participants.through.objects.filter(peermeeting__period=period).values("participant")
        for row in people.exclude(pk__in=met).values("township").annotate(n=Count("pk")).order_by():
            rows[row["township"]].without_meeting = row["n"]
    codes = (SurveyCode.objects.filter(period=period, participant__in=mine).values("participant__township")
             .annotate(total=Count("pk"), used=Count("pk", filter=Q(used_at__isnull=False))).order_by())
    for row in codes:
        if row["participant__township"] in rows:
            rows[row["participant__township"]].codes = row["total"]
            rows[row["participant__township"]].codes_used = row["used"]
    rows = list(rows.values())
    return {
        "channels": [(c, channel_label(c)) for c in channels],
        "rows": rows,
        "complete": all(not any(r.missing.values()) for r in rows),
        "whole": sum(r.whole for r in rows),
        "idle_meetings": list(PeerMeeting.objects.filter(pk__in=PeerMeeting.objects.filter(
            period=period, participants__in=mine).values("pk")).annotate(n=Count("scores"))
            .filter(n=0).order_by("date", "pk").values_list("name", flat=True)[:20]),
    }


def gaps_by_township(period, people, rows):
    """The gaps of `people`, attached to their township's row of `summary` (five queries)."""
    people = people.select_related("secretary", "township", "village__region").order_by(
        "township__path", "village__region__path", "pk")
    by_id = {row.township_id: row for row in rows}
    gaps = gaps_of(period, people)
    for gap in gaps:
        by_id[gap.participant.township_id].gaps.append(gap)
    return gaps
