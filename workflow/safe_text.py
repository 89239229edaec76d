"""Outputs that typed-in text cannot break: file names, Word paragraphs, mail headers.

* ``safe_filename``: a person's name in a file name loses path separators, dots at the start, control and
  reserved characters, and is cut to a length every file system takes; ``inside`` checks the result stays
  in its folder.
* ``plain_value`` marks every line of an interpolated value with ``PLAIN``, so the Word writer knows the line
  came from input and must stay a plain paragraph even if it starts with ``# `` or ``> `` (workflow/documents.py).
* ``xml_text`` drops what XML 1.0 cannot carry (NUL, most C0 controls): python-docx would otherwise refuse.
* ``header_text`` folds line breaks out of a mail subject or header value: no header injection.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

PLAIN = "\x1e"  # a control character no stored text can hold (states/limits.py refuses them on input)
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NAME_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
MAX_NAME_BYTES = 180  # ext4 and NTFS take 255 bytes; room for "-12.docx"


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (tab and line breaks stay)."""
    return _XML_BAD.sub("", text)


def plain_value(value: Any) -> Any:
    """Jinja ``finalize`` for text templates: each line of a value is marked plain; controls are dropped."""
    if not isinstance(value, str):
        return value
    cleaned = xml_text(value.replace("\r\n", "\n").replace("\r", "\n"))
    return PLAIN + cleaned.replace("\n", "\n" + PLAIN)


def header_text(text: str, limit: int = 200) -> str:
    """One line for a mail subject or header: line breaks and controls become spaces; cut to ``limit``."""
    flat = "".join(" " if unicodedata.category(c).startswith("C") or c in "\u2028\u2029" else c for c in text)
    return " ".join(flat.split())[:limit]


def safe_filename(name: str, fallback: str = "文件") -> str:
    """A file name made from input: no separators, no leading dots, no controls, not too long.

    >>> safe_filename("../../etc/passwd")
    '_.._etc_passwd'
    >>> safe_filename("李/明")
    '李_明'
    """
    text = _NAME_BAD.sub("_", unicodedata.normalize("NFKC", name)).strip().lstrip(".").strip()
    text = re.sub(r"_+", "_", text)
    while len(text.encode("utf-8")) > MAX_NAME_BYTES:
        text = text[:-1]
    return text or fallback


def inside(folder: Path, path: Path) -> Path:
    """``path`` if it lies inside ``folder`` (after resolving links and ``..``); otherwise ``ValueError``."""
    resolved = path.resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise ValueError(f"文件路径越出了文件夹：{path}")
    return resolved
