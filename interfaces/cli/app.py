"""The Typer application, its console and the conventions every command shares.

Exit codes: 0 done, 2 usage error or bad input, 3 refused by a rule, 4 conflict.
One language: Click's and Typer's own words are Chinese (interfaces/cli/chinese.py). One channel: with ``--json``
stdout carries exactly one JSON document, success or error — usage errors included (``FazhanGroup.main``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from sqlalchemy.exc import SQLAlchemyError
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from interfaces.cli import chinese
from states.dates import BadDate, parse_date
from workflow.errors import FazhanError, StaleRecord, StepRefused

chinese.install()

EXIT_USAGE, EXIT_REFUSED, EXIT_CONFLICT = 2, 3, 4
ERROR_KINDS = {EXIT_USAGE: "usage", EXIT_REFUSED: "refused", EXIT_CONFLICT: "conflict"}


class FazhanGroup(TyperGroup):
    """The root command: Chinese usage lines everywhere, and usage errors as JSON when ``--json`` was asked."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        chinese.localise(self)
        try:
            code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as shown:  # Typer printed the help while raising it
            code = shown.exit_code
        except click_errors.ClickException as error:
            code = _usage_error(error, as_json="--json" in argv)
        except typer.Abort:
            typer.echo(chinese.zh("Aborted!"), err=True)
            code = 1
        except SQLAlchemyError as error:  # an unreachable or unprepared database: said plainly, no traceback
            code = _report(as_json="--json" in argv, message=_database_sentence(error), code=EXIT_USAGE)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def _usage_error(error: click_errors.ClickException, *, as_json: bool) -> int:
    """Like Typer's error panel (usage line, where to find help, the error), but every word Chinese."""
    message = chinese.usage_message(error)
    if as_json:
        emit_json({"error": "usage", "message": message})
        return error.exit_code
    errors = Console(stderr=True, soft_wrap=True)
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        errors.print(ctx.get_usage(), markup=False, highlight=False)
        errors.print(f"运行 {ctx.command_path} --help 查看帮助。", markup=False, style="dim")
    errors.print(Panel(message, title="错误", title_align="left", border_style="red"), markup=False)
    return error.exit_code


def _database_sentence(error: SQLAlchemyError) -> str:
    where = os.environ.get("FAZHAN_DB") or "fazhan.db"
    return (f"无法读取数据库（{type(error).__name__}）。请检查 --db 或环境变量 FAZHAN_DB（现为 {where}），"
            "新数据库请先运行 fazhan init。")


def _report(*, as_json: bool, message: str, code: int) -> int:
    if as_json:
        emit_json({"error": ERROR_KINDS.get(code, "usage"), "message": message})
    else:
        console.print(f"[red]{message}[/red]")
    return code


app = typer.Typer(cls=FazhanGroup, help="fazhan：发展党员工作流程引擎。", no_args_is_help=True, add_completion=False)
console = Console(soft_wrap=True)  # long Chinese sentences stay whole when piped

JsonOption = Annotated[bool, typer.Option("--json", help="以 JSON 输出。")]
DbOption = Annotated[str | None, typer.Option("--db", help="数据库：SQLite 文件路径或 SQLAlchemy URL（默认 FAZHAN_DB 或 fazhan.db）。")]


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def as_date(text: str, what: str = "日期") -> date:
    """Every date typed on the command line is read here (states.dates: one Chinese error for an impossible date)."""
    return parse_date(text, what)


def new_password(given: str, label: str = "密码", *, as_json: bool = False) -> str:
    """The password given with ``--password``, or typed twice without echo (Click's own confirmation is English)."""
    if given:
        return given
    for _ in range(3):
        first = typer.prompt(label, hide_input=True, show_default=False, prompt_suffix="：")
        if first == typer.prompt("再输入一次", hide_input=True, show_default=False, prompt_suffix="："):
            return str(first)
        console.print("两次输入的密码不一致，请重新输入。")
    raise fail("三次输入的密码都不一致，未作任何改动。", as_json=as_json)


def fail(message: str, code: int = EXIT_USAGE, *, as_json: bool = False) -> typer.Exit:
    """Say what went wrong (as one JSON document under ``--json``) and return the exit to raise."""
    _report(as_json=as_json, message=message, code=code)
    return typer.Exit(code)


@contextmanager
def told(as_json: bool = False) -> Iterator[None]:
    """Turn the errors a user can be told about into a Chinese message and the documented exit code.

    Under ``--json`` the message is the only thing printed: one JSON document, nothing beside it.
    """
    try:
        yield
    except StepRefused as refused:
        if as_json:
            emit_json({"error": "refused", "message": str(refused), **refused.check.as_dict()})
        else:
            console.print(f"[red]{refused}[/red]")
        raise typer.Exit(EXIT_REFUSED) from None
    except StaleRecord as stale:
        raise fail(str(stale), EXIT_CONFLICT, as_json=as_json) from None
    except (FazhanError, BadDate, ValueError, LookupError) as error:
        raise fail(str(error).strip("'\""), as_json=as_json) from None
