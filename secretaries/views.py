from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import add_service_error
from accounts.params import parse_id
from accounts.views import ScopedCreateView, ScopedDeleteView, ScopedDetailView, ScopedListView, ScopedUpdateView
from villages.models import Village

from . import services
from .filters import AssignmentFilter, BatchFilter, SecretaryFilter, TeamFilter, UnitFilter
from .forms import (
    AssignmentForm,
    BatchForm,
    DispatchUnitForm,
    EndAssignmentForm,
    IdLookupForm,
    RotationForm,
    SecretaryForm,
    WorkTeamForm,
)
from .importers import may_import
from .models import Assignment, Batch, DispatchUnit, Secretary, WorkTeam
from .paging import EstimatedPaginator
from .privacy import record_full_view, sees_phones, shown_person


def visible_ids(model, user, pks):
    """Which of these rows the user may open: one query. A page links only those (no link that ends in a 404),
    e.g. a secretary who has since moved to another township, or the village of a past assignment."""
    return set(model.objects.for_user(user).filter(pk__in=set(pks)).values_list("pk", flat=True))


def may_change(user, obj):
    """Offer an edit button only where the edit page would open (a city's batch is read-only to a county)."""
    return type(obj).objects.for_user(user, "change").filter(pk=obj.pk).exists()


def active_assignments():
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.active().select_related("village__region__parent", "batch"),
        to_attr="active_assignments",
    )


# --- Secretaries -------------------------------------------------------------------------------

class SecretaryMixin:
    model = Secretary
    form_class = SecretaryForm


class SecretaryList(SecretaryMixin, ScopedListView):
    filterset_class = SecretaryFilter

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "may_import": may_import(self.request.user),
                "show_phones": sees_phones(self.request.user)}

    def decorate(self, queryset):
        return queryset.select_related("unit").prefetch_related(active_assignments())


