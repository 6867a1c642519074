"""The access gate in front of every request, the login page and one-time join links.

A Starlette middleware (pure ASGI, so that it also sees NiceGUI's websocket) lets through
trusted clients (loopback, no proxy), devices with a valid session cookie, and the few open
paths: the health check, the login page and join links. Everything else, pages, NiceGUI's
assets and its socket, gets the login page, a 401 or a closed socket. The login page is plain
HTML: NiceGUI's own scripts stay behind the gate.
"""

from __future__ import annotations

import asyncio
import html
import logging
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from nicegui import Client, app, core
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.access import COOKIE_NAME, SESSION_MAX_AGE, AccessControl
from ui import webapp

log = logging.getLogger("pitbox.access")

# Open to every client: the health check, the login page, and what a phone fetches to install
# Pitbox on its home screen (the manifest and its icons, a mount with nothing else in it).
OPEN_PATHS = frozenset({"/healthz", "/login", webapp.MANIFEST_PATH})
OPEN_PREFIXES = (f"{webapp.ICONS_PATH}/",)
JOIN_PREFIX = "/join/"
# Pages only this machine may open: they show the password.
TRUSTED_ONLY_PREFIXES = ("/devices",)
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
]

_control: AccessControl | None = None
# The address the server listens on (for the join page's QR code).
listen_host: str | None = None


def control() -> AccessControl:
    """The install's access rules (set by ``install``)."""
    assert _control is not None, "ui.access.install() was not called"
    return _control


def trusted_scope(scope: Scope) -> bool:
    client = scope.get("client")
    headers = Headers(scope=scope)
    return control().trusts(client[0] if client else None, headers.keys())


def trusted_request(request: Request | None) -> bool:
    """Whether the request came from this machine, with no proxy in between."""
    return request is not None and trusted_scope(request.scope)


