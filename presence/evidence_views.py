"""Check-in evidence: a secretary's watermark-camera photos, seen only by them and the supervising offices."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import add_service_error

from . import access, photos, services
from .forms import EvidenceForm
from .leave_views import own_profile


@require_GET
@login_required
def evidence_list(request):
    items = (access.evidence_for(request.user).select_related("secretary", "village__region__parent", "spot_check")
             .order_by("-uploaded_at", "-pk"))
    flagged = bool(request.GET.get("flagged"))
    if flagged:
        items = items.filter(Q(latitude__isnull=True) | Q(distance__gt=F("radius")) | ~Q(doubts=""))
    return render(request, "presence/evidence_list.html", {
        "items": items[:300], "profile": own_profile(request.user), "flagged": flagged,
    })


@require_http_methods(["GET", "POST"])
@login_required
def evidence_create(request):
    profile = own_profile(request.user)
    if profile is None:
        raise PermissionDenied("打卡照片由第一书记本人上传。")
    form = EvidenceForm(request.POST or None, request.FILES or None, secretary=profile, user=request.user,
                        initial={"spot_check": request.GET.get("check")})
    if request.method == "POST" and form.is_valid():
        try:
            kept = services.evidence_upload_many(user=request.user, request=request, secretary=profile,
                                                 uploads=form.cleaned_data["photo"],
                                                 spot_check=form.cleaned_data["spot_check"],
                                                 note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            flagged = [item for item in kept if item.is_flagged]
            if flagged:
                messages.warning(request, f"已上传 {len(kept)} 张照片，其中 {len(flagged)} 张需要核实（"
                                          f"{flagged[0].finding}），督查人员会看到这一提示。")
            else:
                messages.success(request, f"已上传 {len(kept)} 张照片：{kept[0].finding}。")
            first = kept[0]
            return redirect(first.spot_check if first.spot_check_id else first)
    return render(request, "presence/evidence_form.html", {"form": form, "profile": profile})


@require_GET
@login_required
def evidence_detail(request, pk):
    item = get_object_or_404(access.evidence_for(request.user).select_related(
        "secretary", "village__region__parent", "spot_check"), pk=pk)
    return render(request, "presence/evidence_detail.html", {"item": item})


@require_GET
@login_required
def evidence_photo(request, pk):
    item = get_object_or_404(access.evidence_for(request.user), pk=pk)
    return photos.serve(item.photo)
