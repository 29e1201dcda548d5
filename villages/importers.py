"""区划与村 from Excel through the shared pipeline: townships and villages with their codes, tags, coordinates and
yearly figures. A county's first day: one file instead of 400 admin pages.

Re-importing updates what the file states and leaves the rest alone; an import never deletes anything. A name or a
code that points at another region than the file says is an error of that row, never a silent change.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from accounts import audit
from accounts.models import AuditLog
from excel import values as cell
from excel.pipeline import Importer, Plan, RowProblems
from excel.reader import Column

from .models import Region, Village, VillageYearStat

TAG_COLUMNS = tuple(Column(name, str(Village._meta.get_field(name).verbose_name)) for name in Village.TAG_FIELDS)
YEAR_FIGURES = ("collective_income", "households", "population", "party_members")
REQUIRED_FIGURES = ("collective_income", "households", "party_members")

INSTRUCTIONS = (
    "1. 每行一个村。带 * 的列必须填写；同一个镇（街道）的村写在多行，镇（街道）名称每行都写。",
    "2. 镇（街道）和村在系统中没有的会新建，已有的按名称（填写了代码时按代码）找到后更新。导入从不删除任何区划和村。",
    "3. 行政区划代码为 12 位数字，可不填；填写后不能与其他区域的代码重复。",
    "4. 村标签各列填“是”或“否”；整列不填时不改变已有标签。",
    "5. 经度、纬度为村委会位置（如 116.312345、35.071234），两列同时填写或同时不填。",
    "6. 填写年度时，同时填写该年的村集体收入（万元）、户数和党员数（人口可不填）；同一村可写多行，每行一个年度。",
    "7. 市级用户导入时须填写“县（市、区）”列；县级用户可不填。",
    "8. 上传后系统先预览：列出将新增、更新的村和每一处错误（行号、列名、原因）；确认后才写入，有任何错误则不写入。",
)


class RegionImporter(Importer):
    kind = "regions"
    title = "区划与村"
    counted_as = "村"
    instructions = INSTRUCTIONS
    columns = (
        Column("county", "县（市、区）", ("县", "县市区", "县（市区）")),
        Column("township", "镇（街道）", ("镇街", "乡镇", "乡镇（街道）", "镇"), required=True),
        Column("township_code", "镇（街道）代码", ("镇街代码", "乡镇代码")),
        Column("village", "村（社区）", ("村", "村名", "村庄", "社区"), required=True),
        Column("village_code", "村代码", ("行政区划代码", "村（社区）代码", "区划代码")),
        *TAG_COLUMNS,
        Column("longitude", "经度"),
        Column("latitude", "纬度"),
        Column("year", "年度"),
        Column("collective_income", "村集体收入（万元）", ("村集体收入", "集体收入", "集体经济收入（万元）")),
        Column("households", "户数", ("总户数",)),
        Column("population", "人口", ("总人口", "人口数")),
        Column("party_members", "党员数", ("党员人数", "党员")),
    )
    text_keys = ("township_code", "village_code")

    @classmethod
    def options_from_request(cls, request):
        return {}

    @classmethod
    def start_context(cls, user, options):
        return {}

    @classmethod
    def dropdowns(cls, user):
        yes_no = ["是", "否"]
        return {column.key: yes_no for column in TAG_COLUMNS}

    # -- plan ---------------------------------------------------------------------------------------------------

    def plan_rows(self, table):
        self.present = set(table.headers)
        self.load(table)
        problems = RowProblems(table)
        problems.headers = {**{c.key: c.header for c in self.columns}, **table.headers}
        plan = Plan(rows=len(table.rows))
        self.actions, self.file_codes, seen = [], {}, {}
        for row in table.rows:
            found = len(problems.problems)
            add = lambda key, reason, n=row.number: problems.add(n, key, reason)  # noqa: E731
            action = self.parse(row.values, add)
            if action is None or len(problems.problems) != found:
                continue
            key = (action["township_key"], action["name"], action["stat"] and action["stat"]["year"])
            if key in seen:
                add("village", f"与第 {seen[key]} 行重复（同一镇街、同一村、同一年度）。")
                continue
            seen[key] = row.number
            self.actions.append(action)
            label = f"{action['township_name']} · {action['name']}"
            getattr(plan, action["state"]).append([row.number, label])
        plan.problems = sorted(problems.problems, key=lambda p: (p.row, p.column))
        plan.payload = self.actions
        return plan

    def load(self, table):
        root = self.user.region
        scope = Region.objects.for_user(self.user).filter(path__startswith=root.path) if root else Region.objects.none()
        regions = list(scope.filter(level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP, Region.Level.VILLAGE])
                       .select_related("village"))
        self.counties = {r.name: r for r in regions if r.level == Region.Level.COUNTY}
        self.by_id = {r.pk: r for r in regions}
        self.townships = {(r.parent_id, r.name): r for r in regions if r.level == Region.Level.TOWNSHIP}
        self.villages = {(r.parent_id, r.name): r for r in regions if r.level == Region.Level.VILLAGE}
        # Codes are unique across the whole tree, so they are checked against every region, not just the user's.
        keys = ("township_code", "village_code")
        codes = {cell.normalize_text(row.values.get(key)) for row in table.rows for key in keys}
        codes.discard("")
        self.codes = dict(Region.objects.filter(code__in=codes).values_list("code", "pk")) if codes else {}
        self.stats = {}
        village_ids = [r.village.pk for r in regions if r.level == Region.Level.VILLAGE and hasattr(r, "village")]
        if "year" in self.present and village_ids:
            for stat in VillageYearStat.objects.filter(village_id__in=village_ids):
                self.stats[(stat.village_id, stat.year)] = stat

    def county_for(self, v, add):
        root = self.user.region
        name = cell.normalize_text(v.get("county"))
        if root.level == Region.Level.COUNTY:
            if name and name != root.name:
                add("county", f"您只能导入{root.name}的区划和村。")
                return None
            return root
        if root.level in (Region.Level.TOWNSHIP, Region.Level.VILLAGE):
            add("county", "只有县级及以上的组织部门可以导入区划和村。")
            return None
        if not name:
            add("county", "市级用户导入时请填写县（市、区）。")
            return None
        county = self.counties.get(name)
        if county is None:
            add("county", f"在您的管辖范围内找不到“{name}”。")
        return county

    def code(self, v, key, add):
        code = cell.normalize_text(v.get(key))
        if code and (len(code) != 12 or not code.isdigit()):
            add(key, "行政区划代码应为 12 位数字。")
            return None
        return code

    def code_taken(self, code, region, add, key):
        """True (and a problem added) when `code` already names another region than `region`."""
        owner = self.codes.get(code)
        if owner is not None and (region is None or owner != region.pk):
            # Only a region the user may see is named: another county's code is "used", nothing more.
            known = self.by_id.get(owner)
            add(key, f"代码 {code} 已被“{known.name}”使用。" if known else f"代码 {code} 已被其他区域使用。")
            return True
        if region is not None and region.code and region.code != code:
            add(key, f"系统中{region.name}的代码为 {region.code}，与文件中的 {code} 不符。")
            return True
        return False

    def parse(self, v, add):
        county = self.county_for(v, add)
        township_name = cell.normalize_text(v.get("township"))
        village_name = cell.normalize_text(v.get("village"))
        for key, name in (("township", township_name), ("village", village_name)):
            if not name:
                add(key, "请填写名称。")
            elif len(name) > 50:
                add(key, "名称最多 50 个字。")
        township_code = self.code(v, "township_code", add)
        village_code = self.code(v, "village_code", add)
        if county is None or not township_name or not village_name or len(township_name) > 50 or len(village_name) > 50:
            return None
        township = self.townships.get((county.pk, township_name))
        if township_code and self.code_taken(township_code, township, add, "township_code"):
            return None
        village_region = self.villages.get((township.pk, village_name)) if township else None
        if village_code and self.code_taken(village_code, village_region, add, "village_code"):
            return None
        if village_code and township_code and village_code == township_code:
            add("village_code", "村代码不能与镇（街道）代码相同。")
        for key, code, owner in (("township_code", township_code, (county.pk, township_name)),
                                 ("village_code", village_code, (county.pk, township_name, village_name))):
            if code and self.file_codes.setdefault(code, owner) != owner:
                add(key, f"代码 {code} 在文件中被不同的区域使用。")
        profile = self.profile(v, add)
        stat = self.stat(v, add)
        village = getattr(village_region, "village", None) if village_region else None
        if village_region is not None and village is None:
            add("village", "系统中有这个村的区划，但没有村档案，请联系管理员。")
            return None
        state = "new" if village is None else self.compare(village, village_region, profile, village_code, stat)
        return {
            "county": county, "township": township, "township_key": (county.pk, township_name),
            "township_name": township_name, "township_code": township_code or "",
            "name": village_name, "village": village, "village_code": village_code or "",
            "profile": profile, "stat": stat, "state": state,
        }

    def profile(self, v, add):
        profile = {}
        for column in TAG_COLUMNS:
            if column.key in self.present:
                try:
                    profile[column.key] = cell.parse_bool(v.get(column.key))
                except ValueError as error:
                    add(column.key, f"{error}。")
        coordinates = {}
        for key, limit in (("longitude", 180), ("latitude", 90)):
            text = cell.normalize_text(v.get(key))
            if not text:
                continue
            try:
                value = Decimal(text).quantize(Decimal("0.000001"))
                if not -limit <= value <= limit:
                    raise InvalidOperation
                coordinates[key] = value
            except InvalidOperation:
                add(key, f"请填写 -{limit} 到 {limit} 之间的数字（最多 6 位小数）。")
        if len(coordinates) == 1:
            add("latitude" if "longitude" in coordinates else "longitude", "经度和纬度应同时填写，或同时留空。")
        elif coordinates:
            profile.update(coordinates)
        return profile

    def stat(self, v, add):
        given = {key: cell.normalize_text(v.get(key)) for key in ("year", *YEAR_FIGURES)}
        if not any(given.values()):
            return None
        if not given["year"]:
            add("year", "填写了年度数据，请同时填写年度。")
            return None
        try:
            # Checked as a Decimal first: int() of Infinity, NaN or 1e999999999 would raise or build a huge number.
            number = Decimal(given["year"])
            if not number.is_finite() or not 2000 <= number <= 2100 or number != number.to_integral_value():
                raise InvalidOperation
            year = int(number)
        except InvalidOperation:
            add("year", "年度应为 2000 到 2100 之间的整数，如 2024。")
            return None
        stat = {"year": year}
        for key in YEAR_FIGURES:
            text = given[key]
            if not text:
                if key in REQUIRED_FIGURES:
                    add(key, "填写年度时请同时填写此项。")
                stat[key] = None
                continue
            try:
                number = Decimal(text)
                if number < 0 or number >= 10 ** 8:
                    raise InvalidOperation
                if key == "collective_income":
                    stat[key] = number.quantize(Decimal("0.01"))
                elif number != int(number):
                    raise InvalidOperation
                else:
                    stat[key] = int(number)
            except InvalidOperation:
                add(key, "请填写不小于 0 的数字（户数、人口、党员数为整数）。")
        return stat

    def compare(self, village, region, profile, code, stat):
        changed = any(getattr(village, key) != value for key, value in profile.items())
        changed = changed or (code and region.code != code)
        if stat is not None:
            old = self.stats.get((village.pk, stat["year"]))
            changed = changed or old is None or any(getattr(old, k) != stat[k] for k in YEAR_FIGURES)
        return "updated" if changed else "unchanged"

    # -- write --------------------------------------------------------------------------------------------------

    def write(self, plan):
        with transaction.atomic():
            touched = {}
            townships = self.create_townships(plan.payload, touched)
            self.create_villages(plan.payload, townships, touched)
            self.update_villages(plan.payload, touched)
            self.write_stats(plan.payload)
            for township, changes in touched.items():
                action = AuditLog.Action.CREATE if changes.pop("created", False) else AuditLog.Action.UPDATE
                audit.record(user=self.user if self.user.pk else None, action=action, obj=township,
                             changes={"导入": "区划与村", **{k: v for k, v in changes.items() if v}})

    def create_townships(self, actions, touched):
        townships = {}
        for action in actions:
            key = action["township_key"]
            township = action["township"] or townships.get(key)
            if township is None:
                township = _create_regions([Region(name=action["township_name"], level=Region.Level.TOWNSHIP,
                                                   parent=action["county"], code=action["township_code"])])[0]
                touched.setdefault(township, {"created": True, "新增村": [], "更新村": []})
            elif action["township_code"] and not township.code:
                Region.objects.filter(pk=township.pk).update(code=action["township_code"])
                township.code = action["township_code"]
            townships[key] = township
        return townships

    def create_villages(self, actions, townships, touched):
        new = [a for a in actions if a["village"] is None]
        made = {}
        pending = []
        for action in new:
            key = (action["township_key"], action["name"])
            if key in made:
                continue
            township = townships[action["township_key"]]
            made[key] = Region(name=action["name"], level=Region.Level.VILLAGE, parent=township,
                               code=action["village_code"])
            pending.append(made[key])
        _create_regions(pending)
        profiles = {}
        for action in new:
            key = (action["township_key"], action["name"])
            profiles.setdefault(key, {}).update(action["profile"])
        villages = [Village(region=region, **profiles[key]) for key, region in made.items()]
        Village.objects.bulk_create(villages, batch_size=1000)
        by_region = {}
        for village in villages:
            by_region[village.region.pk] = village
            names = touched.setdefault(village.region.parent, {"新增村": [], "更新村": []})["新增村"]
            names.append(village.region.name)
        for action in new:
            action["village"] = by_region[made[(action["township_key"], action["name"])].pk]

    def update_villages(self, actions, touched):
        changed, codes = {}, []
        for action in actions:
            if action["state"] != "updated":
                continue
            village = action["village"]
            for key, value in action["profile"].items():
                setattr(village, key, value)
            changed[village.pk] = village
            if action["village_code"] and village.region.code != action["village_code"]:
                village.region.code = action["village_code"]
                codes.append(village.region)
            township = self.by_id[village.region.parent_id]
            names = touched.setdefault(township, {"新增村": [], "更新村": []})["更新村"]
            if village.region.name not in names:
                names.append(village.region.name)
        fields = [column.key for column in TAG_COLUMNS] + ["latitude", "longitude"]
        if changed:
            Village.objects.bulk_update(list(changed.values()), fields, batch_size=1000)
        if codes:
            Region.objects.bulk_update(codes, ["code"], batch_size=1000)

    def write_stats(self, actions):
        stats = [VillageYearStat(village=a["village"], **a["stat"]) for a in actions if a["stat"] is not None]
        if stats:
            VillageYearStat.objects.bulk_create(
                stats, batch_size=1000, update_conflicts=True, unique_fields=["village", "year"],
                update_fields=list(YEAR_FIGURES),
            )


def _create_regions(regions):
    """Insert region nodes (parents already saved) and write their materialised paths; returns them with pks."""
    if not regions:
        return regions
    Region.objects.bulk_create(regions, batch_size=1000)
    for region in regions:
        region.path = f"{region.parent.path}{region.pk}/"
    Region.objects.bulk_update(regions, ["path"], batch_size=1000)
    return regions
