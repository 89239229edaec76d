"""The interfaces floor: the command line (``interfaces.cli``) and the web (``interfaces.web``).

The only package that wires everything together: it may import ``notices``, ``workflow`` and ``states``; none of
those may import it (import-linter contracts in ``pyproject.toml``).
"""

from __future__ import annotations

from notices import planning

# Every process of this floor (the CLI, each web worker, ``fazhan scheduler``) writes cases: each re-plans a changed
# case's notices inside the write's own transaction (workflow/after_write.py).
planning.install()
