"""One place that declares what each typed-in field may hold, and the cleaning every entry path shares.

Text is normalised to NFKC (a full-width "１" becomes "1", a compatibility ideograph its usual form) except
Chinese full-width punctuation, which stays as typed (「，」「（」「：」 are the right marks in Chinese text), control
characters are refused (a carriage return in a name would break a mail subject, a NUL a Word document), and
every field has a maximum length. Digit fields (ID numbers, phones, counts) take ASCII digits only; full-width
digits are folded to ASCII, but superscripts, circled or other-script digits are refused rather than guessed.
Pure functions: no database, no clock, so the web, the API and the CLI all answer the same sentence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


class InvalidInput(ValueError):
    """Input that no step may store; the message is a plain Chinese sentence for the person typing."""


@dataclass(frozen=True)
class FieldLimit:
    label: str  # the field's Chinese name, used in the messages
    max_length: int
    multiline: bool = False  # discussion texts and reasons may hold line breaks; names never
    digits: str | None = None  # a regular expression the ASCII-only value must match (digit fields)
    digits_hint: str = ""


NAME = FieldLimit("姓名", 40)
USERNAME = FieldLimit("用户名", 40)
DISPLAY_NAME = FieldLimit("显示名称", 40)
ORGANISATION = FieldLimit("党组织名称", 100)
UNIT = FieldLimit("工作、学习单位", 100)
CONTACT = FieldLimit("联系方式", 40)
REASON = FieldLimit("理由", 500, multiline=True)
DISCUSSION = FieldLimit("讨论情况", 5000, multiline=True)
ID_NUMBER = FieldLimit("身份证号码", 18, digits=r"\d{17}[\dX]", digits_hint="18位，前17位为数字，最后一位为数字或X")
PHONE = FieldLimit("电话号码", 20, digits=r"\+?\d{5,19}", digits_hint="只能写数字（可带“+”和“-”）")
COUNT = FieldLimit("人数", 6, digits=r"\d{1,6}", digits_hint="只能写数字")
PASSWORD = FieldLimit("密码", 128)
UPLOAD_BYTES = 10 * 1024 * 1024  # a file upload (ledger, calendar) larger than this is refused unread

# Characters of category C* (control, format, unassigned, private use, surrogate) that text may not carry;
# tab and line breaks are allowed only where a field is multi-line.
_MULTILINE_OK = frozenset("\n\t")
# Full-width punctuation (，！？：；（）［］｛｝～ …) is what Chinese text uses; NFKC would turn it into ASCII.
_CHINESE_PUNCTUATION = re.compile("([\uFF01-\uFF0F\uFF1A-\uFF20\uFF3B-\uFF40\uFF5B-\uFF5E]+)")
_FULL_WIDTH = {chr(0xFF10 + d): str(d) for d in range(10)} | {"Ｘ": "X", "ｘ": "X", "＋": "+", "－": "-"}


def clean(value: str, limit: FieldLimit) -> str:
    """The value as it is stored: NFKC, stripped, checked against the field's limits; or ``InvalidInput``.

    >>> clean("  李明 ", NAME)
    '李明'
    >>> clean("李\\r明", NAME)
    Traceback (most recent call last):
    states.limits.InvalidInput: 姓名不能含换行或控制字符。
    """
    if limit.digits:
        return clean_digits(value, limit)
    return _clean_short(value, limit) if len(value) <= SHORT else _clean_text(value, limit)


def _clean_text(value: str, limit: FieldLimit) -> str:
    text = normalised(value.replace("\r\n", "\n")).strip()
    for char in text:
        forbidden = unicodedata.category(char).startswith("C") or char in "\u2028\u2029\x85"
        if forbidden and not (limit.multiline and char in _MULTILINE_OK):
            raise InvalidInput(f"{limit.label}不能含换行或控制字符。" if not limit.multiline
                               else f"{limit.label}不能含控制字符。")
    if len(text) > limit.max_length:
        raise InvalidInput(f"{limit.label}最多{limit.max_length}个字符（收到{len(text)}个）。")
    return text


SHORT = 200  # short texts repeat (a back-filled 台账 gives every step the same reason): remembered, bounded
_clean_short = lru_cache(maxsize=2048)(_clean_text)


def normalised(text: str) -> str:
    """NFKC except Chinese full-width punctuation.

    >>> normalised("因工作调动，转往某党支部（外单位）：１２人")
    '因工作调动，转往某党支部（外单位）：12人'
    """
    parts = _CHINESE_PUNCTUATION.split(text)
    return "".join(part if index % 2 else unicodedata.normalize("NFKC", part) for index, part in enumerate(parts))


def clean_digits(value: str, limit: FieldLimit) -> str:
    """A digit field: full-width digits folded to ASCII, spaces and hyphens dropped, anything else refused.

    >>> clean_digits("１１０１０５１９４９１２３１００２ｘ", ID_NUMBER)
    '11010519491231002X'
    >>> clean_digits("11010519491231002²", ID_NUMBER)
    Traceback (most recent call last):
    states.limits.InvalidInput: 身份证号码只能写阿拉伯数字：18位，前17位为数字，最后一位为数字或X。
    """
    text = "".join(_FULL_WIDTH.get(char, char) for char in value.strip())
    text = text.replace(" ", "").replace("-", "").replace("\u3000", "").upper()
    if not text.isascii() or limit.digits is None or not re.fullmatch(limit.digits, text):
        raise InvalidInput(f"{limit.label}只能写阿拉伯数字：{limit.digits_hint}。")
    return text


def clean_optional(value: str | None, limit: FieldLimit) -> str | None:
    """``clean`` for a field that may be left empty: empty and blank both mean "not given"."""
    if value is None or not value.strip():
        return None
    return clean(value, limit)


def clean_contact(value: str) -> str:
    """A contact: a phone number is stored as its digits; any other short text (an e-mail, an extension) as text."""
    text = clean(value, CONTACT)
    folded = "".join(_FULL_WIDTH.get(char, char) for char in text)
    if re.fullmatch(r"[\d\s+\-()]+", folded):
        return clean_digits(folded.replace("(", "").replace(")", ""), PHONE)
    return text
