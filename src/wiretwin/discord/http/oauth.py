"""OAuth2 over HTTP (see :mod:`wiretwin.discord.oauth`): the consent page, the token and
revocation endpoints, the Bearer routes and Add Guild Member.

* ``GET /oauth2/authorize`` (Discord's authorization URL, at the root as on
  discord.com): the twin consents at once as ``twin.oauth.consenting_user_id`` (the
  application's owner unless set) and redirects to ``redirect_uri`` with ``code`` and
  ``state`` (``response_type=token``: the token in the fragment); an unknown client or a
  redirect URI it may not use is a 400 page, as Discord shows one instead of
  redirecting; a refused consent (``twin.oauth.deny_next``) or a bad scope redirects
  with ``error``.
* ``POST /api/oauth2/token`` and ``/token/revoke``: form bodies only (JSON is refused, as
  Discord's docs warn), client authentication by HTTP Basic or ``client_id`` and
  ``client_secret`` in the form.
* With a Bearer token: ``GET /users/@me`` (``identify``; ``email`` adds the address),
  ``/users/@me/guilds`` (``guilds``), ``/users/@me/guilds/{guild}/member``
  (``guilds.members.read``), ``/users/@me/connections`` (``connections``: none here),
  ``GET /oauth2/@me`` (any live token).
* ``PUT /guilds/{guild}/members/{user}`` with the bot's token and the user's
  ``access_token`` (``guilds.join``): the user joins (201 with the member; 204 if a
  member already).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from ..errors import MISSING_ACCESS, MISSING_PERMISSIONS, UNKNOWN_GUILD
from ..model import DiscordModel
from ..oauth import Grant, OAuth, OAuthError, token_answer
from ..permissions import Permission
from ..wire.fields import Form
from ..wire.params import read_json, snowflake_arg
from ..wire.serialize import iso
from .app import GRANT, RestApp, json_response
from .core import user_guilds


def _grant(request: web.Request) -> Grant:
    grant: Grant = request[GRANT]
    return grant


class OAuthRoutes:
    def __init__(self, app: RestApp, model: DiscordModel, oauth: OAuth) -> None:
        self.model = model
        self.oauth = oauth
        app.add("POST", "/oauth2/token", self.token, auth=False)
        app.add("POST", "/oauth2/token/revoke", self.revoke, auth=False)
        app.bearer("GET", "/oauth2/@me", self.authorization, None)
        app.bearer("GET", "/users/@me", self.me, "identify")
        app.bearer("GET", "/users/@me/guilds", self.guilds, "guilds")
        app.bearer("GET", "/users/@me/guilds/{guild_id}/member", self.member,
                   "guilds.members.read")
        app.bearer("GET", "/users/@me/connections", self.connections, "connections")
        app.add("PUT", "/guilds/{guild_id}/members/{user_id}", self.add_member)
        app.grant_for = oauth.grant_for

    # -- consent --------------------------------------------------------------------------

    async def authorize(self, request: web.Request) -> web.StreamResponse:
        """The consent page (root path): redirects at once, as a user who clicked
        "Authorize" would be."""
        q = request.query
        if q.get("client_id") != str(self.oauth.client_id):
            return _page(400, "Unknown Application")
        try:
            redirect = self.oauth.check_redirect(q.get("redirect_uri"))
        except OAuthError:
            return _page(400, "Invalid OAuth2 redirect_uri")
        if redirect is None:
            return _page(400, "Invalid OAuth2 redirect_uri")
        response_type = q.get("response_type", "code")
        state = {"state": q["state"]} if "state" in q else {}
        user = self.oauth.consenting_user_id or self.oauth.owner()
        try:
            if response_type not in ("code", "token"):
                raise OAuthError("unsupported_response_type",
                                 f"Unsupported response type {response_type!r}")
            if self.oauth.deny_next:
                self.oauth.deny_next = False
                raise OAuthError("access_denied", "The resource owner or authorization "
                                 "server denied the request")
            if response_type == "token":
                grant = self.oauth.implicit(user, q.get("scope", ""))
                fragment = urlencode({**token_answer(grant), **state})
                return _redirect(f"{redirect}#{fragment}")
            code = self.oauth.authorize(user, q.get("scope", ""), q.get("redirect_uri"))
        except OAuthError as refused:
            return _redirect(_join(redirect, {"error": refused.error,
                                              "error_description": refused.description,
                                              **state}))
        return _redirect(_join(redirect, {"code": code, **state}))

    # -- the token endpoint ---------------------------------------------------------------

    async def token(self, request: web.Request) -> web.StreamResponse:
        try:
            form = await self._client_form(request)
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                grant = self.oauth.exchange(form.get("code"), form.get("redirect_uri"))
            elif grant_type == "refresh_token":
                grant = self.oauth.refresh(form.get("refresh_token"))
            elif grant_type == "client_credentials":
                grant = self.oauth.client_credentials(form.get("scope"))
            else:
                raise OAuthError("unsupported_grant_type",
                                 f"Grant type {grant_type} is not supported")
        except OAuthError as refused:
            return json_response(refused.to_json(), refused.status)
        return json_response(token_answer(grant))

    async def revoke(self, request: web.Request) -> web.StreamResponse:
        try:
            form = await self._client_form(request)
        except OAuthError as refused:
            return json_response(refused.to_json(), refused.status)
        self.oauth.revoke(form.get("token"))
        return json_response({})

    async def _client_form(self, request: web.Request) -> dict[str, str]:
        if request.content_type != "application/x-www-form-urlencoded":
            # Without a form there is no grant_type to read: Discord's answer.
            raise OAuthError("unsupported_grant_type", "Grant type None is not supported")
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        client_id, secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client", "Invalid client", 401) from None
        self.oauth.check_client(client_id, secret)
        return form

    # -- Bearer routes --------------------------------------------------------------------

    async def authorization(self, request: web.Request) -> dict[str, Any]:
        grant = _grant(request)
        out: dict[str, Any] = {"application": self.model.application.to_json(),
                               "scopes": sorted(grant.scopes),
                               "expires": iso(grant.expires_at * 1000)}
        if "identify" in grant.scopes:
            out["user"] = self.model.user(grant.user_id).to_json()
        return out

    async def me(self, request: web.Request) -> dict[str, Any]:
        grant = _grant(request)
        user = self.model.user(grant.user_id)
        data = user.to_json()
        data.update({"mfa_enabled": False, "locale": "en-US", "premium_type": 0})
        if "email" in grant.scopes:
            data.update({"email": f"{user.username}@users.wiretwin.invalid",
                         "verified": True})
        return data

    async def guilds(self, request: web.Request) -> list[dict[str, Any]]:
        return user_guilds(self.model, request, _grant(request).user_id)

    async def member(self, request: web.Request) -> dict[str, Any]:
        guild = self.model.guilds.get(snowflake_arg(request, "guild_id"))
        user_id = _grant(request).user_id
        if guild is None or user_id not in guild.members:
            raise UNKNOWN_GUILD()
        return self.model.member_json(guild, user_id)

    async def connections(self, request: web.Request) -> list[dict[str, Any]]:
        return []

    # -- Add Guild Member -----------------------------------------------------------------

    async def add_member(self, request: web.Request) -> web.StreamResponse:
        guild = self.model.guild(snowflake_arg(request, "guild_id"))
        user_id = snowflake_arg(request, "user_id")
        form = Form(await read_json(request))
        token = form.string("access_token", required=True)
        nick = form.string("nick", 1, 32)
        roles = form.snowflakes("roles", 0, 250)
        form.check()
        grant = self.oauth.grant_for(token or "")
        if grant is None or grant.user_id != user_id or "guilds.join" not in grant.scopes:
            raise MISSING_ACCESS()
        bot = self.model.bot.id
        if bot not in guild.members:
            raise MISSING_ACCESS()
        needed = Permission.CREATE_INSTANT_INVITE
        if nick is not None:
            needed |= Permission.MANAGE_NICKNAMES
        if roles:
            needed |= Permission.MANAGE_ROLES
        if self.model.guild_permissions(guild, bot) & needed != needed:
            raise MISSING_PERMISSIONS()
        if user_id in guild.members:
            return web.Response(status=204)
        self.model.add_member(guild, user_id, roles=list(roles or []), nick=nick)
        return json_response(self.model.member_json(guild, user_id), 201)


def _join(uri: str, params: dict[str, str]) -> str:
    return f"{uri}{'&' if '?' in uri else '?'}{urlencode(params)}"


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


def _page(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=f"{status}: {message}",
                        content_type="text/plain")


__all__ = ["OAuthRoutes"]