def _host(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


class AccessGate:
    """Pure ASGI middleware: the gate, plus security headers on every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        trusted = trusted_scope(scope)
        if path.startswith(TRUSTED_ONLY_PREFIXES) and not trusted:
            allowed = False
        else:
            allowed = (
                trusted
                or path in OPEN_PATHS
                or path.startswith(JOIN_PREFIX)
                or (path.startswith(OPEN_PREFIXES) and ".." not in path)
                or control().session_valid(
                    cookie_parser(Headers(scope=scope).get("cookie", "")).get(COOKIE_NAME)
                )
            )
        if scope["type"] == "websocket":
            if allowed:
                await self.app(scope, receive, send)
            else:  # refuse the handshake: no data over the socket without the password
                await send({"type": "websocket.close", "code": 1008})
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *SECURITY_HEADERS]
            await send(message)

        if allowed:
            await self.app(scope, receive, send_with_headers)
            return
        response = _refusal(scope, path)
        await response(scope, receive, send_with_headers)


def _refusal(scope: Scope, path: str) -> Response:
    if path.startswith(TRUSTED_ONLY_PREFIXES):
        return HTMLResponse(
            _page("Only on the laptop", "<p>Open this page on the computer running Pitbox.</p>"),
            status_code=403,
        )
    headers = Headers(scope=scope)
    wants_page = (
        scope.get("method") in {"GET", "HEAD"}
        and not path.startswith("/_nicegui")
        and "text/html" in headers.get("accept", "")
    )
    if wants_page:
        query = scope.get("query_string", b"").decode("latin-1")
        target = path + (f"?{query}" if query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return Response("Log in to Pitbox first.", status_code=401, media_type="text/plain")


def _safe_next(target: str | None) -> str:
    # Only paths of this site: "//host" or "/\\host" would leave it.
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


# --- pages outside NiceGUI ------------------------------------------------------------------

_STYLE = """
*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,Segoe UI,Roboto,
sans-serif;background:#F1F5F9;color:#0F172A}main{max-width:26rem;margin:0 auto;padding:1.5rem 1rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}.card{background:#fff;border-radius:14px;padding:1.25rem;
border:1px solid #CBD5E1}label{display:block;font-weight:600;margin-bottom:.4rem}
input{width:100%;min-height:48px;font-size:1.1rem;padding:.5rem .75rem;border:2px solid #475569;
border-radius:10px}input:focus{outline:3px solid #C2410C;border-color:#C2410C}
button{width:100%;min-height:48px;margin-top:1rem;font-size:1.1rem;font-weight:700;color:#fff;
background:#C2410C;border:0;border-radius:10px}
.error{color:#B91C1C;font-weight:600;margin:.6rem 0 0}
.hint{color:#334155;font-size:.95rem;margin-top:1rem}
.mark{display:inline-block;width:.9em;height:.9em;margin-right:.4em;border-radius:4px;
background:repeating-conic-gradient(#0F172A 0 25%,#fff 0 50%) 0 0/50% 50%;vertical-align:-.1em}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · Pitbox</title>{webapp.HEAD_HTML}<style>{_STYLE}</style>"
        "</head>"
        f'<body><main><h1><span class="mark"></span>Pitbox</h1>{body}</main></body></html>'
    )


def login_page(next_path: str = "/", message: str = "") -> str:
    error = f'<p class="error" role="alert" id="login-error">{html.escape(message)}</p>'
    return _page(
        "Log in",
        '<form class="card" method="post" action="/login">'
        '<label for="password">Pitbox password</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" '
        'autofocus required aria-describedby="login-error">'
        f'<input type="hidden" name="next" value="{html.escape(_safe_next(next_path))}">'
        f"{error if message else ''}"
        '<button type="submit" id="log-in">Log in</button>'
        '<p class="hint">The password and a QR code to scan are on the laptop running Pitbox: '
        "open Pitbox there and tap Devices.</p></form>",
    )


def _signed_in(request: Request, target: str) -> Response:
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        control().session_token(),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def _refused(next_path: str, message: str, retry_after: float) -> HTMLResponse:
    if retry_after > 0:
        return HTMLResponse(
            login_page(next_path, message),
            status_code=429,
            headers={"Retry-After": str(int(retry_after + 0.999))},
        )
    return HTMLResponse(login_page(next_path, message), status_code=401)


def _register_routes() -> None:
    @app.get("/login", include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> Response:
        if trusted_request(request):
            return RedirectResponse(_safe_next(next), status_code=303)
        return HTMLResponse(login_page(next))

    @app.post("/login", include_in_schema=False)
    async def log_in(request: Request) -> Response:
        form = await request.form()
        next_path = str(form.get("next") or "/")
        attempt = await control().log_in(form.get("password"), _host(request.scope))
        if attempt.accepted:
            return _signed_in(request, next_path)
        log.warning("Wrong access password from %s", _host(request.scope))
        return _refused(next_path, attempt.message, attempt.retry_after)

    @app.get("/join/{token}", include_in_schema=False)
    def join(request: Request, token: str) -> Response:
        attempt = control().redeem(token, _host(request.scope))
        if attempt.accepted:
            return _signed_in(request, "/")
        message = attempt.message if attempt.retry_after > 0 else (
            "This join code was already used or has expired. Scan the new code on the laptop, "
            "or type the password."
        )  # fmt: skip
        return _refused("/", message, attempt.retry_after)


def install(access: AccessControl, *, host: str | None) -> None:
    """Put the gate in front of the app and add the login and join routes."""
    global _control, listen_host
    _control = access
    listen_host = host
    _register_routes()
    app.add_middleware(AccessGate)


# --- signing devices out --------------------------------------------------------------------


async def sign_out_other_devices() -> int:
    """Send every page opened from another address to the login page and drop its socket.

    Their cookies stopped working with the new password; this ends what is already open.
    """
    others = [c for c in Client.instances.values() if not trusted_request(c.request)]
    for client in others:
        client.run_javascript("window.location.replace('/login')")
    if others:
        await asyncio.sleep(0.5)  # let the navigation reach the browsers first
    for client in others:
        for sid, *_ in list(core.sio.manager.get_participants("/", client.id)):
            await core.sio.disconnect(sid)
        if not client.is_deleted:
            client.delete()
    return len(others)
