"""The number in a 分盟's name, for ordering 第一…第六…第十."""

import pytest

from alliances.numbering import from_name


@pytest.mark.parametrize("name, number", [
    ("第一分盟", 1), ("第六分盟", 6), ("第十分盟", 10), ("第十二分盟", 12), ("第二十分盟", 20), ("第12分盟", 12),
    ("金乡县第一书记联盟", None), ("第一书记香瓜联盟", None), ("胡集片区", None), ("第三片区", 3),
])
def test_the_number_is_read_from_the_name(name, number):
    assert from_name(name) == number
