"""Task items: the secretary's board, progress pages, the reminder list, the item pages and their actions.

Every page finds its object through `for_user` first (another region's item is a 404), then asks access.py
whether this role may act (403). States and reminders are computed against today in the database.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import add_service_error
from accounts.roles import Role
from accounts.views import ScopedListView, show_errors
from secretaries.models import Secretary

from . import access, reports, services
from .attachments import content_type
from .filters import TaskFilter
from .forms import AttachmentForm, CloseForm, ProgressForm, ReasonForm, TaskForm
from .importers import TaskImporter
from .models import CommonTask, Plan, TaskItem

LIST_LIMIT = 50


def year_of(request):
    """?year=2024, or the current year; anything else is the current year too."""
    raw, today = request.GET.get("year", ""), timezone.localdate()
    return int(raw) if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100 else today.year


def task_or_404(user, pk):
    queryset = TaskItem.objects.for_user(user).select_related("secretary__unit", "village__region__parent",
                                                              "common_item__common", "confirmed_by")
    return get_object_or_404(queryset.with_state(timezone.localdate()), pk=pk)


# --- Boards and progress ------------------------------------------------------------------------------------------

@require_GET
@login_required
def board(request, pk=None):
    """A secretary's task board: their items of the year by state and dimension, with the reminders due."""
    user, today, year = request.user, timezone.localdate(), year_of(request)
    if pk is None:
        if user.role != Role.SECRETARY:
            return redirect("tasks:progress")
        secretary = access.own_secretary(user)
        if secretary is None:
            return render(request, "dashboards/unlinked.html")
    else:
        secretary = get_object_or_404(Secretary.objects.for_user(user).select_related("unit"), pk=pk)
    tasks = TaskItem.objects.for_user(user).filter(secretary=secretary, year=year)
    dimensions = reports.by_dimension(tasks, today)
    items = list(reports.listed(tasks, today).order_by("deadline", "pk"))
    columns = [(value, label, [t for t in items if t.state == value]) for value, label in BOARD_COLUMNS]
    return render(request, "tasks/board.html", {
        "secretary": secretary, "year": year, "dimensions": dimensions, "total": reports.totals(dimensions),
        "columns": columns, "reminders": [t for t in items if t.reminder_due],
        "mine": secretary.user_id == user.pk, "today": today,
    })


BOARD_COLUMNS = [("overdue", "已逾期"), *TaskItem.Status.choices]


@require_GET
@login_required
def progress(request):
    """Township and county progress: completion by dimension and by township, overdue items, reminders due."""
    user, today, year = request.user, timezone.localdate(), year_of(request)
    if user.role == Role.SECRETARY:
        return redirect("tasks:board")
    tasks = TaskItem.objects.for_user(user).filter(year=year)
    dimensions = reports.by_dimension(tasks, today)
    return render(request, "tasks/progress.html", {
        "year": year, "dimensions": dimensions, "total": reports.totals(dimensions),
        "areas": reports.by_area(user, tasks, today), "area_label": reports.area_label(user),
        "overdue": reports.listed(tasks.overdue(today), today).order_by("deadline", "pk")[:LIST_LIMIT],
        "due": reports.listed(tasks.reminders_due(today).filter(deadline__gte=today), today)
        .order_by("deadline", "pk")[:LIST_LIMIT],
        "pending": reports.listed(tasks.filter(status=TaskItem.Status.PENDING), today)
        .order_by("closed_at", "pk")[:LIST_LIMIT],
        "commons": CommonTask.objects.for_user(user).filter(year=year).select_related("region"),
        "limit": LIST_LIMIT,
    })


@require_GET
@login_required
def reminders(request):
    """待办提醒: what is due for this user — a secretary's own items, a township's, the county's."""
    user, today = request.user, timezone.localdate()
    tasks = TaskItem.objects.for_user(user)
    reviews = access.may_review(user)
    plans = Plan.objects.for_user(user).select_related("village__region__parent")
    return render(request, "tasks/reminders.html", {
        "due": reports.listed(tasks.reminders_due(today), today).order_by("deadline", "pk")[:200],
        "pending": reports.listed(tasks.filter(status=TaskItem.Status.PENDING), today)
        .order_by("closed_at", "pk")[:200] if reviews else [],
        "returned": reports.listed(tasks.filter(status=TaskItem.Status.IN_PROGRESS).exclude(return_reason=""),
                                   today).order_by("deadline", "pk")[:200] if user.role == Role.SECRETARY else [],
        "plans_to_review": plans.filter(status=Plan.Status.SUBMITTED)[:200] if reviews else [],
        "plans_returned": plans.filter(status=Plan.Status.RETURNED)[:200] if user.role == Role.SECRETARY else [],
        "reviews": reviews, "today": today, "hide_person": user.role == Role.SECRETARY,
    })


