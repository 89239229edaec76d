"""The web interface: server-rendered pages and a JSON API over the same services.

Routes stay thin: they check the user's scope, parse the form, call one service and render the result.
"""

from __future__ import annotations
