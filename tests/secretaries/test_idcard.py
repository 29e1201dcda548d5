import datetime

import pytest
from django.core.exceptions import ValidationError

from secretaries import idcard


@pytest.mark.parametrize("number, born, gender", [
    ("11010519491231002X", datetime.date(1949, 12, 31), "女"),  # the example printed in GB 11643
    ("370828198503141236", datetime.date(1985, 3, 14), "男"),
    ("37082819880520006X", datetime.date(1988, 5, 20), "女"),
])
def test_it_accepts_valid_numbers_and_derives_birth_date_and_gender(number, born, gender):
    info = idcard.parse(number)
    assert (info.number, info.birth_date, info.gender) == (number, born, gender)


def test_it_accepts_a_lowercase_x_and_stores_it_upper_case():
    assert idcard.parse("37082819880520006x").number == "37082819880520006X"


def test_it_accepts_full_width_digits_and_spaces():
    assert idcard.parse(" ３７０８２８１９８５０３１４１２３６ ").number == "370828198503141236"


def reason(value):
    with pytest.raises(ValidationError) as error:
        idcard.parse(value)
    return error.value.messages[0]


def test_it_rejects_a_wrong_check_digit():
    assert "校验位" in reason("370828198503141237")


def test_it_rejects_a_date_that_does_not_exist():
    number = "37082819850230" + "123"
    number += idcard.check_char(number)  # a correct checksum must not rescue 30 February
    assert "19850230 不存在" in reason(number)


def test_it_rejects_a_birth_date_in_the_future():
    number = idcard.make("370828", datetime.date(2099, 1, 1), 1)
    assert "不合理" in reason(number)


def test_it_explains_a_number_read_from_a_numeric_excel_cell():
    # Excel keeps 15 significant digits: 370828198503141236 comes back as a float or as 15 digits.
    assert "Excel" in reason(3.70828198503141e17)
    assert "Excel" in reason(370828198503141)
    assert "Excel" in reason("3.70828198503141E+17")
    assert "15 位" in reason("370828198503141")


def test_it_names_the_wrong_length_and_bad_characters():
    assert "当前为 17 位" in reason("37082819850314123")
    assert "只能由数字组成" in reason("3708281985031412AB")
    assert "请填写" in reason("")


def test_masking_hides_birth_date_and_sequence():
    assert idcard.mask("370828198503141236") == "37***************6"


@pytest.mark.parametrize("value", ["37082819880520006x", "370828198503141236", "３７０８２８１９８５０３１４１２３６",
                                   " 370828 19850314 1236\t", "37082819880520006Ｘ", "", "abc-1", "x\u3000y"])
def test_normalize_gives_what_nfkc_without_spaces_upper_cased_gives(value):
    import re
    import unicodedata

    assert idcard.normalize(value) == re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).upper()


def test_the_check_character_is_the_iso_7064_one_and_refuses_a_wrong_length():
    first17 = "11010519491231002"
    expected = "10X98765432"[sum(int(d) * w for d, w in zip(first17, idcard.WEIGHTS, strict=True)) % 11]
    assert idcard.check_char(first17) == expected == "X"
    with pytest.raises(ValueError):
        idcard.check_char("1101051949123100")
