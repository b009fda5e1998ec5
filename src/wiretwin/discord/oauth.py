"""Discord's OAuth2, as an app's web flow meets it (developers/topics/oauth2).

The twin's application has a client id (its id) and a client secret. A user consents on
``/oauth2/authorize`` (the twin consents at once, as the user the test chose, or refuses
if told to) and the app's redirect URI gets a ``code``; ``POST /api/oauth2/token``
exchanges it (``authorization_code``), refreshes a token (``refresh_token``) or gives
the owner's token (``client_credentials``); ``/oauth2/token/revoke`` ends an
authorization. A Bearer token then reaches the routes its scopes open. Tokens expire on
the twin's clock (604,800 s, Discord's ``expires_in``); a code is single-use and lasts
ten minutes. Errors are RFC 6749's, as Discord answers them
(``{"error": "invalid_grant", "error_description": ...}``).

Authorizations are not part of a snapshot (they are credentials, not the world); a
reset forgets them. Memory is bounded: past :data:`MAX_GRANTS` authorizations or
:data:`MAX_CODES` unused codes, the oldest go.
"""

from __future__ import annotations

import hmac
import random
import string
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..runtime.clock import Clock

#: Discord's scopes (the "OAuth2 Scopes" table).
SCOPES = frozenset({
    "activities.read", "activities.write", "applications.builds.read",
    "applications.builds.upload", "applications.commands", "applications.commands.update",
    "applications.commands.permissions.update", "applications.entitlements",
    "applications.store.update", "bot", "connections", "dm_channels.read", "email",
    "gdm.join", "guilds", "guilds.join", "guilds.members.read", "identify",
    "messages.read", "relationships.read", "role_connections.write", "rpc",
    "rpc.activities.write", "rpc.notifications.read", "rpc.voice.read", "rpc.voice.write",
    "voice", "webhook.incoming",
})
TOKEN_LIFETIME = 604_800.0
CODE_LIFETIME = 600.0
MAX_GRANTS = 10_000
MAX_CODES = 1_000
_ALPHABET = string.ascii_letters + string.digits


class OAuthError(Exception):
    """RFC 6749's error answer: ``status`` and ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def to_json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass
class Grant:
    """One authorization: a user's consent to the app for ``scopes``, and its tokens."""

    user_id: int
    scopes: frozenset[str]
    access_token: str
    refresh_token: str | None
    expires_at: float

    @property
    def scope(self) -> str:
        return " ".join(sorted(self.scopes))


@dataclass
class _Code:
    user_id: int
    scopes: frozenset[str]
    redirect_uri: str | None
    expires_at: float


