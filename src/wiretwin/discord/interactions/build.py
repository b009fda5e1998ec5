"""INTERACTION_CREATE payloads, built from the world as Discord builds them.

The Discord client only lets a user invoke what the command allows, so the options a
test gives are checked against the registered command (names, types, required options,
choices, ranges, channel types) and a mistake is the test's, raised as ``ValueError``
with what the command accepts. Snowflake options (user, member, role, channel,
mentionable, attachment) carry the id as a string and the object in ``data.resolved``.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from typing import Any

from ..model import Attachment, Channel, DiscordModel, Guild, Message
from ..model.entities import ChannelType
from ..permissions import Permission
from ..wire.components import accepts
from ..wire.serialize import interaction_guild_json
from .records import APPLICATION_COMMAND, AUTOCOMPLETE, MESSAGE_COMPONENT, MODAL_SUBMIT

_SNOWFLAKE_TYPES = (6, 7, 8, 9, 11)
_TYPE_NAMES = {1: "subcommand", 2: "subcommand group", 3: "string", 4: "integer",
               5: "boolean", 6: "user", 7: "channel", 8: "role", 9: "mentionable",
               10: "number", 11: "attachment"}
#: Discord's DM permissions for an app (its reference, "app_permissions").
_DM_APP_PERMISSIONS = (Permission.ATTACH_FILES | Permission.EMBED_LINKS
                       | Permission.MENTION_EVERYONE | Permission.USE_EXTERNAL_EMOJIS)


def new_token() -> str:
    return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)


class PayloadBuilder:
    def __init__(self, model: DiscordModel) -> None:
        self.model = model

    # -- what every interaction carries -------------------------------------------------

    def common(self, interaction_id: int, token: str, kind: int, user_id: int,
               channel: Channel) -> dict[str, Any]:
        model = self.model
        payload: dict[str, Any] = {
            "id": str(interaction_id), "application_id": str(model.application.id),
            "type": kind, "token": token, "version": 1, "locale": "en-US",
            "entitlements": [], "attachment_size_limit": model.attachment_limit,
            "channel_id": str(channel.id), "channel": self.channel(channel, user_id),
        }
        if channel.guild_id is not None:
            guild = model.guilds[channel.guild_id]
            payload.update({
                "guild_id": str(guild.id),
                "guild": interaction_guild_json(guild),
                "guild_locale": "en-US",
                "member": {**model.member_json(guild, user_id),
                           "permissions": str(int(model.permissions(channel, user_id)))},
                "app_permissions": str(int(model.permissions(channel, model.bot.id))),
                "authorizing_integration_owners": {"0": str(guild.id)},
                "context": 0,
            })
        else:
            payload.update({
                "user": model.users[user_id].to_json(),
                "app_permissions": str(int(_DM_APP_PERMISSIONS)),
                "authorizing_integration_owners": {"0": "0"},
                "context": 1,
            })
        return payload

    def channel(self, channel: Channel, user_id: int) -> dict[str, Any]:
        data = self.model.channel_json(channel)
        data["permissions"] = str(int(self.model.permissions(channel, user_id)))
        return data

    # -- application commands -----------------------------------------------------------

    def command(self, interaction_id: int, token: str, command: dict[str, Any], user_id: int,
                channel: Channel, options: dict[str, Any], *, path: list[str],
                focused: str | None = None, target: int | None = None) -> dict[str, Any]:
        """A CHAT_INPUT, USER or MESSAGE command (or, with ``focused``, autocomplete)."""
        kind = AUTOCOMPLETE if focused is not None else APPLICATION_COMMAND
        payload = self.common(interaction_id, token, kind, user_id, channel)
        resolved: dict[str, dict[str, Any]] = {}
        data: dict[str, Any] = {"id": command["id"], "name": command["name"],
                                "type": command["type"]}
        if command.get("guild_id") is not None:
            data["guild_id"] = command["guild_id"]
        guild = self.model.guilds.get(channel.guild_id) if channel.guild_id else None
        if command["type"] == 1:
            built = self._options(command, path, options, guild, channel, resolved, focused,
                                  user_id)
            if built:
                data["options"] = built
        elif command["type"] == 2:
            assert target is not None
            self._resolve_user(target, guild, resolved)
            data["target_id"] = str(target)
        else:
            assert target is not None
            message = self._find_message(channel, target)
            resolved.setdefault("messages", {})[str(target)] = self.model.message_json(message)
            data["target_id"] = str(target)
        if resolved and focused is None:
            data["resolved"] = resolved
        payload["data"] = data
        return payload

    def _options(self, command: dict[str, Any], path: list[str], given: dict[str, Any],
                 guild: Guild | None, channel: Channel, resolved: dict[str, dict[str, Any]],
                 focused: str | None, user_id: int) -> list[dict[str, Any]]:
        level: list[dict[str, Any]] = command.get("options") or []
        where = command["name"]
        chain: list[dict[str, Any]] = []
        for name in path:
            found = next((o for o in level if o["name"] == name and o["type"] in (1, 2)), None)
            if found is None:
                subs = [o["name"] for o in level if o["type"] in (1, 2)]
                raise ValueError(f"/{where} has no subcommand {name!r} (it has "
                                 f"{', '.join(subs) or 'none'})")
            chain.append({"name": name, "type": found["type"], "options": []})
            where += f" {name}"
            level = found.get("options") or []
        if any(o["type"] in (1, 2) for o in level):
            subs = [o["name"] for o in level if o["type"] in (1, 2)]
            raise ValueError(f"/{where} needs a subcommand: one of {', '.join(subs)}")
        known = {o["name"]: o for o in level}
        unknown = [k for k in given if k not in known]
        if unknown:
            raise ValueError(f"/{where} has no option {unknown[0]!r} (its options: "
                             f"{', '.join(known) or 'none'})")
        if focused is not None and focused not in known:
            raise ValueError(f"/{where} has no option {focused!r} to autocomplete")
        if focused is not None and not known[focused].get("autocomplete"):
            raise ValueError(f"/{where}'s option {focused!r} does not autocomplete")
        leaf: list[dict[str, Any]] = []
        for option in level:
            name = option["name"]
            if name not in given:
                if option.get("required") and focused is None:
                    raise ValueError(f"/{where} needs its required option {name!r} "
                                     f"({_TYPE_NAMES[option['type']]})")
                continue
            if name == focused:
                leaf.append({"name": name, "type": option["type"],
                             "value": str(given[name]), "focused": True})
                continue
            value = self._value(option, given[name], where, guild, channel, resolved, user_id)
            leaf.append({"name": name, "type": option["type"], "value": value})
        if not chain:
            return leaf
        chain[-1]["options"] = leaf
        for outer, inner in itertools.pairwise(chain):
            outer["options"] = [inner]
        return [chain[0]]

    def _value(self, option: dict[str, Any], value: Any, where: str, guild: Guild | None,
               channel: Channel, resolved: dict[str, dict[str, Any]], user_id: int) -> Any:
        """The option's wire value, checked; snowflake ones are added to ``resolved``."""
        kind, name = option["type"], option["name"]
        label = f"/{where} option {name!r} ({_TYPE_NAMES[kind]})"
        if kind == 3:
            if not isinstance(value, str):
                raise ValueError(f"{label} takes a string, not {value!r}")
            low, high = option.get("min_length", 0), option.get("max_length", 6000)
            if not low <= len(value) <= high:
                raise ValueError(f"{label} must be {low}-{high} characters long")
        elif kind == 4:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{label} takes an integer, not {value!r}")
        elif kind == 10:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{label} takes a number, not {value!r}")
        elif kind == 5 and not isinstance(value, bool):
            raise ValueError(f"{label} takes true or false, not {value!r}")
        if kind in (4, 10):
            low, high = option.get("min_value"), option.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(f"{label} must be between {low} and {high}, not {value}")
        if kind in (3, 4, 10) and option.get("choices"):
            allowed = [c["value"] for c in option["choices"]]
            if value not in allowed:
                raise ValueError(f"{label} must be one of its choices {allowed}, not "
                                 f"{value!r}")
        if kind not in _SNOWFLAKE_TYPES:
            return value
        if kind == 11:
            if not isinstance(value, Attachment):
                raise ValueError(f"{label} takes a file")
            resolved.setdefault("attachments", {})[str(value.id)] = {
                **value.to_json(), "ephemeral": True}
            return str(value.id)
        if not isinstance(value, int):
            raise ValueError(f"{label} takes an id or an object with one, not {value!r}")
        if kind == 6:
            self._resolve_user(value, guild, resolved, label=label)
        elif kind == 8:
            self._resolve_role(value, guild, resolved, label)
        elif kind == 7:
            target = self.model.channels.get(value)
            if target is None or target.guild_id != channel.guild_id:
                raise ValueError(f"{label}: no channel {value} here")
            types = option.get("channel_types")
            if types and target.type not in types:
                raise ValueError(f"{label} takes channels of types {types}, not "
                                 f"{ChannelType(target.type).name}")
            partial = {k: v for k, v in self.model.channel_json(target).items() if k in (
                "id", "name", "type", "last_message_id", "last_pin_timestamp", "nsfw",
                "parent_id", "guild_id", "flags", "rate_limit_per_user", "topic",
                "position")}
            partial["permissions"] = str(int(self.model.permissions(target, user_id)))
            resolved.setdefault("channels", {})[str(value)] = partial
        else:  # mentionable: a role of this guild, or else a user
            if guild is not None and value in guild.roles:
                self._resolve_role(value, guild, resolved, label)
            else:
                self._resolve_user(value, guild, resolved, label=label)
        return str(value)

    # -- components and modals ----------------------------------------------------------

    def component(self, interaction_id: int, token: str, user_id: int, channel: Channel,
                  message: Message, component: dict[str, Any],
                  values: list[Any] | None) -> dict[str, Any]:
        """A button click (``values`` None) or a select's picks (MESSAGE_COMPONENT)."""
        payload = self.common(interaction_id, token, MESSAGE_COMPONENT, user_id, channel)
        data: dict[str, Any] = {"custom_id": component["custom_id"],
                                "component_type": component["type"]}
        if "id" in component:
            data["id"] = component["id"]
        if values is not None:
            data["values"] = [str(v) for v in values]
            resolved = self._select_resolved(component, values, channel)
            if resolved:
                data["resolved"] = resolved
        payload["data"] = data
        payload["message"] = self.model.message_json(message)
        return payload

    def _select_resolved(self, component: dict[str, Any], values: list[Any],
                         channel: Channel) -> dict[str, dict[str, Any]]:
        kind = component["type"]
        resolved: dict[str, dict[str, Any]] = {}
        if kind == 3:
            return resolved
        guild = self.model.guilds.get(channel.guild_id) if channel.guild_id else None
        option = {"type": {5: 6, 6: 8, 7: 7, 8: 9}[kind], "name": component["custom_id"],
                  "channel_types": component.get("channel_types")}
        for value in values:
            self._value(option, int(value), "select", guild, channel, resolved,
                        self.model.bot.id)
        return resolved

    def modal_submit(self, interaction_id: int, token: str, user_id: int, channel: Channel,
                     modal: dict[str, Any], values: dict[str, Any],
                     message: Message | None) -> dict[str, Any]:
        """The user's answers to a modal, in the layout the modal was sent with."""
        payload = self.common(interaction_id, token, MODAL_SUBMIT, user_id, channel)
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        resolved: dict[str, dict[str, Any]] = {}
        for row in modal.get("components") or []:
            if row.get("type") == 18:  # a label around one component
                inner = row.get("component") or {}
                answer = self._answer(inner, values, seen, resolved)
                rows.append({"type": 18, **({"id": row["id"]} if "id" in row else {}),
                             "component": answer})
            elif row.get("type") == 1:
                rows.append({"type": 1, **({"id": row["id"]} if "id" in row else {}),
                             "components": [self._answer(c, values, seen, resolved)
                                            for c in row.get("components") or []]})
            elif row.get("type") == 10:
                rows.append({"type": 10, **({"id": row["id"]} if "id" in row else {})})
        unknown = sorted(set(values) - seen)
        if unknown:
            raise ValueError(f"the modal {modal.get('custom_id')!r} has no field "
                             f"{unknown[0]!r} (its fields: {', '.join(sorted(seen))})")
        payload["data"] = {"custom_id": modal["custom_id"], "components": rows}
        if resolved:
            payload["data"]["resolved"] = resolved
        if message is not None:
            payload["message"] = self.model.message_json(message)
        return payload

    @staticmethod
    def _answer(component: dict[str, Any], values: dict[str, Any], seen: set[str],
                resolved: dict[str, dict[str, Any]]) -> dict[str, Any]:
        custom_id = str(component.get("custom_id", ""))
        seen.add(custom_id)
        kind = component.get("type")
        out: dict[str, Any] = {"type": kind, "custom_id": custom_id}
        if "id" in component:
            out["id"] = component["id"]
        given = values.get(custom_id)
        if kind == 4:  # a text input
            text = "" if given is None else str(given)
            if component.get("required", True) and not text:
                raise ValueError(f"the modal's field {custom_id!r} is required")
            low = component.get("min_length", 0)
            high = component.get("max_length", 4000)
            if text and not low <= len(text) <= high:
                raise ValueError(f"the modal's field {custom_id!r} takes {low}-{high} "
                                 f"characters, not {len(text)}")
            out["value"] = text
        elif kind == 19:  # a file upload: the user's files, as attachments
            files = [] if given is None else list(given)
            required = component.get("required", True)
            low = component.get("min_values", 1) if required else 0
            high = component.get("max_values", 1)
            if not low <= len(files) <= high:
                raise ValueError(f"the modal's file upload {custom_id!r} takes {low}-{high} "
                                 f"files, not {len(files)}")
            for file in files:
                if not accepts(component.get("file_types"), file):
                    raise ValueError(
                        f"the modal's file upload {custom_id!r} takes "
                        f"{', '.join(component['file_types'])} files, not {file.filename} "
                        f"({file.content_type})")
                resolved.setdefault("attachments", {})[str(file.id)] = {
                    **file.to_json(), "ephemeral": True}
            out["values"] = [str(file.id) for file in files]
        elif kind == 23:  # a checkbox: ticked or not
            out["value"] = bool(component.get("default", False)) if given is None \
                else bool(given)
        elif kind in (21, 22):  # a radio group (one option), a checkbox group (several)
            picks = [] if given is None else (list(given) if isinstance(given, list | tuple)
                                              else [given])
            allowed = [str(o.get("value")) for o in component.get("options") or []]
            unknown = [str(p) for p in picks if str(p) not in allowed]
            if unknown:
                raise ValueError(f"the modal's field {custom_id!r} has no option "
                                 f"{unknown[0]!r} (its options: {', '.join(allowed)})")
            required = component.get("required", True)
            if kind == 21:
                if len(picks) > 1:
                    raise ValueError(f"the modal's radio group {custom_id!r} takes one "
                                     f"option, not {len(picks)}")
                if required and not picks:
                    raise ValueError(f"the modal's field {custom_id!r} is required")
                out["value"] = str(picks[0]) if picks else None
            else:
                low = component.get("min_values", 1) if required else 0
                high = component.get("max_values", len(allowed))
                if not low <= len(picks) <= high:
                    raise ValueError(f"the modal's checkbox group {custom_id!r} takes "
                                     f"{low}-{high} options, not {len(picks)}")
                out["values"] = [str(p) for p in picks]
        else:
            picks = [] if given is None else (list(given) if isinstance(given, list | tuple)
                                              else [given])
            out["values"] = [str(v) for v in picks]
        return out

    def _resolve_user(self, user_id: int, guild: Guild | None,
                      resolved: dict[str, dict[str, Any]], *, label: str = "target") -> None:
        user = self.model.users.get(user_id)
        if user is None:
            raise ValueError(f"{label}: no user {user_id}")
        resolved.setdefault("users", {})[str(user_id)] = user.to_json()
        if guild is not None and user_id in guild.members:
            member = self.model.member_json(guild, user_id, with_user=False)
            member.pop("deaf", None)
            member.pop("mute", None)
            member["permissions"] = str(int(self.model.guild_permissions(guild, user_id)))
            resolved.setdefault("members", {})[str(user_id)] = member

    def _resolve_role(self, role_id: int, guild: Guild | None,
                      resolved: dict[str, dict[str, Any]], label: str) -> None:
        if guild is None or role_id not in guild.roles:
            raise ValueError(f"{label}: no role {role_id} in this guild")
        resolved.setdefault("roles", {})[str(role_id)] = guild.roles[role_id].to_json()

    def _find_message(self, channel: Channel, message_id: int) -> Message:
        found = self.model.messages.get(channel.id, {}).get(message_id)
        if found is None:
            raise ValueError(f"no message {message_id} in #{channel.name}")
        return found




def walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every component of a message's (or modal's) layout, depth first, in order."""
    for component in components:
        yield component
        nested = list(component.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                nested.append(component[key])
        yield from walk_components(nested)


def find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    """The component with ``custom_id`` anywhere in a message's (or modal's) layout."""
    return next((c for c in walk_components(components) if c.get("custom_id") == custom_id),
                None)


def custom_ids(components: list[dict[str, Any]]) -> list[str]:
    return [str(c["custom_id"]) for c in walk_components(components) if c.get("custom_id")]


__all__ = ["PayloadBuilder", "custom_ids", "find_component", "new_token",
           "walk_components"]
