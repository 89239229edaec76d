"""Typer's own words (help, usage lines, usage errors) in Chinese, for the whole command line, in one place.

Typer ≥0.29 carries its own copy of Click whose messages are fixed English f-strings, so this is not a gettext
catalogue for it: the usage line and the help option are set on every command (``localise``), the panel titles
are Typer's constants, and a usage error is said again in Chinese from its type and attributes
(``usage_message``). Typer's modules that do call gettext get ``zh``. Anything not recognised becomes one
generic Chinese sentence rather than English; tests/layout/test_cli_language.py runs every command to check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from typer import core as typer_core
from typer import rich_utils
from typer._click import core as click_core
from typer._click import exceptions as click_errors
from typer._click.formatting import HelpFormatter

HELP_OPTION_TEXT = "显示本帮助并退出。"
CATALOGUE: dict[str, str] = {  # the gettext messages of typer.core and typer.rich_utils
    "Options": "选项",
    "Arguments": "参数",
    "Commands": "命令",
    "Error": "错误",
    "Aborted!": "已中止。",
    "Aborted.": "已中止。",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "运行 [blue]{command_path} {help_option}[/] 查看帮助。",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有「{name}」这个命令。",
    "(deprecated) ": "（已停用）",
    "[default: {}]": "[默认：{}]",
    "[env var: {}]": "[环境变量：{}]",
    "[required]": "[必填]",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "(dynamic)": "（动态）",
}
# Typer prints a value's Python type next to it (<int>, <str>, <list[str]>): said as what to type instead.
TYPE_WORDS = {"int": "整数", "str": "文字", "bool": "", "float": "数字", "path": "路径", "file": "文件",
              "directory": "目录", "datetime": "日期", "Path": "路径"}
ARGUMENT_WORDS = {  # argument names are Python identifiers; the usage line and errors show these instead
    "name": "名称", "step": "步骤", "applicant": "申请人", "applicants": "申请人", "meeting": "会议编号",
    "item": "议题编号", "names": "姓名", "opinion": "意见", "key": "编号或姓名", "path": "文件", "file": "文件",
    "message": "消息编号", "year": "年份", "username": "用户名", "member": "党员", "standing": "身份",
    "notice_id": "通知编号", "words": "党员姓名",
}
# Validation problems Typer reports through pydantic, by pydantic's error type.
PYDANTIC_WORDS = {"int_parsing": "不是整数", "int_from_float": "不是整数", "float_parsing": "不是数字",
                  "bool_parsing": "不是“是/否”", "date_from_datetime_parsing": "不是日期", "date_parsing": "不是日期"}
USAGE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Option '(.+)' requires an argument\."), "选项 {0} 后面须写一个值。"),
    (re.compile(r"Option '(.+)' requires (\d+) arguments\."), "选项 {0} 后面须写{1}个值。"),
    (re.compile(r"Option '(.+)' does not take a value\."), "选项 {0} 后面不写值。"),
    (re.compile(r"Argument '(.+)' takes (\d+) values\."), "参数 {0} 须写{1}个值。"),
    (re.compile(r"Got unexpected extra arguments? \((.*)\)"), "多余的参数：{0}。"),
    (re.compile(r"'(.*)' is not one of (.*)\.", re.S), "「{0}」不是可选值，可选：{1}。"),
    (re.compile(r"Value '(.*)' is not a valid (\w+)\.", re.S), "「{0}」的写法不对。"),
    (re.compile(r"\w+ '(.*)' does not exist\.", re.S), "「{0}」不存在。"),
    (re.compile(r"\w+ '(.*)' is a (file|directory)\.", re.S), "「{0}」不是所要求的文件或目录。"),
    (re.compile(r"\w+ '(.*)' is not (readable|writable)\.", re.S), "「{0}」没有读写权限。"),
    (re.compile(r"'(.*)': (.*)", re.S), "无法打开「{0}」。"),
]
GENERIC = "命令的写法不对"


def zh(message: str) -> str:
    return CATALOGUE.get(message, message)


def _type_word(label: str) -> str:
    """``<list[str]>`` → ``<文字…>``; ``<int>`` → ``<整数>``; ``<bool>`` (a flag) → nothing."""
    inner = label.strip("<>")
    repeated = inner.startswith("list[") and inner.endswith("]")
    inner = inner[5:-1] if repeated else inner
    words = [TYPE_WORDS.get(part, part) for part in inner.split("|")]
    text = "|".join(w for w in words if w)
    return f"<{text}{'…' if repeated else ''}>" if text else ""


def _chinese_display_type(original: Callable[..., str]) -> Callable[..., str]:
    def display_type(self: Any, ctx: click_core.Context) -> str:
        return _type_word(original(self, ctx))
    return display_type


class ChineseFormatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)


class ChineseContext(click_core.Context):
    formatter_class = ChineseFormatter


def install() -> None:
    """Idempotent: Typer's gettext lookups, its panel titles and its type labels say things in Chinese."""
    for module in (typer_core, rich_utils):
        if hasattr(module, "_"):
            module._ = zh  # type: ignore[attr-defined]
    for constant in ("DEPRECATED_STRING", "DEFAULT_STRING", "ENVVAR_STRING", "REQUIRED_LONG_STRING",
                     "ARGUMENTS_PANEL_TITLE", "OPTIONS_PANEL_TITLE", "COMMANDS_PANEL_TITLE", "ERRORS_PANEL_TITLE",
                     "ABORTED_TEXT", "RICH_HELP"):
        setattr(rich_utils, constant, zh(getattr(rich_utils, constant)))
    cls = typer_core._TyperParameter  # shared base of TyperArgument and TyperOption
    if not vars(cls).get("_fazhan_zh"):
        cls.display_type = _chinese_display_type(cls.display_type)  # type: ignore[method-assign]
        cls._fazhan_zh = True  # type: ignore[attr-defined]


