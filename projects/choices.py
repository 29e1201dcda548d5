"""The fixed lists of the projects app: types, fund sources, the six stages, the three colours."""

from django.db import models


class Kind(models.TextChoices):
    INDUSTRY = "industry", "产业"
    INFRASTRUCTURE = "infrastructure", "基础设施"
    CULTURE = "culture", "文体"
    OTHER = "other", "其他"


class FundSource(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    UNIT = "unit", "派出单位"
    SOCIAL = "social", "社会"


class Stage(models.IntegerChoices):
    """完成一个，验收一个，审计一个，交接一个: the six stages in their order."""

    PLANNING = 1, "谋划"
    REVIEW = 2, "论证评审"
    CONSTRUCTION = 3, "实施"
    ACCEPTANCE = 4, "竣工验收"
    AUDIT = 5, "审计"
    HANDOVER = 6, "移交"


class Colour(models.TextChoices):
    """The 红黄蓝 chart: computed per request from the current stage's planned end (querysets.with_status)."""

    BLUE = "blue", "蓝（按期或已完成）"
    YELLOW = "yellow", "黄（滞后）"
    RED = "red", "红（严重滞后）"
