"""需求资源类别目录: the two-level catalogue of what villages ask for and what providers offer, kept by each county
(技术服务 › 种植技术、养殖技术; 资金; 人才; 销售渠道; 教育; 医疗 …). Needs and resources are filed under its
entries; matching counts a shared entry and the entry's words.

The model lives here and is imported by alliances.models; `ensure_catalogue(county)` gives a county the default
catalogue the first time it is needed (the county's staff edit it afterwards on the catalogue pages).
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse

from accounts import audit
from accounts.models import AuditLog
from accounts.scoping import ScopedQuerySet

# (top level, legacy category, words, [(entry, words), ...]); the words help matching find the entry's subject.
DEFAULT = [
    ("技术服务", "technical", "技术 指导 培训 专家", [
        ("种植技术", "种植 栽培 育苗 大棚 病虫害 施肥 蔬菜 瓜果 果树 作物 植保"),
        ("养殖技术", "养殖 畜牧 防疫 饲料 禽 猪 牛 羊 鱼 兽医"),
        ("食用菌技术", "食用菌 菌菇 出菇 菌棒 羊肚菌 香菇 平菇"),
        ("农机与设施", "农机 机械 设施 大棚建设 灌溉 滴灌"),
    ]),
    ("资金", "industry", "资金 贷款 补助 投资", [
        ("产业扶持资金", "扶持资金 帮扶资金 项目资金 补助 投入"),
        ("金融信贷", "贷款 信贷 授信 小额 金融 银行 利息"),
        ("保险", "保险 理赔 参保"),
    ]),
    ("人才", "employment", "人才 人员 志愿", [
        ("专业人才", "人才 专家 技术员 顾问"),
        ("志愿服务", "志愿 志愿者 志愿服务"),
    ]),
    ("销售渠道", "industry", "销售 销路 市场 卖", [
        ("电商直播", "电商 直播 带货 网店 线上 网络销售"),
        ("商超对接", "商超 超市 批发 订单 采购 食堂 消费帮扶"),
        ("冷链仓储", "冷库 冷链 仓储 保鲜 储存 贮藏"),
        ("品牌包装", "品牌 包装 设计 商标 认证"),
        ("物流运输", "物流 运输 快递 配送"),
    ]),
    ("教育", "education", "教育 学生 儿童 学习", [
        ("助学", "助学 奖学金 学费 贫困学生 资助"),
        ("辅导与阅读", "辅导 课后 支教 图书 阅读 书屋 留守儿童"),
    ]),
    ("医疗", "medical", "医疗 健康 医生 看病", [
        ("义诊体检", "义诊 体检 巡诊 筛查 健康检查"),
        ("家庭医生与药品", "家庭医生 签约 药品 慢性病 康复"),
    ]),
    ("基础设施", "infrastructure", "基础设施 建设 工程", [
        ("道路", "道路 硬化 生产路 修路 桥"),
        ("水电", "自来水 饮水 供水 排水 沟渠 路灯 电力 机井"),
        ("人居环境", "环境 厕所 垃圾 绿化 改造"),
    ]),
    ("就业", "employment", "就业 务工 岗位", [
        ("技能培训", "技能 培训 电焊 厨师 家政 月嫂 职业"),
        ("岗位推荐", "招聘 岗位 务工 用工 就业 招工"),
    ]),
    ("民生保障", "livelihood", "民生 困难 群众", [
        ("困难帮扶", "困难 慰问 救助 取暖 物资 捐赠"),
        ("养老助餐", "养老 老人 助餐 照料 独居"),
    ]),
]


class EntryQuerySet(ScopedQuerySet):
    def tops(self):
        return self.filter(parent__isnull=True)

    def leaves(self):
        return self.filter(parent__isnull=False)


class CatalogueEntry(models.Model):
    """One entry of a county's two-level catalogue: a top level (资金) or an entry under one (技术服务 › 种植技术)."""

    region = models.ForeignKey("villages.Region", verbose_name="所属县", on_delete=models.PROTECT, related_name="+",
                               limit_choices_to={"level": "county"})
    parent = models.ForeignKey("self", verbose_name="上级类别", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children")
    name = models.CharField("类别名称", max_length=30)
    category = models.CharField("对应大类", max_length=16, help_text="统计口径中的大类（民生保障、产业发展……）。",
                                choices=[("livelihood", "民生保障"), ("industry", "产业发展"),
                                         ("infrastructure", "基础设施"), ("technical", "技术服务"),
                                         ("employment", "就业"), ("medical", "医疗"), ("education", "教育"),
                                         ("other", "其他")], default="other")
    words = models.CharField("匹配用词", max_length=300, blank=True,
                             help_text="用空格分隔，如“种植 栽培 大棚 病虫害”；需求和资源提到这些词时更容易归到本类。")
    position = models.PositiveSmallIntegerField("排序", default=0)

    objects = EntryQuerySet.as_manager()

    scope_field = "region"
    scope_includes_ancestors = True

    class Meta:
        app_label = "alliances"
        verbose_name = "需求资源类别"
        verbose_name_plural = "需求资源类别"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["region", "parent", "name"], name="catalogue_entry_unique_name",
                                    violation_error_message="同一上级类别下已有同名类别。"),
        ]

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def get_absolute_url(self):
        return reverse("alliances:catalogue")

    def clean(self):
        if self.parent_id is not None:
            if self.parent.parent_id is not None:
                raise ValidationError({"parent": "类别目录只有两级：上级类别必须是一级类别。"})
            if self.parent.region_id != self.region_id:
                raise ValidationError({"parent": "上级类别必须属于同一个县。"})
            if self.pk is not None and self.children.exists():
                raise ValidationError({"parent": "该类别下还有细类，不能再挂到其他类别下。"})

    @property
    def label(self):
        return str(self)


@transaction.atomic
def ensure_catalogue(county):
    """The county's catalogue; the default one is written the first time a county needs it."""
    entries = CatalogueEntry.objects.filter(region=county)
    if entries.exists():
        return entries
    for top_position, (top, category, words, children) in enumerate(DEFAULT):
        parent = CatalogueEntry.objects.create(region=county, name=top, category=category, words=words,
                                               position=top_position * 10)
        CatalogueEntry.objects.bulk_create([
            CatalogueEntry(region=county, parent=parent, name=name, category=category, words=child_words,
                           position=top_position * 10 + n + 1)
            for n, (name, child_words) in enumerate(children)
        ])
    return CatalogueEntry.objects.filter(region=county)


def entry_save(*, user, entry, before=None, changed=(), request=None):
    """A new or changed catalogue entry: checked, saved and audited together."""
    creating = entry.pk is None
    entry.full_clean()
    with transaction.atomic():
        entry.save()
        audit.record(user=user, request=request, obj=entry,
                     action=AuditLog.Action.CREATE if creating else AuditLog.Action.UPDATE,
                     changes=None if creating else {name: [str((before or {}).get(name, "")),
                                                           str(getattr(entry, name))] for name in changed})
    return entry


def entry_delete(*, user, entry, request=None):
    """Raises ProtectedError (nothing written) while needs, resources or sub-entries use the entry."""
    with transaction.atomic():
        audit.record(user=user, request=request, action=AuditLog.Action.DELETE, obj=entry)
        entry.delete()
