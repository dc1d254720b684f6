"""Chinese identifiers: GB 32100-2015 credit codes, GB 11643-1999 ID numbers, mobile numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.validators import (
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


# GB 32100-2015 written out here, not imported from the code under test: the 31 characters (no
# I, O, Z, S, V), each worth its position, and the weights 3^i mod 31 of the first 17 characters.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Values: 0–9 → 0–9, A10 B11 C12 D13 E14 F15 G16 H17 J18 K19 L20 M21 N22 P23 Q24 R25 T26 U27 W28 X29 Y30.
# Check character: 31 − (Σ value × weight mod 31), as a character (31 → "0").

HAND_CHECKED_USCC = [
    # 51 = 民政 / 社会团体 (a childcare association).
    #   5 1 3 3 0 1 0 6 M21 J18 0 1 2 3 4 5 6
    #   5+3+27+81+0+26+0+102+420+522+0+13+16+72+40+150+168 = 1645 = 31×53 + 2 → 31−2 = 29 → "X"
    "51330106MJ0123456X",
    # 12 = 机构编制 / 事业单位 (a public nursery).
    #   1+6+27+81+0+26+0+102+80+203+0+0+8+48+30+120+140 = 872 = 31×28 + 4 → 27 → "U"
    "12330106470012345U",
    # N2 = 农业农村 / 村级集体经济组织.
    #   N22×1 + 2×3 + 27+81+0+26+0+102 + M21×20 + F15×29 + 1×25+2×13+3×8+4×24+5×10+6×30+7×28
    #   = 22+6+27+81+0+26+0+102+420+435+25+26+24+96+50+180+196 = 1716 = 31×55 + 11 → 20 → "L"
    "N2330106MF1234567L",
    # Y1 = other registrants.
    #   Y30×1 + 1×3 + 27+81+0+26+0+102 + M21×20 + A10×29 + 0+0+0+0+0 + 1×30 + 2×28
    #   = 30+3+27+81+0+26+0+102+420+290+30+56 = 1065 = 31×34 + 11 → 20 → "L"
    "Y1330106MA0000012L",
    # 91 = 市场监管 / 企业, post-2015 "MA…" organisation code.
    #   9+3+27+81+0+26+0+102 + M21×20 + A10×29 + 2×25 + 7×13 + X29×8 + Y30×24 + Q24×10 + 5×30 + R25×28
    #   = 9+3+27+81+0+26+0+102+420+290+50+91+232+720+240+150+700 = 3141 = 31×101 + 10 → 21 → "M"
    "91330106MA27XYQ5RM",
]


def gb32100(first17: str) -> str:
    """The check character from the standard's definition, with this file's own alphabet and weights."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def test_alphabet_and_weights_are_the_standards():
    from core.validators import USCC_ALPHABET, USCC_WEIGHTS

    assert USCC_ALPHABET == ALPHABET
    assert tuple(USCC_WEIGHTS) == WEIGHTS == tuple(pow(3, i, 31) for i in range(17))


@pytest.mark.parametrize("code", PUBLISHED_USCC)
def test_published_codes_validate(code):
    assert gb32100(code[:17]) == code[17]
    assert validate_uscc(code) == code
    assert validate_uscc(f"  {code.lower()} ") == code


@pytest.mark.parametrize("code", HAND_CHECKED_USCC)
def test_hand_checked_letter_and_non_enterprise_codes(code):
    assert gb32100(code[:17]) == code[17]  # the arithmetic in the comments above
    assert uscc_check_char(code[:17]) == code[17]
    assert validate_uscc(code) == code
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(ValidationError) as info:
        validate_uscc(wrong)
    assert info.value.code == "uscc_checksum"


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
