"""Bulk writes for the demo generator: bulk_create in batches, materialised paths in one UPDATE per level.

villages.services.region_create writes one UPDATE per region; at province scale (~71,000 regions) that is
too slow, so regions are bulk-created with an empty path and then, per level, a single UPDATE computes
path = parent's path + own id + "/" in the database.
"""

from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat

from villages.models import Region

BATCH_SIZE = 2000


def bulk(model, objs, key=None):
    """bulk_create; with a natural `key`, make sure every object has its pk afterwards.

    PostgreSQL and SQLite >= 3.35 return the pks from the INSERT; elsewhere they are re-read by the key.
    """
    if not objs:
        return objs
    model._default_manager.bulk_create(objs, batch_size=BATCH_SIZE)
    if key is not None and objs[0].pk is None:
        wanted = {key(obj): obj for obj in objs}
        first = key.fields[0]
        for start in range(0, len(objs), 500):  # keeps the IN list under SQLite's variable limit
            values = [getattr(o, first) for o in objs[start : start + 500]]
            for row in model._default_manager.filter(**{f"{first}__in": values}).values("pk", *key.fields):
                obj = wanted.get(tuple(row[f] for f in key.fields))
                if obj is not None:
                    obj.pk = row["pk"]
    return objs


class Key:
    """A natural key to re-read pks by (only used on databases whose bulk_create returns no pks)."""

    def __init__(self, *fields):
        self.fields = fields

    def __call__(self, obj):
        return tuple(getattr(obj, f) for f in self.fields)


REGION_KEY = Key("parent_id", "name")


def create_regions(regions):
    """Bulk-create regions whose parents are saved, then write their paths with one UPDATE."""
    bulk(Region, regions, REGION_KEY)
    if not regions:
        return regions
    pks = [r.pk for r in regions]
    parent_path = Region.objects.filter(pk=OuterRef("parent_id")).values("path")[:1]
    Region.objects.filter(pk__gte=min(pks), pk__lte=max(pks), path="").update(
        path=Concat(Subquery(parent_path), Cast("pk", CharField()), Value("/"), output_field=CharField())
    )
    paths = {r.parent_id: r.parent.path for r in regions}
    for region in regions:
        region.path = f"{paths[region.parent_id]}{region.pk}/"
    return regions