@dataclass
class OAuth:
    """The application's OAuth2 state (``twin.oauth``)."""

    client_id: int
    client_secret: str
    #: The application owner's id now (a world may bring another owner).
    owner: Callable[[], int]
    clock: Clock
    rng: random.Random
    #: Redirect URIs registered for the app. Empty: any http(s) URI is taken (a test
    #: app on a random port); set it to hold the app to its registered ones.
    redirect_uris: list[str] = field(default_factory=list)
    #: Who consents on ``/oauth2/authorize`` (the application's owner unless told).
    consenting_user_id: int | None = None
    #: True: the next consent is refused (``error=access_denied``), once.
    deny_next: bool = False
    _codes: OrderedDict[str, _Code] = field(default_factory=OrderedDict)
    _grants: OrderedDict[str, Grant] = field(default_factory=OrderedDict)

    # -- consent ------------------------------------------------------------------------

    def check_scopes(self, scope: str | Iterable[str]) -> frozenset[str]:
        wanted = frozenset(scope.split() if isinstance(scope, str) else scope)
        unknown = sorted(wanted - SCOPES)
        if not wanted or unknown:
            raise OAuthError("invalid_scope", f"Invalid scope(s): {', '.join(unknown)}"
                             if unknown else "No scope given")
        return wanted

    def check_redirect(self, redirect_uri: str | None) -> str | None:
        if redirect_uri is None:
            return self.redirect_uris[0] if self.redirect_uris else None
        if self.redirect_uris and redirect_uri not in self.redirect_uris:
            raise OAuthError("invalid_request", "Invalid \"redirect_uri\" in request.")
        if not redirect_uri.startswith(("http://", "https://")):
            raise OAuthError("invalid_request", "Invalid \"redirect_uri\" in request.")
        return redirect_uri

    def authorize(self, user_id: int, scope: str | Iterable[str],
                  redirect_uri: str | None = None) -> str:
        """The user consents: a code for the app to exchange (what the redirect carries)."""
        scopes = self.check_scopes(scope)
        code = self._token(30)
        self._codes[code] = _Code(user_id, scopes, redirect_uri,
                                  self.clock.time() + CODE_LIFETIME)
        while len(self._codes) > MAX_CODES:
            self._codes.popitem(last=False)
        return code

    def implicit(self, user_id: int, scope: str | Iterable[str]) -> Grant:
        """The implicit grant: a token at once, and no refresh token."""
        return self._grant(user_id, self.check_scopes(scope), refresh=False)

    # -- the token endpoint ---------------------------------------------------------------

    def check_client(self, client_id: str | None, client_secret: str | None) -> None:
        if client_id != str(self.client_id) or client_secret is None \
                or not hmac.compare_digest(client_secret, self.client_secret):
            raise OAuthError("invalid_client", "Invalid client", 401)

    def exchange(self, code: str | None, redirect_uri: str | None) -> Grant:
        held = self._codes.pop(code or "", None)
        if held is None or held.expires_at <= self.clock.time():
            raise OAuthError("invalid_grant", "Invalid \"code\" in request.")
        if held.redirect_uri is not None and redirect_uri != held.redirect_uri:
            raise OAuthError("invalid_grant", "Invalid \"redirect_uri\" in request.")
        return self._grant(held.user_id, held.scopes, refresh=True)

    def refresh(self, refresh_token: str | None) -> Grant:
        old = next((g for g in self._grants.values()
                    if refresh_token and g.refresh_token == refresh_token), None)
        if old is None:
            raise OAuthError("invalid_grant", "Invalid \"refresh_token\" in request.")
        del self._grants[old.access_token]
        return self._grant(old.user_id, old.scopes, refresh=True)

    def client_credentials(self, scope: str | None) -> Grant:
        scopes = self.check_scopes(scope or "identify")
        return self._grant(self.owner(), scopes, refresh=False)

    def revoke(self, token: str | None) -> None:
        """Ends the authorization the access or refresh token belongs to (unknown
        tokens are no error, as RFC 7009 has it)."""
        for access, grant in list(self._grants.items()):
            if token in (access, grant.refresh_token):
                del self._grants[access]

    # -- Bearer requests ------------------------------------------------------------------

    def grant_for(self, access_token: str) -> Grant | None:
        """The live authorization of a Bearer token, or None (unknown, revoked, expired)."""
        grant = self._grants.get(access_token)
        if grant is None or grant.expires_at <= self.clock.time():
            return None
        return grant

    @property
    def grants(self) -> list[Grant]:
        """Live authorizations, oldest first."""
        now = self.clock.time()
        return [g for g in self._grants.values() if g.expires_at > now]

    def clear(self) -> None:
        self._codes.clear()
        self._grants.clear()
        self.deny_next = False
        self.consenting_user_id = None

    def _grant(self, user_id: int, scopes: frozenset[str], *, refresh: bool) -> Grant:
        grant = Grant(user_id, scopes, self._token(30), self._token(30) if refresh else None,
                      self.clock.time() + TOKEN_LIFETIME)
        self._grants[grant.access_token] = grant
        while len(self._grants) > MAX_GRANTS:
            self._grants.popitem(last=False)
        return grant

    def _token(self, length: int) -> str:
        return "".join(self.rng.choice(_ALPHABET) for _ in range(length))


def token_answer(grant: Grant) -> dict[str, object]:
    """The token endpoint's answer for ``grant``."""
    answer: dict[str, object] = {"access_token": grant.access_token, "token_type": "Bearer",
                                 "expires_in": int(TOKEN_LIFETIME)}
    if grant.refresh_token is not None:
        answer["refresh_token"] = grant.refresh_token
    answer["scope"] = grant.scope
    return answer


__all__ = ["CODE_LIFETIME", "MAX_CODES", "MAX_GRANTS", "SCOPES", "TOKEN_LIFETIME", "Grant",
           "OAuth", "OAuthError", "token_answer"]
