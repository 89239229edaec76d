"""Resident ID card numbers (GB 11643-1999): 18 characters, the last a checksum over the first 17."""

from __future__ import annotations

from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    """The checksum character for the first 17 digits.

    >>> check_char("11010519491231002")
    'X'
    """
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def id_number_problem(number: str, birth_date: date) -> str | None:
    """A Chinese sentence saying what is wrong with the number, or None if it is valid and matches the birth date.

    >>> id_number_problem("11010519491231002X", date(1949, 12, 31)) is None
    True
    >>> id_number_problem("110105194912310021", date(1949, 12, 31))
    '身份证号码校验位不对，请核对是否抄错。'
    >>> id_number_problem("11010519491231002²", date(1949, 12, 31))
    '身份证号码应为18位，前17位为数字。'
    """
    number = number.strip().upper()
    # isdigit() alone would pass superscript "²" and then fail in int(): ASCII digits only
    if len(number) != 18 or not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in CHECK_CHARS:
        return "身份证号码应为18位，前17位为数字。"
    if check_char(number[:17]) != number[17]:
        return "身份证号码校验位不对，请核对是否抄错。"
    if number[6:14] != birth_date.strftime("%Y%m%d"):
        return f"身份证号码中的出生日期（{number[6:14]}）与登记的出生日期（{birth_date:%Y%m%d}）不一致。"
    return None
