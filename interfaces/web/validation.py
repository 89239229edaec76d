"""FastAPI's request validation errors, said in Chinese (the API answers 422 with one sentence per problem).

Pydantic names each problem by a stable ``type``; we translate the common ones and fall back to a plain
"格式不对" rather than showing English to a branch secretary's script author.
"""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError

_WHERE = {"body": "请求内容", "query": "地址参数", "path": "地址", "header": "请求头", "cookie": "Cookie"}
_KINDS = {
    "missing": "缺少必填项",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为是或否（true/false）",
    "date_parsing": "应为日期，格式如 2025-06-10",
    "date_from_datetime_parsing": "应为日期，格式如 2025-06-10",
    "date_from_datetime_inexact": "应为日期，不带时间",
    "datetime_parsing": "应为时间，格式如 2025-06-10T09:00:00+08:00",
    "string_type": "应为文字",
    "int_type": "应为整数",
    "dict_type": "应为“名称: 值”的对象",
    "list_type": "应为列表",
    "model_attributes_type": "应为 JSON 对象",
    "json_invalid": "不是合法的 JSON",
    "string_too_long": "太长",
    "string_too_short": "太短",
    "too_long": "项数太多",
    "greater_than_equal": "太小",
    "less_than_equal": "太大",
    "greater_than": "太小",
    "less_than": "太大",
    "enum": "不是可选的值",
    "literal_error": "不是可选的值",
    "extra_forbidden": "不是可识别的项",
    "value_error": "不符合要求",
}


def _place(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "请求"
    where = _WHERE.get(str(loc[0]), str(loc[0]))
    rest = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc[1:]).lstrip(".")
    return f"{where}中的「{rest}」" if rest else where


def sentence(problem: dict[str, Any]) -> str:
    """One problem as a Chinese sentence, e.g. ``请求内容中的「on」应为日期，格式如 2025-06-10。``"""
    kind = _KINDS.get(str(problem.get("type")), "格式不对")
    limit = (problem.get("ctx") or {}).get("max_length") or (problem.get("ctx") or {}).get("le")
    if problem.get("type") == "string_too_long" and limit is not None:
        kind = f"最多{limit}个字符"
    if problem.get("type") == "value_error":
        message = str((problem.get("ctx") or {}).get("error") or "")
        if message and not message.isascii():
            kind = message  # our own validators already speak Chinese
    return f"{_place(tuple(problem.get('loc') or ()))}{kind}。"


def chinese(error: RequestValidationError) -> dict[str, Any]:
    """The 422 body: a message for people and the list of problems, each with where and what (no input echoed)."""
    problems = [{"loc": [str(part) for part in p.get("loc", ())], "type": p.get("type"), "message": sentence(p)}
                for p in error.errors()]
    return {"error": "RequestValidationError", "message": "".join(p["message"] for p in problems) or "请求格式不对。",
            "detail": problems}
