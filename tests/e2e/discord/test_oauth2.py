"""An app's OAuth2 web flow against the twin, driven by requests-oauthlib (the library
Flask and Django Discord logins use): consent, code exchange, Bearer routes by scope,
refresh, revocation, expiry on the twin's clock, Add Guild Member, and RFC 6749's
errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from requests_oauthlib import OAuth2Session

from wiretwin.discord.model import Guild, User
from wiretwin.discord.permissions import Permission
from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.clock import VirtualClock

CALLBACK = "http://127.0.0.1:9/callback"


@pytest.fixture
def twin(monkeypatch: pytest.MonkeyPatch) -> Iterator[DiscordTwin]:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the twin speaks http
    made = DiscordTwin(clock=VirtualClock(start=1_750_000_000.0))
    made.start_in_thread()
    try:
        yield made
    finally:
        made.stop_thread()


def _world(twin: DiscordTwin) -> tuple[User, Guild]:
    def build() -> tuple[User, Guild]:
        model = twin.model
        alice = model.add_user("alice")
        guild = model.create_guild("Club", model.application.owner.id)
        model.add_member(guild, alice.id)
        model.add_member(guild, model.bot.id)
        twin.oauth.consenting_user_id = alice.id
        return alice, guild

    return twin.call(build)


def _login(twin: DiscordTwin, scope: list[str]) -> tuple[OAuth2Session, dict[str, Any]]:
    """The app's side: send the user to consent, take the code from the redirect,
    exchange it."""
    settings = twin.settings()["oauth2"]
    app = OAuth2Session(settings["client_id"], redirect_uri=CALLBACK, scope=scope)
    url, state = app.authorization_url(settings["authorize_url"])
    consent = requests.get(url, allow_redirects=False, timeout=10)
    assert consent.status_code == 302
    redirect = consent.headers["Location"]
    assert redirect.startswith(CALLBACK) and f"state={state}" in redirect
    token = app.fetch_token(settings["token_url"], client_secret=settings["client_secret"],
                            authorization_response=redirect)
    return app, token


def test_a_user_logs_in_to_an_app_and_the_app_reads_what_the_scopes_open(
        twin: DiscordTwin) -> None:
    alice, guild = _world(twin)
    app, token = _login(twin, ["identify", "email", "guilds"])
    assert token["token_type"] == "Bearer" and token["expires_in"] == 604800
    assert set(token["scope"]) == {"identify", "email", "guilds"}
    api = twin.http_url("/api/v10")
    me = app.get(f"{api}/users/@me").json()
    assert (me["id"], me["username"], me["verified"]) == (str(alice.id), "alice", True)
    assert me["email"].startswith("alice@")
    guilds = app.get(f"{api}/users/@me/guilds").json()
    assert [(g["id"], g["name"], g["owner"]) for g in guilds] == [(str(guild.id), "Club",
                                                                  False)]
    assert int(guilds[0]["permissions"]) & Permission.SEND_MESSAGES
    info = app.get(f"{api}/oauth2/@me").json()
    assert info["user"]["id"] == str(alice.id) and info["scopes"] == [
        "email", "guilds", "identify"]
    # Scopes it was not given stay shut; a bot token does not open Bearer-only routes.
    assert app.get(f"{api}/users/@me/guilds/{guild.id}/member").status_code == 401
    bot = {"Authorization": f"Bot {twin.application.token}"}
    assert requests.get(f"{api}/users/@me/connections", headers=bot,
                        timeout=10).status_code == 401
    assert requests.get(f"{api}/users/@me", headers=bot, timeout=10).json()["bot"] is True


def test_refresh_revoke_and_expiry(twin: DiscordTwin) -> None:
    _world(twin)
    settings = twin.settings()["oauth2"]
    app, first = _login(twin, ["identify"])
    api = twin.http_url("/api/v10")
    second = app.refresh_token(settings["token_url"], client_id=settings["client_id"],
                               client_secret=settings["client_secret"])
    assert second["access_token"] != first["access_token"]
    stale = {"Authorization": f"Bearer {first['access_token']}"}
    assert requests.get(f"{api}/users/@me", headers=stale, timeout=10).status_code == 401
    assert app.get(f"{api}/users/@me").status_code == 200
    revoked = requests.post(f"{twin.http_url('/api/oauth2/token/revoke')}",
                            data={"token": second["refresh_token"]},
                            auth=(settings["client_id"], settings["client_secret"]),
                            timeout=10)
    assert revoked.status_code == 200
    assert app.get(f"{api}/users/@me").status_code == 401  # the whole authorization went
    app, _ = _login(twin, ["identify"])
    assert isinstance(twin.clock, VirtualClock)
    twin.clock.advance_sync(604_799)
    assert app.get(f"{api}/users/@me").status_code == 200
    twin.clock.advance_sync(2)
    assert app.get(f"{api}/users/@me").status_code == 401


def test_the_token_endpoints_errors_are_rfc_6749s(twin: DiscordTwin) -> None:
    _world(twin)
    settings = twin.settings()["oauth2"]
    token_url = settings["token_url"]
    client = (settings["client_id"], settings["client_secret"])

    def post(data: dict[str, str], **kwargs: Any) -> tuple[int, dict[str, Any]]:
        answer = requests.post(token_url, data=data, timeout=10, **kwargs)
        return answer.status_code, answer.json()

    assert post({"grant_type": "authorization_code", "code": "nope",
                 "redirect_uri": CALLBACK}, auth=client) == (
        400, {"error": "invalid_grant", "error_description": 'Invalid "code" in request.'})
    assert post({"grant_type": "client_credentials"},
                auth=(settings["client_id"], "wrong"))[1]["error"] == "invalid_client"
    assert post({"grant_type": "password"}, auth=client)[1]["error"] == \
        "unsupported_grant_type"
    as_json = requests.post(token_url, json={"grant_type": "client_credentials"},
                            auth=client, timeout=10)
    assert as_json.status_code == 400 and as_json.json()["error"] == "unsupported_grant_type"
    status, owner = post({"grant_type": "client_credentials", "scope": "identify"},
                         auth=client)
    assert status == 200 and "refresh_token" not in owner
    me = requests.get(twin.http_url("/api/v10/users/@me"), timeout=10,
                      headers={"Authorization": f"Bearer {owner['access_token']}"}).json()
    assert me["id"] == str(twin.application.owner.id)
    # A code is single-use, and bound to the redirect URI it was issued for.
    app = OAuth2Session(settings["client_id"], redirect_uri=CALLBACK, scope=["identify"])
    url, _ = app.authorization_url(settings["authorize_url"])
    code = requests.get(url, allow_redirects=False, timeout=10).headers["Location"].split(
        "code=")[1].split("&")[0]
    exchange = {"grant_type": "authorization_code", "code": code}
    assert post({**exchange, "redirect_uri": "http://127.0.0.1:9/other"}, auth=client) == (
        400, {"error": "invalid_grant",
              "error_description": 'Invalid "redirect_uri" in request.'})
    assert post({**exchange, "redirect_uri": CALLBACK}, auth=client)[1][
        "error_description"] == 'Invalid "code" in request.'  # the try above used it up


def test_consent_refused_and_bad_requests_on_the_authorize_page(twin: DiscordTwin) -> None:
    _world(twin)
    settings = twin.settings()["oauth2"]
    app = OAuth2Session(settings["client_id"], redirect_uri=CALLBACK, scope=["identify"])
    url, state = app.authorization_url(settings["authorize_url"])
    twin.oauth.deny_next = True
    refused = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    assert "error=access_denied" in refused and f"state={state}" in refused
    bad_scope = OAuth2Session(settings["client_id"], redirect_uri=CALLBACK,
                              scope=["identify", "superpowers"])
    url, _ = bad_scope.authorization_url(settings["authorize_url"])
    assert "error=invalid_scope" in requests.get(url, allow_redirects=False,
                                                 timeout=10).headers["Location"]
    stranger = OAuth2Session("123", redirect_uri=CALLBACK, scope=["identify"])
    url, _ = stranger.authorization_url(settings["authorize_url"])
    page = requests.get(url, allow_redirects=False, timeout=10)
    assert page.status_code == 400 and "Unknown Application" in page.text
    twin.oauth.redirect_uris = ["http://127.0.0.1:9/registered"]
    url, _ = app.authorization_url(settings["authorize_url"])
    assert requests.get(url, allow_redirects=False, timeout=10).status_code == 400


def test_the_bot_adds_a_user_who_granted_guilds_join(twin: DiscordTwin) -> None:
    _world(twin)
    joiner = twin.call(lambda: twin.model.add_user("bob"))
    twin.oauth.consenting_user_id = joiner.id
    guild = twin.call(lambda: twin.model.create_guild("Lobby", twin.model.bot.id))
    _, token = _login(twin, ["identify", "guilds.join"])
    url = twin.http_url(f"/api/v10/guilds/{guild.id}/members/{joiner.id}")
    bot = {"Authorization": f"Bot {twin.application.token}"}
    added = requests.put(url, json={"access_token": token["access_token"], "nick": "Bobby"},
                         headers=bot, timeout=10)
    assert added.status_code == 201 and added.json()["nick"] == "Bobby"
    assert joiner.id in guild.members
    again = requests.put(url, json={"access_token": token["access_token"]}, headers=bot,
                         timeout=10)
    assert again.status_code == 204
    _, narrow = _login(twin, ["identify"])
    refused = requests.put(url, json={"access_token": narrow["access_token"]}, headers=bot,
                           timeout=10)
    assert (refused.status_code, refused.json()["code"]) == (403, 50001)
