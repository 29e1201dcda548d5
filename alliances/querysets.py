"""Who sees which alliance and list item, and the states computed in the database for a given day."""

import datetime

from django.apps import apps
from django.db.models import BooleanField, Case, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.roles import Role
from accounts.scoping import ScopedQuerySet

LOCAL_LEVELS = ("township", "village")


def _model(name):
    return apps.get_model("alliances", name)


def month_start(day):
    return day.replace(day=1)


def previous_month(today):
    """(first day, first day of the next month) of the calendar month before `today`'s."""
    end = month_start(today)
    return month_start(end - datetime.timedelta(days=1)), end


def local_official(user):
    """A township (or village) official: reads their alliances, but only the items of their own villages."""
    return getattr(user, "is_authenticated", False) and user.is_active and not user.is_superuser \
        and user.region is not None and user.region.level in LOCAL_LEVELS \
        and user.role not in (Role.SECRETARY, Role.UNIT_CONTACT)


def _count(queryset, field="pk"):
    """A correlated COUNT subquery: no join that multiplies the outer rows."""
    counted = queryset.order_by().annotate(n=Func(F(field), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class AllianceQuerySet(ScopedQuerySet):
    def for_user(self, user, action="view"):
        """County (and higher) staff: every alliance of their region. Township officials: the alliances covering
        their township and the county's 总盟, read only. Secretaries: the alliances they convene or belong to;
        unit contacts: those their unit or its secretaries belong to."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        region = user.region
        if region is None:
            return self.none()
        if user.role in (Role.SECRETARY, Role.UNIT_CONTACT):
            members = _model("Member").objects.all()
            if user.role == Role.SECRETARY:
                mine = members.filter(secretary__user=user).values("alliance_id")
                convened = Q(convener__user=user)
            else:
                mine = members.filter(Q(unit__contacts=user) | Q(secretary__unit__contacts=user)).values("alliance_id")
                convened = Q(convener__unit__contacts=user)
            scoped = self.filter(region__path__startswith=region.path) if region.level not in LOCAL_LEVELS else \
                self.filter(region_id__in=region.ancestor_ids())
            return scoped.filter(pk__in=self.model._default_manager.filter(Q(pk__in=mine) | convened).values("pk"))
        if region.level in LOCAL_LEVELS:
            if action != "view":
                return self.none()
            townships = type(region)._default_manager.filter(
                Q(path__startswith=region.path) | Q(pk__in=region.ancestor_ids()), level="township")
            covering = self.model.townships.through.objects.filter(region__in=townships).values("alliance_id")
            return self.filter(region_id__in=region.ancestor_ids()).filter(
                Q(pk__in=covering) | Q(kind="master"))
        return self.filter(region__path__startswith=region.path)

    def with_figures(self):
        """n_resources, n_cobuilds, n_solved, n_meetings: the articles' numbers; a 总盟 counts its 分盟's too."""
        def own(name, **extra):
            model = _model(name)
            rows = model.objects.filter(Q(alliance=OuterRef("pk")) | Q(alliance__parent=OuterRef("pk")), **extra)
            return _count(rows)

        return self.annotate(
            n_resources=own("Resource"), n_cobuilds=own("CoBuild"), n_solved=own("Need", status="solved"),
            n_meetings=own("Activity", kind="meeting"), n_activities=own("Activity"),
            n_secretaries=_count(_model("Member").objects.filter(alliance=OuterRef("pk"), kind="secretary")),
            n_others=_count(_model("Member").objects.filter(alliance=OuterRef("pk")).exclude(kind="secretary")),
        )

    def with_meeting_check(self, today=None):
        """missed_meeting: a 分盟 founded by the first day of last month that held no 例会 in it."""
        start, end = previous_month(today or timezone.localdate())
        held = _model("Activity").objects.filter(alliance=OuterRef("pk"), kind="meeting", date__gte=start,
                                                 date__lt=end)
        return self.annotate(missed_meeting=Case(
            When(Q(kind="sub") & (Q(founded__isnull=True) | Q(founded__lte=start)) & ~Exists(held), then=Value(True)),
            default=Value(False), output_field=BooleanField()))


class ItemQuerySet(ScopedQuerySet):
    """Members, experts, resources, co-build items, supervision checks, activities: visible with their alliance."""

    def for_user(self, user, action="view"):
        """Township officials also see the 总盟, so its co-build items and checks are limited to their villages'
        needs: another township's need must not show through the 共建清单 or 督导清单."""
        path = getattr(self.model, "alliance_path", "alliance")
        alliances = _model("Alliance").objects.for_user(user, action)
        scoped = self.filter(**{f"{path}__in": alliances.values("pk")})
        if not local_official(user):
            return scoped
        local_needs = _model("Need").objects.filter(village__region__path__startswith=user.region.path)
        if self.model is _model("CoBuild"):
            return scoped.filter(Exists(local_needs.filter(cobuilds=OuterRef("pk"))))
        if self.model is _model("Supervision"):
            return scoped.filter(Q(resource__isnull=False)
                                 | Q(need__in=local_needs.values("pk"))
                                 | Exists(local_needs.filter(cobuilds=OuterRef("cobuild_id"))))
        return scoped

    def with_availability(self, today=None):
        """Resources: used (co-build items using it) and available (not expired, not used up)."""
        today = today or timezone.localdate()
        used = _count(_model("CoBuild").resources.through.objects.filter(resource=OuterRef("pk")))
        return self.annotate(used=used).annotate(available=Case(
            When(Q(valid_until__isnull=False, valid_until__lt=today), then=Value(False)),
            When(used__gte=F("capacity"), then=Value(False)),
            default=Value(True), output_field=BooleanField()))

    def with_state(self, today=None):
        """Co-build items: 待接单 / 推进中 / 已逾期 / 已完成; supervision checks: 整改中 / 逾期未整改 / 已销号."""
        today = today or timezone.localdate()
        if self.model is _model("Supervision"):
            return self.annotate(state=Case(
                When(closed=True, then=Value("closed")),
                When(deadline__lt=today, then=Value("overdue")),
                default=Value("open")))
        return self.annotate(state=Case(
            When(status="completed", then=Value("completed")),
            When(accepted_on__isnull=True, then=Value("waiting")),
            When(deadline__lt=today, then=Value("overdue")),
            default=Value("ongoing")))


class NeedQuerySet(ScopedQuerySet):
    def for_user(self, user, action="view"):
        """The needs of the alliances the user sees; township officials see (and enter) those of their township."""
        if local_official(user):
            return self.filter(village__region__path__startswith=user.region.path,
                               alliance_id__in=_model("Alliance").objects.for_user(user).values("pk"))
        return self.filter(alliance_id__in=_model("Alliance").objects.for_user(user, action).values("pk"))

    def with_flow(self):
        """flow: ordered (群众下单) → dispatched (联盟派单) → accepted (专家接单) → solved."""
        cobuilds = _model("CoBuild").objects.filter(needs=OuterRef("pk"))
        return self.annotate(flow=Case(
            When(status="solved", then=Value("solved")),
            When(Exists(cobuilds.filter(accepted_on__isnull=False)), then=Value("accepted")),
            When(Exists(cobuilds), then=Value("dispatched")),
            default=Value("ordered")))
