"""A tiny OpenID Connect provider for end-to-end tests: authorization-code flow, RS256.

It runs on localhost in a thread of the test process. Whoever the browser sends to
/authorize is signed in at once as ``provider.email`` (no login page) and sent back to
the client's redirect_uri with a code and the same state; /token turns that code into
an id_token signed with the provider's RSA key (carrying the authorize request's nonce),
and /jwks publishes the public key. Every request is kept in ``provider.requests`` so a
test can check what the client sent.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


@dataclass
class Grant:
    """What an authorize request granted, redeemed once at /token."""

    client_id: str
    redirect_uri: str
    nonce: str | None
    email: str
    name: str


@dataclass
class FakeProvider:
    """The provider; ``start()`` it, point a client's server_metadata_url at
    ``metadata_url``, set ``email``/``name`` to the identity it signs in, ``stop()`` it."""

    client_id: str = "gridpulse"
    client_secret: str = "gridpulse-secret"
    email: str = "someone@example.org"
    name: str = "Someone"
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "e2e-1", "use": "sig"})
        self._grants: dict[str, Grant] = {}
        self._tokens: dict[str, Grant] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- life cycle ------------------------------------------------------------------
    def start(self) -> FakeProvider:
        provider = self

        class Handler(_Handler):
            owner = provider

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def issuer(self) -> str:
        assert self._server is not None, "start() the provider first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    # -- the endpoints ---------------------------------------------------------------
    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "grant_types_supported": ["authorization_code"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "email", "name"],
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Sign ``self.email`` in and send the browser back with a code and the state."""
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect_uri:
            return _json(400, {"error": "invalid_request"})
        if query.get("response_type") != "code" or "openid" not in query.get("scope", ""):
            return _redirect(redirect_uri, error="unsupported_response_type", **_state(query))
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = Grant(
                self.client_id, redirect_uri, query.get("nonce"), self.email, self.name
            )
        return _redirect(redirect_uri, code=code, **_state(query))

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict, bytes]:
        """Redeem a code (once) for an access token and a signed id_token."""
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            raw = base64.b64decode(authorization[6:]).decode()
            client_id, _, client_secret = raw.partition(":")
        if client_id != self.client_id or client_secret != self.client_secret:
            return _json(401, {"error": "invalid_client"})
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or grant.redirect_uri != form.get("redirect_uri")
        ):
            return _json(400, {"error": "invalid_grant"})
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": f"sub-{grant.email.lower()}",
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 600,
            "auth_time": now,
            "email": grant.email,
            "email_verified": True,
            "name": grant.name,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        header = {"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access_token] = grant
        return _json(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 600,
                "scope": "openid email profile",
                "id_token": jwt.encode(header, claims, self.key),
            },
        )

    def userinfo(self, authorization: str) -> tuple[int, dict, bytes]:
        with self._lock:
            grant = self._tokens.get(authorization.removeprefix("Bearer "))
        if grant is None:
            return _json(401, {"error": "invalid_token"})
        email = grant.email
        return _json(200, {"sub": f"sub-{email.lower()}", "email": email, "name": grant.name})

    def jwks(self) -> dict:
        return KeySet([self.key]).as_dict(private=False)


class _Handler(BaseHTTPRequestHandler):
    owner: FakeProvider

    def do_GET(self) -> None:  # http.server's naming
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self._note("GET", parts.path, query)
        owner = self.owner
        if parts.path == "/.well-known/openid-configuration":
            self._send(*_json(200, owner.metadata()))
        elif parts.path == "/jwks":
            self._send(*_json(200, owner.jwks()))
        elif parts.path == "/authorize":
            self._send(*owner.authorize(query))
        elif parts.path == "/userinfo":
            self._send(*owner.userinfo(self.headers.get("Authorization", "")))
        else:
            self._send(*_json(404, {"error": "not_found"}))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        form = {k: v[-1] for k, v in parse_qs(body).items()}
        path = urlsplit(self.path).path
        self._note("POST", path, form)
        if path == "/token":
            self._send(*self.owner.token(form, self.headers.get("Authorization", "")))
        elif path == "/userinfo":
            self._send(*self.owner.userinfo(self.headers.get("Authorization", "")))
        else:
            self._send(*_json(404, {"error": "not_found"}))

    def _note(self, method: str, path: str, params: dict[str, str]) -> None:
        with self.owner._lock:
            self.owner.requests.append((method, path, params))

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        pass  # keep the test output quiet


def _state(query: dict[str, str]) -> dict[str, str]:
    return {"state": query["state"]} if "state" in query else {}


def _json(status: int, payload: dict) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps(payload).encode()
    return status, {"Content-Type": "application/json"}, body


def _redirect(uri: str, **params: str) -> tuple[int, dict[str, str], bytes]:
    joiner = "&" if urlsplit(uri).query else "?"
    return 302, {"Location": f"{uri}{joiner}{urlencode(params)}"}, b""
