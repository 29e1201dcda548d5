"""Admin import and export of villages' tags (django-import-export); the machinery is in excel/admin_import.py."""

from django.core.exceptions import ValidationError

from excel import values as cell
from excel.admin_import import ScopedResource, YesNoWidget, by_chunks, optional_field, text_field, texts
from excel.reader import Column

from .models import Village

TOWNSHIP, VILLAGE, CODE = "镇（街道）", "村", "行政区划代码"


def tag_field(name):
    return optional_field(name, str(Village._meta.get_field(name).verbose_name), YesNoWidget())


class VillageResource(ScopedResource):
    """Villages' tags (省扶贫工作重点村 …) by village. An import changes only the tags of villages that exist:
    creating a village creates a node of the region tree, which is the admin's 村 page's job, and a misspelt
    name must come back as an error rather than as a new village."""

    columns = (
        Column("township", TOWNSHIP, ("镇街", "乡镇", "所在镇街", "乡镇（街道）")),
        Column("village", VILLAGE, ("村名", "村（社区）", "村庄"), required=True),
        Column("code", CODE, ("村代码", "区划代码")),
        *(Column(name, str(Village._meta.get_field(name).verbose_name)) for name in Village.TAG_FIELDS),
    )
    update_fields = Village.TAG_FIELDS
    clean_exclude = ("region",)

    township = text_field("region__parent__name", TOWNSHIP, readonly=True)
    village = text_field("region__name", VILLAGE, readonly=True)
    code = text_field("region__code", CODE, readonly=True)
    is_key_poverty = tag_field("is_key_poverty")
    is_weak_branch = tag_field("is_weak_branch")
    is_weak_economy = tag_field("is_weak_economy")
    is_demonstration = tag_field("is_demonstration")
    needs_secretary = tag_field("needs_secretary")

    class Meta(ScopedResource.Meta):
        model = Village
        name = "村及标签"
        fields = ("township", "village", "code", *Village.TAG_FIELDS)
        import_id_fields = ("village",)

    def load(self, dataset):
        names = texts(dataset[VILLAGE])  # 村 is a required column
        codes = texts(dataset[CODE]) if CODE in dataset.headers else []
        queryset = self.get_queryset().select_related("region__parent")
        self.by_code, self.by_name = {}, {}
        for village in by_chunks(queryset, [("region__name", names), ("region__code", codes)]):
            self.remember(village)
            if village.region.code:
                self.by_code[village.region.code] = village
            self.by_name.setdefault(village.region.name, []).append(village)

    def find(self, row):
        code = cell.normalize_text(row.get(CODE))
        name = cell.normalize_text(row.get(VILLAGE))
        township = cell.normalize_text(row.get(TOWNSHIP))
        village = self.find_by_code(code, name) if code else self.find_by_name(township, name)
        self.claim(village.pk)
        return village

    def find_by_code(self, code, name):
        village = self.by_code.get(code)
        if village is None:
            raise ValidationError({CODE: f"行政区划代码 {code} 不是您管辖范围内的村。"})
        if name and name != village.region.name:
            raise ValidationError({VILLAGE: f"行政区划代码 {code} 是{village.region.name}的代码，与“{name}”不符。"})
        return village

    def find_by_name(self, township, name):
        if not name:
            raise ValidationError({VILLAGE: "请填写村名，或填写行政区划代码。"})
        candidates = self.by_name.get(name, [])
        if township:
            candidates = [v for v in candidates if v.region.parent.name == township]
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise ValidationError({VILLAGE: f"有 {len(candidates)} 个名为“{name}”的村，"
                                            "请填写镇（街道）或行政区划代码。"})
        where = township or "您的管辖范围内"
        raise ValidationError({VILLAGE: f"{where}没有名为“{name}”的村。本导入只修改已有村的标签；"
                                        "新村请先在后台“村”页面添加。"})


# --- Admin -----------------------------------------------------------------------------------------------------
