"""派单: the resources a villager would accept for a need, best first, each with its reasons in plain words.

A need and a resource match when they are filed under the same entry of the county's catalogue (技术服务 ›
种植技术) and when their texts name the same things — the crop, the disease, the product, the service. Texts are
cut into words with jieba (its dictionary loaded once per process, with the programme's own words added: 香瓜,
羊肚菌, 霜霉病 …); a word also counts for its broader term (霜霉病 → 病虫害, 羊肚菌 → 食用菌), at half weight.

score = 0.6 × text similarity (cosine over words weighted by rarity among the candidates)
      + 0.35 for the same catalogue entry, or 0.12 for the same top level
      + 0.03 for the need's own alliance + 0.01 per step of nearness (同村 > 同镇 > 同县)

Only resources that can still be used (not expired, not used up) in the need's county are candidates; the
candidates are read in one query and scored in Python (a county offers some hundred resources).
"""

import logging
import math
import threading

import jieba

from .models import Resource

SUGGESTIONS = 8
SEARCH_RESULTS = 20
NEAR_LABELS = {3: "同村", 2: "同镇", 1: "同县"}

# Words of the programme jieba does not know, or cuts wrongly.
DOMAIN_WORDS = """
香瓜 甜瓜 羊肚菌 霜霉病 白粉病 灰霉病 蔓枯病 炭疽病 根腐病 枯萎病 病虫害 食用菌 菌棒 出菇 菌菇 大蒜 蒜薹 蒜种
辣椒 朝天椒 冷库 冷链 保鲜库 电商 直播带货 带货 义诊 巡诊 体检 测土配方 生产路 太阳能路灯 机井 滴灌 水肥一体化
留守儿童 小尾寒羊 肉牛 生猪 蛋鸡 肉鸡 金银花 草莓 葡萄 大棚 温室 育苗 嫁接 修剪 家庭医生 慢性病 农家书屋 助学金
小额信贷 富民农户贷 农业保险 商超 消费帮扶 农产品 品牌包装 电焊 家政 月嫂 厨师 日间照料 助餐 自来水 排水沟
苗木 果树 桃树 苹果 西红柿 黄瓜 茄子 山药 牛蒡 小麦 玉米 大豆 鱼塘 水产 养殖场 兽医 防疫 饲料
""".split()

# A word counts also for its broader term, at half weight: so 霜霉病 meets 病虫害 and 羊肚菌 meets 食用菌.
BROADER = {
    "病虫害": "霜霉病 白粉病 灰霉病 蔓枯病 炭疽病 根腐病 枯萎病 病害 虫害 病虫 害虫 蚜虫 红蜘蛛 防治",
    "食用菌": "羊肚菌 香菇 平菇 木耳 菌菇 蘑菇 菌棒 出菇 金针菇",
    "蔬菜": "辣椒 朝天椒 黄瓜 西红柿 番茄 茄子 白菜 大白菜 芹菜 韭菜 大蒜 山药 牛蒡",
    "瓜果": "香瓜 甜瓜 西瓜 草莓 葡萄 桃 桃树 苹果 梨 果树",
    "香瓜": "甜瓜",
    "大蒜": "蒜薹 蒜种 蒜",
    "电商": "直播 直播带货 带货 网店 抖音 快手 淘宝 拼多多 网上 线上 网络销售",
    "冷链": "冷库 保鲜库 保鲜 冷藏",
    "仓储": "冷库 储存 贮藏 仓库 存储",
    "健康": "义诊 巡诊 体检 看病 健康检查",
    "畜牧": "生猪 猪 肉牛 牛 小尾寒羊 山羊 羊 养羊 养牛 养猪",
    "家禽": "蛋鸡 肉鸡 鸡 鸭 鹅",
    "贷款": "信贷 小额信贷 富民农户贷 授信 借款",
    "道路": "生产路 修路 路面 硬化",
    "灌溉": "机井 滴灌 水肥一体化 浇地",
    "就业": "务工 招工 岗位 招聘 用工",
    "大棚": "温室 棚室 拱棚",
}
BROAD_OF = {}
for _broad, _words in BROADER.items():
    for _word in _words.split():
        BROAD_OF.setdefault(_word, []).append(_broad)

QUIET = {"技术", "指导", "培训", "服务", "管理", "提供", "开展"}  # counted, but too general to give as a reason
SINGLE = set("猪牛羊鸡鸭鹅鱼蒜桃梨路桥井菌")  # one-character words that carry meaning here
STOP = set("""
需要 需求 希望 想 想要 请求 申请 帮助 帮忙 协调 解决 问题 困难 一些 有关 相关 进行 开展 提供 组织 实施 推进 工作
村里 村民 群众 我们 村 本村 全村 今年 目前 现在 已经 没有 缺少 缺乏 不足 不会 不懂 怎么 如何 一下 能否 可以 能够
方面 情况 方式 以及 还有 并且 对接 服务 项目 活动 支持
""".split())

_lock = threading.Lock()
_tokenizer = None


def tokenizer():
    """jieba's dictionary is loaded once per process (it takes about a second), with the domain words added."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                cutter = jieba.Tokenizer()
                cutter.initialize()
                for word in DOMAIN_WORDS + list(BROADER) + list(BROAD_OF):
                    cutter.add_word(word, freq=20000)
                _tokenizer = cutter
    return _tokenizer


def words(text):
    """{word: weight}: the text's meaningful words (1.0) and their broader terms (0.5)."""
    found = {}
    for word in tokenizer().lcut(text or ""):
        word = word.strip().lower()
        if not word or word in STOP or word.isdigit() or (len(word) == 1 and word not in SINGLE):
            continue
        if not any("\u4e00" <= ch <= "\u9fff" or ch.isalpha() for ch in word):
            continue
        found[word] = 1.0
    for word in list(found):
        for broad in BROAD_OF.get(word, ()):
            found.setdefault(broad, 0.5)
    return found


