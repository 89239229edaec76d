"""The examples in the notices modules' docstrings run (``notices/`` is outside pytest's doctest paths)."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from notices import config, deadlines, delivery, stored


@pytest.mark.parametrize("module", [config, deadlines, delivery, stored], ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
