"""The interfaces floor: the command line (``interfaces.cli``) and the web (``interfaces.web``).

The only package that wires everything together: it may import ``notices``, ``workflow`` and ``states``; none of
those may import it (import-linter contracts in ``pyproject.toml``).
"""