def _walk(command: click_core.Command) -> Iterator[click_core.Command]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _walk(sub)


def _argument_word(param: Any) -> str:
    """A Chinese name for an argument: its entry above, else the noun its help text starts with."""
    if param.name in ARGUMENT_WORDS:
        return ARGUMENT_WORDS[param.name]
    lead = re.split(r"[：（(，。、；:,]", getattr(param, "help", None) or "", maxsplit=1)[0].strip()
    return lead if 0 < len(lead) <= 8 else "值"


def _chinese_help_option(command: click_core.Command) -> Callable[[click_core.Context], Any]:
    original = type(command).get_help_option

    def get_help_option(ctx: click_core.Context) -> Any:
        option = original(command, ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option
    return get_help_option


def localise(root: click_core.Command) -> None:
    """Usage lines of every command in Chinese: 用法：, [选项], 命令 [参数]…, argument names, the help option."""
    for command in _walk(root):
        command.context_class = ChineseContext
        command.options_metavar = "[选项]"
        if hasattr(command, "subcommand_metavar"):
            command.subcommand_metavar = "命令 [参数]..."
        command.get_help_option = _chinese_help_option(command)  # type: ignore[method-assign]
        for param in command.params:
            if param.param_type_name == "argument" and param.metavar is None:
                param.metavar = _argument_word(param)


def _hint(error: Any) -> str:
    param = getattr(error, "param", None)
    hint = getattr(error, "param_hint", None) or (param.get_error_hint() if param is not None else "")
    text = hint if isinstance(hint, str) else " / ".join(hint)
    return text.replace("'", "")


def _said(message: str) -> str:
    for pattern, chinese in USAGE_PATTERNS:
        found = pattern.fullmatch(message.strip())
        if found:
            return chinese.format(*found.groups())
    return message if re.search(r"[\u4e00-\u9fff]", message) else GENERIC + "。"


def _pydantic_said(error: BaseException) -> str | None:
    cause = error.__cause__
    problems = cause.errors() if cause is not None and hasattr(cause, "errors") else []
    if not problems:
        return None
    first = problems[0]
    words = PYDANTIC_WORDS.get(str(first.get("type")))
    if words:
        return f"「{first.get('input')}」{words}。"
    message = str(first.get("msg", "")).removeprefix("Value error, ")
    return _said(message)


def usage_message(error: click_errors.ClickException) -> str:
    """A usage error (missing, unknown or badly written argument or option) as one Chinese sentence."""
    if isinstance(error, click_errors.MissingParameter):
        param = error.param
        kind = "参数" if param is not None and param.param_type_name == "argument" else "选项"
        return f"缺少{kind}：{_hint(error)}。"
    if isinstance(error, click_errors.NoSuchOption):
        also = f"是不是要用 {'、'.join(sorted(error.possibilities))}？" if error.possibilities else ""
        return f"没有「{error.option_name}」这个选项。{also}"
    if isinstance(error, click_errors.BadParameter):
        said = _pydantic_said(error) or _said(error.message)
        hint = _hint(error)
        return f"{hint}的取值不对：{said}" if hint else said
    message = error.message
    suggestion = re.fullmatch(r"(.*?)\.? Did you mean (.*)\?", message, re.S)
    if suggestion:
        return f"{_said(suggestion.group(1))}是不是要用 {suggestion.group(2).replace(chr(39), '')}？"
    return _said(message)
