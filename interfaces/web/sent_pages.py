"""The page and API view a sending branch gets of a case it transferred away (细则第十二条, N27).

``scope.require_case`` raises ``SentAway`` instead of 404 for such a visitor; this handler answers the case page
and ``GET /api/applicants/{id}`` with the records up to the 转出 (read-only, no step forms) and everything else
(step forms, recording, history, personal data) with the ordinary 403 and the same sentence.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from interfaces.web.deps import LoginRequired, Visitor, visitor, web
from interfaces.web.rendering import page
from interfaces.web.scope import SentAway
from workflow.transfer_sight import sent_view

Handler = Callable[[Request, Exception], Awaitable[Response]]


def _visitor(request: Request) -> Visitor | None:
    try:
        return visitor(request, web(request))  # already resolved once for this request; cheap to repeat
    except LoginRequired:
        return None


def handler(fallback: Handler) -> Handler:
    """The exception handler for ``SentAway``; anything but the two read-only views goes to ``fallback`` (403)."""

    async def sent_away(request: Request, error: Exception) -> Response:
        if not isinstance(error, SentAway) or request.method not in {"GET", "HEAD"}:
            return await fallback(request, error)
        path, own = request.url.path.rstrip("/"), f"/applicants/{error.sight.case_id}"
        if path == own:
            view = sent_view(web(request).engine, error.sight)
            return page(request, _visitor(request), "applicant_sent.html", view=view)
        if path == f"/api{own}":
            return JSONResponse(jsonable_encoder(sent_view(web(request).engine, error.sight).as_dict()))
        return await fallback(request, error)

    return sent_away
