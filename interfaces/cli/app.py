"""The Typer application, its console and the conventions every command shares.

Exit codes: 0 done, 2 usage error or bad input, 3 refused by a rule, 4 conflict.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console

from workflow.errors import FazhanError, StaleRecord, StepRefused

app = typer.Typer(help="fazhan：发展党员工作流程引擎。", no_args_is_help=True, add_completion=False)
console = Console(soft_wrap=True)  # long Chinese sentences stay whole when piped

EXIT_USAGE, EXIT_REFUSED, EXIT_CONFLICT = 2, 3, 4
JsonOption = Annotated[bool, typer.Option("--json", help="以 JSON 输出。")]
DbOption = Annotated[str | None, typer.Option("--db", help="数据库：SQLite 文件路径或 SQLAlchemy URL（默认 FAZHAN_DB 或 fazhan.db）。")]


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


@contextmanager
def told(as_json: bool = False) -> Iterator[None]:
    """Turn the errors a user can be told about into a Chinese message and the documented exit code."""
    try:
        yield
    except StepRefused as refused:
        if as_json:
            emit_json({"error": "refused", **refused.check.as_dict()})
        else:
            console.print(f"[red]{refused}[/red]")
        raise typer.Exit(EXIT_REFUSED) from None
    except StaleRecord as stale:
        if as_json:
            emit_json({"error": "conflict", "message": str(stale)})
        raise fail(str(stale), EXIT_CONFLICT) from None
    except (FazhanError, ValueError, LookupError) as error:
        message = str(error).strip("'\"")
        if as_json:
            emit_json({"error": "usage", "message": message})
        raise fail(message) from None
