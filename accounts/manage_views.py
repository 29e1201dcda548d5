"""账号管理: a county administrator's pages for the accounts of their region (not the admin site).

Every page is the county administrator's (the role's accounts.*_user permissions); an account outside their region
is a 404. Initial passwords are shown once, on slips, and kept only encrypted in the session (see slips.py).
"""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from excel.writer import SheetSpec, xlsx_response

from . import audit, services
from .forms import UserCreateForm, UserFilter, add_service_error
from .models import AuditLog, User
from .slips import slips_clear, slips_keep, slips_read
from .views import ScopedListView, show_errors

SLIPS_PER_PAGE = 8  # A4 portrait: two columns of four
WITHOUT_LOGIN_SHOWN = 1000


def require_admin(request, action="change"):
    if not request.user.has_perm(f"accounts.{action}_user"):
        raise PermissionDenied("只有县委组织部管理员可以管理账号。")


def managed_user(request, pk):
    """An account in the administrator's region (404 elsewhere) that they may manage (403 for a peer)."""
    require_admin(request)
    user = get_object_or_404(User.objects.for_user(request.user, "change").filter(is_superuser=False), pk=pk)
    if not services.may_manage(request.user, user):
        raise PermissionDenied("您不能管理该账号（县委组织部管理员账号由系统管理员维护）。")
    return user


class UserListView(ScopedListView):
    model = User
    filterset_class = UserFilter
    template_name = "accounts/user_list.html"

    def decorate(self, queryset):
        Unit = apps.get_model("secretaries", "DispatchUnit")
        return (queryset.filter(is_superuser=False).select_related("region__parent", "secretary_profile")
                .prefetch_related(Prefetch("contact_units", queryset=Unit.objects.only("name")))
                .order_by("role", "region__path", "username"))

    def get_context_data(self, **kwargs):
        # Counted up to WITHOUT_LOGIN_SHOWN only: a province has 20,000 people, and the button needs no exact figure.
        waiting = services.secretaries_without_login(self.request.user).order_by()[:WITHOUT_LOGIN_SHOWN + 1].count()
        return {**super().get_context_data(**kwargs), "managed_roles": services.MANAGED_ROLES,
                "without_login": min(waiting, WITHOUT_LOGIN_SHOWN), "without_login_more": waiting > WITHOUT_LOGIN_SHOWN}


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    require_admin(request, "add")
    form = UserCreateForm(request.POST or None, user=request.user)
    if form.is_valid():
        try:
            user, password = services.user_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            slips_keep(request, [slip(user, password, unit=form.cleaned_data.get("unit"))])
            messages.success(request, f"已建立账号 {user.username}。初始密码只在下面显示这一次，请打印或转交本人。")
            return redirect("accounts:slips")
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
@require_POST
def user_set_active(request, pk, active):
    user = managed_user(request, pk)
    try:
        services.user_set_active(actor=request.user, user=user, active=active, request=request)
        messages.success(request, f"已{'启用' if active else '停用'}账号 {user.username}。")
    except ValidationError as error:
        show_errors(request, error)
    back = request.POST.get("back", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    return redirect(back if back and safe else reverse("accounts:user_list"))


@login_required
@require_POST
def user_reset(request, pk):
    user = managed_user(request, pk)
    password = services.user_reset_password(actor=request.user, user=user, request=request)
    slips_keep(request, [slip(user, password)])
    messages.success(request, f"已重置 {user.username} 的密码。新的初始密码只在下面显示这一次，本人登录后须立即修改。")
    return redirect("accounts:slips")


@login_required
@require_http_methods(["GET", "POST"])
def secretary_logins(request):
    """批量建立第一书记账号: one step for every serving secretary in the region who has no login."""
    require_admin(request, "add")
    if request.method == "POST":
        try:
            created = services.secretary_logins_create(actor=request.user, request=request)
        except IntegrityError:  # another administrator took the same serial numbers at the same moment
            messages.error(request, "另一位管理员正在同时建立账号，本次没有建立任何账号，请稍后再试。")
            return redirect("accounts:secretary_logins")
        if not created:
            messages.info(request, "所有在岗第一书记都已有账号，没有新建。")
            return redirect("accounts:user_list")
        slips_keep(request, [slip(user, password, secretary=person) for person, user, password in created])
        messages.success(request, f"已为 {len(created)} 名第一书记建立账号。"
                                  "初始密码只在本次会话中保留 30 分钟，请现在打印或下载。")
        return redirect("accounts:slips")
    people = services.secretaries_without_login(request.user)
    return render(request, "accounts/secretary_logins.html", {
        "people": people[:200], "count": people.count(), "usernames_from": services.next_secretary_usernames(1)[0],
    })


def slip(user, password, *, secretary=None, unit=None):
    place = str(secretary.region) if secretary else str(user.region or "")
    if secretary and secretary.region.parent:
        place = f"{secretary.region.parent.name} · {secretary.region.name}"
    return {"username": user.username, "password": password, "name": user.name, "role": user.get_role_display(),
            "place": place, "unit": str(secretary.unit if secretary else unit or "")}


@login_required
@require_http_methods(["GET"])
def slips(request):
    require_admin(request, "add")
    return render(request, "accounts/slips.html", {"entries": slips_read(request)})


@login_required
@require_http_methods(["GET"])
def slips_print(request):
    require_admin(request, "add")
    entries = slips_read(request)
    if not entries:
        messages.info(request, "没有可打印的初始密码单（已清除或超过 30 分钟）。忘记密码的账号请重置密码。")
        return redirect("accounts:user_list")
    record_download(request, entries, "打印")
    pages = [entries[i:i + SLIPS_PER_PAGE] for i in range(0, len(entries), SLIPS_PER_PAGE)]
    return render(request, "accounts/slips_print.html", {"pages": pages, "login_url": request.build_absolute_uri(
        reverse("login"))})


@login_required
@require_http_methods(["GET"])
def slips_xlsx(request):
    require_admin(request, "add")
    entries = slips_read(request)
    if not entries:
        messages.info(request, "没有可下载的初始密码单（已清除或超过 30 分钟）。忘记密码的账号请重置密码。")
        return redirect("accounts:user_list")
    record_download(request, entries, "下载")
    rows = [(e["name"], e["role"], e["place"], e["unit"], e["username"], e["password"]) for e in entries]
    sheet = SheetSpec("初始密码", ("姓名", "角色", "所在地", "派出单位", "用户名", "初始密码"), rows,
                      text_columns={4, 5}, widths={0: 10, 1: 16, 2: 24, 3: 24, 4: 12, 5: 14})
    return xlsx_response("初始密码单.xlsx", [sheet])


@login_required
@require_POST
def slips_done(request):
    require_admin(request, "add")
    slips_clear(request)
    messages.success(request, "初始密码已从本次会话中清除。")
    return redirect("accounts:user_list")


def record_download(request, entries, how):
    """Who printed or downloaded whose initial passwords, and when (one row per download)."""
    audit.record(user=request.user, request=request, action=AuditLog.Action.EXPORT, obj=request.user, changes={
        "初始密码单": f"{how} {len(entries)} 人", "账号": [e["username"] for e in entries][:500],
    })