def resource_text(resource):
    """What a resource offers, in words: its description, and an expert's field (孙立新：设施蔬菜栽培)."""
    parts = [resource.description]
    if resource.provider_expert_id:
        parts.append(resource.provider_expert.field)
    return " ".join(parts)


class Scorer:
    """Scores texts against a set of candidate resources; word rarity (idf) is counted among the candidates."""

    def __init__(self, resources):
        self.resources = list(resources)
        self.docs = {r.pk: words(resource_text(r)) for r in self.resources}
        frequency = {}
        for doc in self.docs.values():
            for word in doc:
                frequency[word] = frequency.get(word, 0) + 1
        total = len(self.docs)
        self.idf = {word: math.log((total + 1) / (count + 0.5)) + 0.1 for word, count in frequency.items()}
        self.unseen = math.log((total + 1) / 0.5) + 0.1

    def weight(self, word, tf):
        return tf * self.idf.get(word, self.unseen)

    def similarity(self, query, pk):
        """(cosine in [0, 1], the shared words, heaviest first)."""
        doc = self.docs[pk]
        shared = [w for w in query if w in doc]
        if not shared:
            return 0.0, []
        dot = sum(self.weight(w, query[w]) * self.weight(w, doc[w]) for w in shared)
        norm = math.sqrt(sum(self.weight(w, t) ** 2 for w, t in query.items())) * \
            math.sqrt(sum(self.weight(w, t) ** 2 for w, t in doc.items()))
        shared.sort(key=lambda w: (-min(query[w], doc[w]), -self.idf.get(w, 0)))
        return (dot / norm if norm else 0.0), shared


def candidates(need, user, today):
    """The usable resources the user sees in the need's county, not yet used for this need: one query."""
    return (Resource.objects.for_user(user).filter(alliance__region_id=need.alliance.region_id)
            .exclude(cobuilds__needs=need).with_availability(today).filter(available=True)
            .select_related("alliance", "topic__parent", "provider_secretary__unit", "provider_secretary__region",
                            "provider_expert")
            .order_by("pk"))


def choosable(need, user, today):
    """What the dispatch form accepts: any usable resource the user sees (suggested, found by search, or not)."""
    return candidates(need, user, today)


def _nearness(resource, need):
    place = resource.provider_secretary.region.path if resource.provider_secretary_id else ""
    village_path = need.village.region.path
    township_path = village_path.rsplit("/", 2)[0] + "/"
    if place == village_path:
        return 3
    return 2 if place.startswith(township_path) else 1


def rank(need, resources, scorer=None):
    """The resources scored for the need, best first, each with .score and .reasons (a list of phrases)."""
    scorer = scorer or Scorer(resources)
    query = words(need.description)
    topic = need.topic
    own = "同分盟" if need.alliance.kind == "sub" else "同联盟"
    rows = []
    for resource in scorer.resources:
        text, shared = scorer.similarity(query, resource.pk)
        reasons, bonus = [], 0.0
        if topic is not None and resource.topic_id == topic.pk:
            bonus += 0.35
            reasons.append(f"同属 {topic.name}")
        elif topic is not None and resource.topic_id and _top(resource.topic) == _top(topic):
            bonus += 0.12
            reasons.append(f"同属 {_top_name(topic)}")
        elif topic is None and resource.category == need.category:
            bonus += 0.12
            reasons.append(f"同属 {resource.get_category_display()}")
        plain = [w for w in shared if query[w] == 1.0 and scorer.docs[resource.pk][w] == 1.0 and w not in QUIET][:4]
        broad = [w for w in shared if w not in plain][:2]
        if plain:
            reasons.append(f"都提到 {'、'.join(plain)}")
        elif broad:
            reasons.append(f"都涉及 {'、'.join(broad)}")
        near = _nearness(resource, need)
        same_alliance = resource.alliance_id == need.alliance_id
        if same_alliance:
            reasons.append(own)
        reasons.append(NEAR_LABELS[near])
        resource.score = 0.6 * text + bonus + (0.03 if same_alliance else 0) + 0.01 * near
        resource.text_score = text
        resource.reasons = reasons
        rows.append(resource)
    rows.sort(key=lambda r: (-r.score, r.pk))
    return rows


def _top(entry):
    return entry.parent_id or entry.pk


def _top_name(entry):
    return entry.parent.name if entry.parent_id else entry.name


def suggestions(need, user, today, limit=SUGGESTIONS):
    """The best `limit` usable resources for the need, with their reasons; nothing that shares neither the
    catalogue's top level nor a word with the need."""
    ranked = rank(need, candidates(need, user, today))
    return [r for r in ranked if r.text_score > 0 or len(r.reasons) > 2 or r.reasons[0].startswith("同属")][:limit]


def search(need, user, today, text, limit=SEARCH_RESULTS):
    """The dispatch page's search box: usable resources (in the user's scope, the need's county) whose
    description or provider matches the words typed, best first."""
    text = (text or "").strip()[:100]
    if not text:
        return []
    resources = list(candidates(need, user, today))
    scorer = Scorer(resources)
    query = words(text)
    found = []
    for resource in resources:
        score, _ = scorer.similarity(query, resource.pk) if query else (0.0, [])
        haystack = f"{resource_text(resource)} {resource.provider_label}"
        if score > 0 or text in haystack:
            resource.score = score + (1 if text in haystack else 0)
            found.append(resource)
    found.sort(key=lambda r: (-r.score, r.pk))
    return found[:limit]
