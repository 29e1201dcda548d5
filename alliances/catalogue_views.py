"""需求资源类别目录 pages: every alliance user reads their county's catalogue; county staff keep it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, ProtectedError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import add_service_error
from villages.models import Region

from . import access
from .catalogue import CatalogueEntry, ensure_catalogue, entry_delete, entry_save
from .forms import CatalogueEntryForm
from .models import Need, Resource
from .querysets import _count


def county_of(user):
    """The county whose catalogue the user keeps, or None (a township official reads; a city keeps none)."""
    region = user.region
    if not access.may_setup(user) or region is None or region.level != Region.Level.COUNTY:
        return None
    return region


@require_GET
@login_required
def catalogue(request):
    county = county_of(request.user)
    if county is not None:
        ensure_catalogue(county)
    entries = list(CatalogueEntry.objects.for_user(request.user).select_related("parent", "region").annotate(
        n_needs=_count(Need.objects.for_user(request.user).filter(topic=OuterRef("pk"))),
        n_resources=_count(Resource.objects.for_user(request.user).filter(topic=OuterRef("pk"))),
    ).order_by("region__path", "position", "pk"))
    tops = [e for e in entries if e.parent_id is None]
    for top in tops:
        top.leaves = [e for e in entries if e.parent_id == top.pk]
    return render(request, "alliances/catalogue.html", {"tops": tops, "may_edit": county is not None})


@require_http_methods(["GET", "POST"])
@login_required
def catalogue_edit(request, pk=None):
    county = county_of(request.user)
    if county is None:
        raise PermissionDenied("类别目录由县委组织部管理员维护。")
    entry = get_object_or_404(CatalogueEntry.objects.filter(region=county), pk=pk) if pk else None
    form = CatalogueEntryForm(request.POST or None, instance=entry or CatalogueEntry(region=county),
                              initial={"parent": request.GET.get("parent")})
    if request.method == "POST" and form.is_valid():
        try:
            entry_save(user=request.user, request=request, entry=form.save(commit=False),
                           before=form.initial, changed=form.changed_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"类别“{form.instance}”已保存。")
            return redirect("alliances:catalogue")
    return render(request, "includes/object_form.html",
                  {"form": form, "object": entry, "verbose_name": "需求资源类别"})


@require_POST
@login_required
def catalogue_delete(request, pk):
    county = county_of(request.user)
    if county is None:
        raise PermissionDenied("类别目录由县委组织部管理员维护。")
    entry = get_object_or_404(CatalogueEntry.objects.filter(region=county), pk=pk)
    try:
        entry_delete(user=request.user, request=request, entry=entry)
    except ProtectedError:
        messages.error(request, f"“{entry}”下还有细类或已登记的需求、资源，不能删除；可以改名或调整。")
    else:
        messages.success(request, f"类别“{entry}”已删除。")
    return redirect("alliances:catalogue")
