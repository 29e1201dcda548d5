"""Creating regions and villages: the materialised path is written here and nowhere else."""

from django.db import transaction

from .models import Region, Village


@transaction.atomic
def region_create(*, name, level, parent=None, code=""):
    region = Region(name=name, level=level, parent=parent, code=code)
    region.full_clean(exclude=["path"])
    region.save()
    region.path = f"{parent.path if parent else '/'}{region.pk}/"
    Region.objects.filter(pk=region.pk).update(path=region.path)
    return region


@transaction.atomic
def village_create(*, township, name, code="", **profile):
    region = region_create(name=name, level=Region.Level.VILLAGE, parent=township, code=code)
    village = Village(region=region, **profile)
    village.full_clean()
    village.save()
    return village
