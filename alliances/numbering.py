"""The number in a 分盟's name ("第三分盟" → 3, "第12分盟" → 12), so lists follow 第一…第六 rather than code points."""

import re

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# "第三分盟", "第12分盟", "第一联盟", "第二片区…" — not the 第一 of "第一书记".
ORDINAL = re.compile(r"第([0-9]+|[〇零一二两三四五六七八九十百]+)(?=分盟|分联盟|联盟|片区|协作区)")


def chinese_number(text):
    """十二 → 12, 二十 → 20, 一百零五 → 105; None for anything else."""
    total, current = 0, 0
    for char in text:
        if char in DIGITS:
            current = DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def from_name(name):
    """The ordinal in the name, or None when it has none."""
    match = ORDINAL.search(name or "")
    if not match:
        return None
    text = match.group(1)
    return int(text) if text.isdigit() else chinese_number(text)
