"""The appeal block of a result page: its appeals and their decisions, and for the secretary themselves the link
to appeal while the window is open (the result page's view stays as it is)."""

from django import template

from accounts.roles import Role
from evaluations import services
from evaluations.models import Appeal

register = template.Library()


@register.inclusion_tag("evaluations/appeal_box.html", takes_context=True)
def appeal_box(context, person):
    user = context["request"].user
    period = person.period
    appeals = list(Appeal.objects.for_user(user).filter(participant=person).order_by("-created_at", "-pk"))
    own = user.role == Role.SECRETARY and person.secretary.user_id == user.pk
    window_open = period.is_published and services.appeal_window_open(period)
    return {
        "person": person, "appeals": appeals, "own": own, "deadline": services.appeal_deadline(period),
        "may_appeal": own and window_open and not any(a.is_pending for a in appeals),
    }