class SecretaryDetail(SecretaryMixin, ScopedDetailView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["assignments"] = (
            self.object.assignments.select_related("village__region__parent", "batch").order_by("-start_date", "-pk")
        )
        context["shown"] = shown_person(self.request.user, self.object)
        context["teams"] = WorkTeam.objects.for_user(self.request.user).filter(members=self.object)
        context["visible_villages"] = visible_ids(Village, self.request.user,
                                                  [a.village_id for a in context["assignments"]])
        if context["shown"].full:
            record_full_view(self.request, self.object)
        return context


class SecretaryCreate(SecretaryMixin, ScopedCreateView):
    pass


class SecretaryUpdate(SecretaryMixin, ScopedUpdateView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "id_number" in context["form"].fields:  # the form shows the whole number
            record_full_view(self.request, self.object)
        return context


class SecretaryDelete(SecretaryMixin, ScopedDeleteView):
    success_url = reverse_lazy("secretaries:secretary_list")
    protected_message = "该同志已有派驻记录或担任工作队职务，不能删除；请保留其历史。"


@require_POST
@login_required
def secretary_lookup(request):
    """Find a secretary by 身份证号 without putting the number in a URL. Only for who may see full numbers:
    for anyone else a hit or a miss would confirm a guess at a masked number."""
    if not request.user.sees_full_id_numbers:
        raise PermissionDenied("您的角色无权按身份证号查找。")
    form = IdLookupForm(request.POST)
    if form.is_valid():
        found = Secretary.objects.for_user(request.user).filter(id_number=form.cleaned_data["id_number"]).first()
        if found:
            return redirect(found)
        messages.warning(request, "在您的管辖范围内没有找到该身份证号对应的人员。")
    else:
        messages.error(request, form.errors["id_number"][0])
    return redirect("secretaries:secretary_list")


def secretary_and_current_assignment(request, pk):
    """The secretary (404 outside the user's region), after the role check, and their active assignment."""
    secretary = get_object_or_404(Secretary.objects.for_user(request.user), pk=pk)
    if not request.user.has_perm("secretaries.change_assignment"):
        raise PermissionDenied("您的角色无权调整派驻。")
    return secretary, secretary.assignments.active().select_related("village__region__parent").first()


def assignment_action(request, pk, *, form_class, service, template, done):
    """A form page that changes a secretary's active assignment through one service (rotate, end)."""
    secretary, current = secretary_and_current_assignment(request, pk)
    if current is None:
        messages.error(request, "该同志当前没有在岗的派驻记录；如需安排到村，请使用“新增派驻”。")
        return redirect(secretary)
    form = form_class(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            service(user=request.user, request=request, assignment=current, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, done(secretary, form.cleaned_data))
            return redirect(secretary)
    return render(request, template, {"secretary": secretary, "current": current, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def secretary_rotate(request, pk):
    """轮换: end the current assignment and start the next, in one transaction."""
    return assignment_action(
        request, pk, form_class=RotationForm, service=services.assignment_rotate,
        template="secretaries/secretary_rotate.html",
        done=lambda secretary, data: f"已完成轮换：{secretary.name} 改驻 {data['village']}。",
    )


@require_http_methods(["GET", "POST"])
@login_required
def secretary_end(request, pk):
    """离任: end the active assignment (召回, 调整, 期满轮换) without starting another."""
    labels = dict(Assignment.Status.choices)
    return assignment_action(
        request, pk, form_class=EndAssignmentForm, service=services.assignment_end,
        template="secretaries/secretary_end.html",
        done=lambda secretary, data: f"{secretary.name} 已离任（{labels[data['status']]}）。",
    )




# --- Assignments -------------------------------------------------------------------------------

class AssignmentList(ScopedListView):
    model = Assignment
    filterset_class = AssignmentFilter
    paginator_class = EstimatedPaginator

    def decorate(self, queryset):
        return queryset.select_related("secretary__unit", "village__region__parent", "batch")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["visible_secretaries"] = visible_ids(Secretary, self.request.user,
                                                     [a.secretary_id for a in context["object_list"]])
        return context


class AssignmentCreate(ScopedCreateView):
    model = Assignment
    form_class = AssignmentForm

    def get_initial(self):
        initial = super().get_initial()
        for name in ("secretary", "village"):
            value = parse_id(self.request.GET.get(name))
            if value is not None:
                initial[name] = value
        return initial

    def form_valid(self, form):
        try:
            self.object = services.assignment_create(user=self.request.user, request=self.request,
                                                     **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "派驻记录已保存。")
        return redirect(self.object)


# --- Dispatching units -------------------------------------------------------------------------

class UnitMixin:
    model = DispatchUnit
    form_class = DispatchUnitForm


class UnitList(UnitMixin, ScopedListView):
    filterset_class = UnitFilter

    def decorate(self, queryset):
        # Count only the secretaries this user may see: a township sees its own share of a unit.
        # One subquery per count, evaluated for the shown page only (after ORDER BY … LIMIT): joined counts grouped
        # every unit of a province before the page was cut (300 ms), and made the paginator count a grouped query.
        people = Secretary.objects.for_user(self.request.user).filter(unit=OuterRef("pk")).order_by().values("unit")
        serving = people.filter(assignments__status="active")
        return queryset.select_related("region").annotate(
            secretary_count=Coalesce(Subquery(people.annotate(n=Count("pk")).values("n")), 0),
            active_count=Coalesce(Subquery(serving.annotate(n=Count("pk", distinct=True)).values("n")), 0),
        ).order_by("level", "name", "pk")


class UnitDetail(UnitMixin, ScopedDetailView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["secretaries"] = (
            Secretary.objects.for_user(self.request.user).filter(unit=self.object)
            .prefetch_related(active_assignments())
        )
        return context


class UnitCreate(UnitMixin, ScopedCreateView):
    pass


class UnitUpdate(UnitMixin, ScopedUpdateView):
    pass


class UnitDelete(UnitMixin, ScopedDeleteView):
    success_url = reverse_lazy("secretaries:unit_list")
    protected_message = "该单位仍有派出的第一书记，不能删除。"


# --- Work teams --------------------------------------------------------------------------------

class TeamMixin:
    model = WorkTeam
    form_class = WorkTeamForm


class TeamList(TeamMixin, ScopedListView):
    filterset_class = TeamFilter

    def decorate(self, queryset):
        return queryset.select_related("region", "leader", "liaison", "batch").annotate(
            member_count=Count("members", distinct=True)
        ).order_by("name")


class TeamDetail(TeamMixin, ScopedDetailView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = (
            Secretary.objects.for_user(self.request.user).filter(work_teams=self.object)
            .select_related("unit").prefetch_related(active_assignments())
        )
        context["hidden_members"] = self.object.members.count() - len(context["members"])
        context["may_change"] = may_change(self.request.user, self.object)
        context["visible_people"] = visible_ids(Secretary, self.request.user,
                                                [self.object.leader_id, self.object.liaison_id])
        return context


class TeamCreate(TeamMixin, ScopedCreateView):
    pass


class TeamUpdate(TeamMixin, ScopedUpdateView):
    pass


# --- Batches -----------------------------------------------------------------------------------

class BatchMixin:
    model = Batch
    form_class = BatchForm


class BatchList(BatchMixin, ScopedListView):
    filterset_class = BatchFilter

    def decorate(self, queryset):
        # Counted within what this user sees: a township counts its own villages' assignments.
        # One subquery per count: two joined counts multiply a province's assignments by its teams (8.5 s).
        active = (Assignment.objects.for_user(self.request.user).filter(batch=OuterRef("pk"), status="active")
                  .order_by().values("batch").annotate(n=Count("pk")).values("n"))
        teams = WorkTeam.objects.filter(batch=OuterRef("pk")).order_by().values("batch").annotate(
            n=Count("pk")).values("n")
        return queryset.select_related("region").annotate(
            active_count=Coalesce(Subquery(active), 0), team_count=Coalesce(Subquery(teams), 0),
        ).order_by("-start_date", "name")


class BatchDetail(BatchMixin, ScopedDetailView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assignments = Assignment.objects.for_user(self.request.user).filter(batch=self.object)
        context["counts"] = assignments.aggregate(
            active=Count("pk", filter=Q(status="active")), total=Count("pk"),
            ending=Count("pk", filter=Q(status="active", end_date=self.object.end_date)),
        )
        context["teams"] = WorkTeam.objects.for_user(self.request.user).filter(batch=self.object)
        context["may_change"] = may_change(self.request.user, self.object)
        return context


class BatchCreate(BatchMixin, ScopedCreateView):
    pass


class BatchUpdate(BatchMixin, ScopedUpdateView):
    pass
