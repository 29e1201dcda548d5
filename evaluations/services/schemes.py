"""Schemes: the rules a period copies when it opens."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import (
    DEFAULT_CHANNEL_WEIGHTS,
    DEFAULT_DIMENSIONS,
    Channel,
    Dimension,
    Scheme,
    SchemeChannel,
)


def validate_rules(rules):
    """A period's rules must add up: dimension weights and channel weights each sum to 100%."""
    errors = []
    dimensions = rules.get("dimensions", [])
    if not dimensions:
        errors.append("考评方案至少需要一个考评维度。")
    total = sum((Decimal(d["weight"]) for d in dimensions), Decimal(0))
    if dimensions and total != 100:
        errors.append(f"考评维度的权重之和应为 100%，现在是 {total.normalize():f}%。")
    channels = sum((Decimal(w) for w in rules.get("channels", {}).values()), Decimal(0))
    if channels != 100:
        errors.append(f"评价渠道的权重之和应为 100%，现在是 {channels.normalize():f}%。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def scheme_create_default(region, name="五看四评三争考评方案", channels=None, **fields):
    """A scheme with the 五看 at 20% each and, unless `channels` = [(channel, weight) or (channel, weight, name)]
    says otherwise, 金乡's four channels at 40 / 30 / 15 / 15."""
    scheme = Scheme(region=region, name=name, **fields)
    scheme.full_clean()
    scheme.save()
    rows = [(c, w) for c, w in DEFAULT_CHANNEL_WEIGHTS.items()] if channels is None else channels
    total = sum((Decimal(str(row[1])) for row in rows), Decimal(0))
    if total != 100:
        raise ValidationError(f"评价渠道的权重之和应为 100%，现在是 {total.normalize():f}%。")
    SchemeChannel.objects.bulk_create(
        SchemeChannel(scheme=scheme, position=i, channel=row[0], weight=Decimal(str(row[1])),
                      name=row[2] if len(row) > 2 else Channel(row[0]).label,
                      input=SchemeChannel.Input.GRID if row[0] == Channel.VILLAGE else "")
        for i, row in enumerate(rows, start=1))
    Dimension.objects.bulk_create(
        Dimension(scheme=scheme, position=i, name=n, criteria=c, weight=Decimal(100) / len(DEFAULT_DIMENSIONS))
        for i, (n, c) in enumerate(DEFAULT_DIMENSIONS, start=1)
    )
    return scheme
