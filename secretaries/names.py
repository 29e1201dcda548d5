"""Personal names as typed or imported: "王  磊" and "王磊" are one name, so searching finds both."""

import re
import unicodedata

CHINESE_NAME = re.compile(r"^[\u3400-\u9fff\u00b7\u30fb\s]+$")  # Han characters, the middle dot of 阿依古丽·买买提


def normalize_name(value):
    """Half-width, trimmed; inner spaces removed when the name is Chinese (a Latin name keeps one space)."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if CHINESE_NAME.match(text):
        return re.sub(r"\s+", "", text).replace("\u30fb", "·")
    return re.sub(r"\s+", " ", text)


def name_key(value):
    """What a search box compares: the same normalisation."""
    return normalize_name(value)
