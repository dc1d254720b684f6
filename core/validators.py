"""Validators for Chinese identifiers (GB 32100-2015 credit codes, GB 11643 ID numbers, mobiles).

Written here rather than taken from python-stdnum, whose ``cn.uscc`` rejects valid codes that
start with a letter (social organisations ``5…``, ``N…``, ``Y…`` registrants).
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    return (value or "").strip().upper()


def validate_uscc(value: str) -> str:
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError("统一社会信用代码应为 18 位。", code="uscc_length")
    if any(c not in USCC_ALPHABET for c in code):
        raise ValidationError("统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）。", code="uscc_charset")
    if not code[2:8].isdigit():
        raise ValidationError("统一社会信用代码第 3–8 位应为登记管理机关行政区划码。", code="uscc_region")
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError("统一社会信用代码校验位错误。", code="uscc_checksum")
    return code


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def validate_id_number(value: str) -> str:
    number = normalize_id_number(value)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError("居民身份证号码应为 18 位（最后一位可为 X）。", code="id_number_format")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError("居民身份证号码中的出生日期无效。", code="id_number_birth_date") from None
    if born > timezone.localdate() or born.year < 1900:
        raise ValidationError("居民身份证号码中的出生日期无效。", code="id_number_birth_date")
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError("居民身份证号码校验位错误。", code="id_number_checksum")
    return number


def mask_id_number(number: str) -> str:
    number = normalize_id_number(number)
    return f"{number[:6]}********{number[14:]}" if len(number) == 18 else "*" * len(number)


def normalize_mobile(value: str) -> str:
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def validate_mobile(value: str) -> str:
    number = normalize_mobile(value)
    if not MOBILE_RE.match(number):
        raise ValidationError("请输入有效的 11 位手机号码。", code="mobile_invalid")
    return number


def mask_mobile(number: str) -> str:
    return f"{number[:3]}****{number[7:]}" if len(number) == 11 else "*" * len(number)


def mask_person_name(name: str) -> str:
    """陈静 → 陈*: the family name only (for people whose name is not public record)."""
    name = (name or "").strip()
    return f"{name[0]}{'*' * (len(name) - 1)}" if len(name) > 1 else "*" * len(name)


_ROW_ID_RE = re.compile(r"^[0-9]{1,18}$")


def parse_row_id(value) -> int | None:
    """A row id from a header, form field or URL part: 1–18 ASCII digits, else None.

    ``str.isdigit()`` also accepts "²" and "١", on which ``int()`` fails; and a number longer than
    a bigint is no row either.
    """
    text = str(value or "")
    return int(text) if _ROW_ID_RE.match(text) else None


def clean_file_name(name: str, *, default: str, max_length: int = 200) -> str:
    """A user's file name safe to show and to send back in Content-Disposition: the last path
    part, without control, format (bidi overrides such as U+202E, zero-width) or other invisible
    characters that make "invoice\\u202efdp.exe" read as "invoiceexe.pdf"; ``default`` when nothing is left."""
    import unicodedata

    base = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch for ch in base if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    kept = " ".join(kept.split()).strip(" .")
    return kept[:max_length] or default
