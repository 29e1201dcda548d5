"""Who may do what in an evaluation period. Region scope comes first (`for_user`), then these rules.

- County staff (县委组织部管理员) run the period: open, lock, publish, 组织考评, survey codes, imports, meetings.
- A township official enters 镇街点评 for their own township's secretaries only; never 组织考评.
- A secretary scores the other participants of a peer meeting they are in (the county may enter it for them).
- Results: before publication only county staff see computed results; afterwards township officials see
  their township's ranking and secretaries (and their units' contacts) their own result.
"""

from django.core.exceptions import PermissionDenied

from accounts.roles import Role

from .models import Channel, Participant, PeerMeeting, Period

NOT_YOUR_CHANNEL = {
    Channel.ORG: "组织考评由县委组织部录入，您的角色不能录入。",
    Channel.TOWNSHIP: "镇街点评由镇街工作人员（或县委组织部）录入，您的角色不能录入。",
    Channel.PEER: "观摩互评由参会的第一书记本人（或县委组织部代为）录入。",
    Channel.SURVEY: "党员群众测评通过测评码填写或由县委组织部导入汇总表。",
    Channel.VILLAGE: "村级评价由镇街工作人员（或县委组织部）按村录入，或由村两委和群众代表凭测评码评价。",
    Channel.POINTS: "积分由县委组织部或镇街工作人员按积分目录登记。",
    Channel.CONTEST: "比武评议的分数由评委在活动中录入。",
}


def manages(user, period):
    """County staff of the period's own region (or above): the period is theirs to run."""
    return user.is_county_admin and Period.objects.for_user(user, "change").filter(pk=period.pk).exists()


def require_manager(user, period):
    if not manages(user, period):
        raise PermissionDenied("只有组织该考评的县委组织部管理员可以进行此操作。")


def may_enter(user, channel):
    if channel == Channel.ORG:
        return user.is_county_admin
    if channel in (Channel.TOWNSHIP, Channel.VILLAGE):
        return user.is_county_admin or user.role == Role.TOWNSHIP
    if channel == Channel.PEER:
        return user.is_county_admin or user.role == Role.SECRETARY
    return user.is_county_admin


def require_channel(user, channel):
    if not may_enter(user, channel):
        raise PermissionDenied(NOT_YOUR_CHANNEL[channel])


def meetings_for(user):
    """Peer meetings the user may see: those with someone from the user's own scope among the participants
    (a county admin does not see another county's meetings of a city-run period; a secretary sees their own)."""
    mine = Participant.objects.for_user(user).values("pk")
    return PeerMeeting.objects.for_user(user).filter(
        pk__in=PeerMeeting.objects.filter(participants__in=mine).values("pk"))


def sees_results(user, period):
    """Whether the user sees computed results (composites, ranks) of the period at all: before publication only
    the staff running it (a county admin does not see a city-run period's trial ranking)."""
    return period.is_published or manages(user, period)


def results_for(user, period):
    """The participants whose computed results the user may see (region scope and role applied)."""
    if not sees_results(user, period):
        return Participant.objects.none()
    return Participant.objects.for_user(user).filter(period=period)