# --- The list of items -------------------------------------------------------------------------------------------

class TaskList(ScopedListView):
    model = TaskItem
    filterset_class = TaskFilter
    template_name = "tasks/task_list.html"

    def decorate(self, queryset):
        return reports.listed(queryset, timezone.localdate()).select_related("secretary__unit")

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {**super().get_context_data(**kwargs), "may_import": TaskImporter.may_import(user),
                "may_add": user.is_county_admin or user.role == Role.SECRETARY}


@require_http_methods(["GET", "POST"])
@login_required
def task_create(request):
    user = request.user
    secretary = access.own_secretary(user)
    access.require(user.is_county_admin or secretary is not None, "只有第一书记本人或县委组织部可以新增任务。")
    form = TaskForm(request.POST or None, user=user)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            task = services.task_create(user=user, request=request, secretary=data.pop("secretary", secretary),
                                        **data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "任务已加入清单。")
            return redirect(task)
    return render(request, "tasks/task_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def task_update(request, pk):
    task = task_or_404(request.user, pk)
    access.require(access.may_edit_task(request.user, task), "只有第一书记本人或县委组织部可以修改任务。")
    form = TaskForm(request.POST or None, instance=task, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(task, user=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "任务已保存。")
            return redirect(task)
    return render(request, "tasks/task_form.html", {"form": form, "task": task})


@require_GET
@login_required
def task_detail(request, pk):
    user = request.user
    task = task_or_404(user, pk)
    edits, reviews = access.may_edit_task(user, task), access.may_review(user)
    return render(request, "tasks/task_detail.html", {
        "task": task, "attachments": task.attachments.select_related("uploaded_by"),
        "edits": edits and task.is_open, "reviews": reviews,
        "edits_wording": edits and task.is_open and (task.source == TaskItem.Source.OWN or user.is_county_admin),
        "progress_form": ProgressForm(initial={"progress": task.progress, "evidence": task.evidence}),
        "close_form": CloseForm(initial={"evidence": task.evidence}), "reason_form": ReasonForm(),
        "attachment_form": AttachmentForm(), "attaches": edits,
    })


# --- Actions on one item -------------------------------------------------------------------------------------------

def _act(request, pk, *, allowed, refused, form_class, service, done):
    """Find the item (404 outside the scope), check the role (403), validate the form, call one service."""
    task = task_or_404(request.user, pk)
    access.require(allowed(request.user, task), refused)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(task)
    try:
        service(task, user=request.user, request=request, **(form.cleaned_data if form else {}))
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, done)
    return redirect(task)


def _reviewer(user, task):
    return access.may_review(user)


NOT_YOURS = "只有第一书记本人或县委组织部可以更新这项任务。"
NOT_REVIEWER = "办结确认由任务所在镇街的工作人员或县委组织部进行。"


@require_POST
@login_required
def task_progress(request, pk):
    return _act(request, pk, allowed=access.may_edit_task, refused=NOT_YOURS, form_class=ProgressForm,
                service=services.task_progress, done="进度已更新。")


@require_POST
@login_required
def task_close(request, pk):
    return _act(request, pk, allowed=access.may_edit_task, refused=NOT_YOURS, form_class=CloseForm,
                service=services.task_close, done="已申请办结，等待镇街确认销号。")


@require_POST
@login_required
def task_confirm(request, pk):
    return _act(request, pk, allowed=_reviewer, refused=NOT_REVIEWER, form_class=None,
                service=services.task_confirm, done="已确认办结，任务销号。")


@require_POST
@login_required
def task_reject(request, pk):
    return _act(request, pk, allowed=_reviewer, refused=NOT_REVIEWER, form_class=ReasonForm,
                service=services.task_reject, done="已退回，任务回到“进行中”。")


@require_POST
@login_required
def task_reopen(request, pk):
    return _act(request, pk, allowed=_reviewer, refused="重新打开已办结任务由镇街或县委组织部进行。",
                form_class=ReasonForm, service=services.task_reopen, done="任务已重新打开，理由已记入操作日志。")


@require_POST
@login_required
def task_attach(request, pk):
    task = task_or_404(request.user, pk)
    access.require(access.may_edit_task(request.user, task), NOT_YOURS)
    try:
        services.attach(task, request.FILES.get("file"), user=request.user, request=request)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, "附件已上传。")
    return redirect(task)


@require_GET
@login_required
def task_attachment(request, pk, attachment):
    task = task_or_404(request.user, pk)
    return serve(get_object_or_404(task.attachments, pk=attachment))


def serve(attachment):
    """The file, as a download under its original name; never a public media URL."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("附件文件不存在。") from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name,
                        content_type=content_type(attachment.name))
