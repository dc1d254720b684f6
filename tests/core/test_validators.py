"""Chinese identifiers: GB 32100-2015 credit codes, GB 11643-1999 ID numbers, mobile numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.validators import (
    USCC_ALPHABET,
    id_check_char,
    mask_id_number,
    mask_mobile,
    normalize_mobile,
    uscc_check_char,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)

# Published credit codes of well-known companies (business licences shown on their websites).
PUBLISHED_USCC = [
    "914403001922038216",   # 华为技术有限公司
    "91110000802100433B",   # 北京百度网讯科技有限公司
    "91110108551385082Q",   # 小米科技有限责任公司
    "91330100799655058B",   # 阿里巴巴（中国）有限公司
    "9144030071526726XG",   # 腾讯科技（深圳）有限公司
    "91440300708461136T",   # 深圳市腾讯计算机系统有限公司
]


def gb32100(first17: str) -> str:
    """The check character computed independently from the standard's definition (GB 32100-2015 §5)."""
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, weights, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def with_check(first17: str) -> str:
    return first17 + gb32100(first17)


@pytest.mark.parametrize("code", PUBLISHED_USCC)
def test_published_codes_validate(code):
    assert validate_uscc(code) == code
    assert validate_uscc(f"  {code.lower()} ") == code


@pytest.mark.parametrize("first17", [
    "53330106MJ8776543",   # 5: social organisation registered with 民政 (社会服务机构)
    "52330106MJ0000001",   # 52: 民办非企业单位 (the usual legal form of a non-profit nursery)
    "12330106470123456",   # 1: public institution (事业单位, 编办)
    "N2330106MF1234567",   # N: rural collective economic organisation
    "Y1330106MA0000012",   # Y: other registrants
    "91330106MA27XXXXX",   # MA…: the post-2015 enterprise pattern
    "92330106MA2H0QK7R",   # 92: individual business
])
def test_letter_and_non_enterprise_codes(first17):
    code = with_check(first17)
    assert uscc_check_char(first17) == code[17]
    assert validate_uscc(code) == code


def test_weights_are_powers_of_three_mod_31():
    from core.validators import USCC_WEIGHTS

    assert list(USCC_WEIGHTS) == [pow(3, i, 31) for i in range(17)]


@pytest.mark.parametrize(("code", "error"), [
    ("91440300192203821", "uscc_length"),
    ("9144030019220382160", "uscc_length"),
    ("91440300192203821I", "uscc_charset"),   # I, O, Z, S, V are not used
    ("91440300192203821O", "uscc_charset"),
    ("9144AB00192203821A", "uscc_region"),
    ("914403001922038217", "uscc_checksum"),
    ("91110000802100433C", "uscc_checksum"),
])
def test_bad_codes(code, error):
    with pytest.raises(ValidationError) as info:
        validate_uscc(code)
    assert info.value.code == error


def test_every_single_character_change_is_caught():
    code = PUBLISHED_USCC[0]
    for i in range(17):
        for ch in "0A":
            changed = code[:i] + ch + code[i + 1:]
            if changed != code and changed[2:8].isdigit():
                with pytest.raises(ValidationError):
                    validate_uscc(changed)


# --- ID numbers ---------------------------------------------------------------------------------------

def test_standard_example_with_check_x():
    # The example of GB 11643-1999 itself.
    assert validate_id_number("11010519491231002x") == "11010519491231002X"
    assert mask_id_number("11010519491231002X") == "110105********002X"


@pytest.mark.parametrize(("number", "code"), [
    ("110105194912310021", "id_number_checksum"),
    ("110105194902290020", "id_number_birth_date"),   # 1949 was not a leap year
    ("110105199013320029", "id_number_birth_date"),
    ("110105189912310020", "id_number_birth_date"),   # before 1900
    ("1101051949123100", "id_number_format"),
    ("11010519491231002Y", "id_number_format"),
])
def test_bad_id_numbers(number, code):
    body = number[:17]
    if code != "id_number_checksum" and len(number) == 18 and number[17] in "0123456789X":
        number = body + id_check_char(body) if body.isdigit() else number
    with pytest.raises(ValidationError) as info:
        validate_id_number(number)
    assert info.value.code == code


def test_future_birth_date_refused_today_accepted():
    today = timezone.localdate()
    for born, ok in ((today + dt.timedelta(days=1), False), (today, True)):
        body = f"330106{born:%Y%m%d}012"
        number = body + id_check_char(body)
        if ok:
            assert validate_id_number(number) == number
        else:
            with pytest.raises(ValidationError) as info:
                validate_id_number(number)
            assert info.value.code == "id_number_birth_date"


def test_leap_day_accepted():
    body = "33010620000229001"
    assert validate_id_number(body + id_check_char(body))


# --- mobiles ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["13800138000", "+86 138 0013 8000", "+86-138-0013-8000", "0086 13800138000",
                                 "138-0013-8000", " 138 0013 8000 ", "(+86)13800138000"])
def test_mobile_forms(raw):
    assert validate_mobile(raw) == "13800138000"


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "138001380000", "+1 415 555 0100", "0571-87654321",
                                 "１３８００１３８０００", ""])
def test_bad_mobiles(raw):
    with pytest.raises(ValidationError) as info:
        validate_mobile(raw)
    assert info.value.code == "mobile_invalid"


def test_mask_mobile():
    assert mask_mobile(normalize_mobile("+86 139 0013 9000")) == "139****9000"
