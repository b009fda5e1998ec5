"""Application command payloads checked as Discord checks them, and shaped as it returns them.

:func:`check_command` takes what a client sends to ``POST``/``PUT``/``PATCH``
``applications/{id}[/guilds/{id}]/commands`` and either returns the command's fields as
Discord stores them, or raises :class:`~wiretwin.discord.model.DiscordError` 50035
("Invalid Form Body") with *every* problem found, nested by where it is
(``{"options": {"0": {"name": {"_errors": [...]}}}}``), as Discord reports them.

The rules (Discord's API reference, "Application Commands"):

* ``type`` 1 (CHAT_INPUT, the default), 2 (USER) or 3 (MESSAGE).
* Names: 1-32 characters. Slash command and option names match
  ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`` and are lower case where the letter
  has a lower-case form; context-menu names may hold spaces and capitals.
* Descriptions: 1-100 characters for slash commands and options; context-menu commands
  have none (an empty string) and no options.
* At most 25 options per level and 25 choices per option; choices only for string,
  integer and number options, and not together with ``autocomplete``; required options
  before optional ones; option names unique per level.
* A level holds either subcommands/groups or plain options, never both; groups hold only
  subcommands; subcommands hold only plain options.
* String options: ``min_length`` 0-6000, ``max_length`` 1-6000. Integer and number
  options: ``min_value``/``max_value`` in range. Channel options: ``channel_types``.
* All names, descriptions and choice names/values of one command: at most 8000 characters.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from ..errors import DiscordError, form_errors, whole_body_error
from .fields import NOT_LIST, as_int, choices_text, not_text, shown

CHAT_INPUT, USER, MESSAGE = 1, 2, 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER_OPT, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(
    3, 12)
#: Option types that may have choices, min/max or autocomplete.
_CHOICE_TYPES = (STRING, INTEGER, NUMBER)
_MAX_SAFE = 2**53
#: Per application (global) or per guild: how many commands of each type it may have.
COMMAND_LIMITS = {CHAT_INPUT: 100, USER: 15, MESSAGE: 15}
_TOTAL_CHARS = 8000


class _Errors:
    """Discord's nested ``errors`` object, built up as problems are found."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def raise_if_any(self) -> None:
        if self.tree:
            raise form_errors(self.tree)


def _name_ok(name: str, *, slash: bool) -> bool:
    if not slash:
        return True
    for char in name:
        if char in "-_'":
            continue
        category = unicodedata.category(char)
        # \p{L} letters and \p{N} numbers; Devanagari and Thai marks are letters' parts.
        if category[0] in "LN":
            if char.lower() != char:
                return False
            continue
        if category[0] == "M" and ("\u0900" <= char <= "\u097f" or "\u0e00" <= char <= "\u0e7f"):
            continue
        return False
    return True


def _text(errors: _Errors, path: tuple[str | int, ...], value: Any, low: int, high: int,
          *, required: bool = True) -> str:
    if value is None:
        if required:
            errors.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        return ""
    if not isinstance(value, str):
        errors.add(path, *not_text(value))
        return ""
    if not low <= len(value) <= high:
        errors.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")
    return value


def _bool(errors: _Errors, path: tuple[str | int, ...], value: Any) -> bool:
    if not isinstance(value, bool):
        errors.add(path, "BASE_TYPE_BOOLEAN", "Must be either true or false.")
        return False
    return value


def _choice_of(errors: _Errors, path: tuple[str | int, ...], value: Any,
               allowed: tuple[int, ...]) -> int:
    number = as_int(value)
    if number is None:  # discord.js v13 users met this one sending "CHAT_INPUT"
        errors.add(path, "NUMBER_TYPE_COERCE", f'Value "{shown(value)}" is not int.')
        return allowed[0]
    if number not in allowed:
        errors.add(path, "BASE_TYPE_CHOICES", f"Value must be one of "
                                              f"{choices_text(allowed)}.")
        return allowed[0]
    return number


def _localizations(errors: _Errors, path: tuple[str | int, ...], value: Any, low: int,
                   high: int) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return None
    return {str(k): _text(errors, (*path, k), v, low, high) for k, v in value.items()}


class _Checker:
    def __init__(self) -> None:
        self.errors = _Errors()
        self.chars = 0

    def command(self, body: Any) -> dict[str, Any]:
        errors = self.errors
        if not isinstance(body, dict):
            errors.add((), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            errors.raise_if_any()
        kind = _choice_of(errors, ("type",), body.get("type", CHAT_INPUT),
                          (CHAT_INPUT, USER, MESSAGE))
        slash = kind == CHAT_INPUT
        name = _text(errors, ("name",), body.get("name"), 1, 32)
        if name and not _name_ok(name, slash=slash):
            errors.add(("name",), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        out: dict[str, Any] = {"type": kind, "name": name}
        out["name_localizations"] = _localizations(
            errors, ("name_localizations",), body.get("name_localizations"), 1, 32)
        description = body.get("description")
        if slash:
            out["description"] = _text(errors, ("description",), description, 1, 100)
        else:
            if description not in (None, ""):
                errors.add(("description",),
                           "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID",
                           "Context menu commands cannot have description")
            out["description"] = ""
        out["description_localizations"] = _localizations(
            errors, ("description_localizations",), body.get("description_localizations"),
            1, 100)
        self.chars += len(name) + len(out["description"])
        options = body.get("options")
        if options:
            if not slash:
                errors.add(("options",), "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS",
                           "Context menu commands cannot have options")
            else:
                out["options"] = self.options(("options",), options, depth=0)
        perms = body.get("default_member_permissions")
        if perms is not None:
            number = as_int(perms)
            if number is None or number < 0:
                errors.add(("default_member_permissions",), "NUMBER_TYPE_COERCE",
                           f'Value "{shown(perms)}" is not int.')
                perms = None
            else:
                perms = str(number)
        out["default_member_permissions"] = perms
        out["dm_permission"] = (True if body.get("dm_permission") is None
                                else _bool(errors, ("dm_permission",), body["dm_permission"]))
        out["nsfw"] = (False if body.get("nsfw") is None
                       else _bool(errors, ("nsfw",), body["nsfw"]))
        out["integration_types"] = self.enum_list(("integration_types",),
                                                  body.get("integration_types"), (0, 1)) or [0]
        out["contexts"] = self.enum_list(("contexts",), body.get("contexts"), (0, 1, 2))
        if self.chars > _TOTAL_CHARS:
            errors.add((), "APPLICATION_COMMAND_TOO_LARGE",
                       f"Command exceeds maximum size ({_TOTAL_CHARS})")
        errors.raise_if_any()
        return out

    def enum_list(self, path: tuple[str | int, ...], value: Any,
                  allowed: tuple[int, ...]) -> list[int] | None:
        if value is None:
            return None
        if not isinstance(value, list):
            self.errors.add(path, *NOT_LIST)
            return None
        return list(dict.fromkeys(_choice_of(self.errors, (*path, i), v, allowed)
                                  for i, v in enumerate(value)))

    def options(self, path: tuple[str | int, ...], value: Any, depth: int
                ) -> list[dict[str, Any]]:
        errors = self.errors
        if not isinstance(value, list):
            errors.add(path, *NOT_LIST)
            return []
        if len(value) > 25:
            errors.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        out = [self.option((*path, i), raw, depth) for i, raw in enumerate(value)]
        nested = [o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in out]
        if any(nested) and not all(nested):
            errors.add(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                       "Sub-command and sub-command group option types are mutually "
                       "exclusive to all other types")
        seen: set[str] = set()
        for i, option in enumerate(out):
            if option["name"] in seen:
                errors.add((*path, i, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                           "Option name already exists")
            seen.add(option["name"])
        optional_seen = False
        for i, option in enumerate(out):
            if option["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP):
                continue
            if option.get("required"):
                if optional_seen:  # reported on the required option that is out of place
                    errors.add((*path, i), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                               "Required options must be placed before non-required options")
                    break
            else:
                optional_seen = True
        return out

    def option(self, path: tuple[str | int, ...], raw: Any, depth: int) -> dict[str, Any]:
        errors = self.errors
        if not isinstance(raw, dict):
            errors.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            return {"type": STRING, "name": "", "description": ""}
        kind = _choice_of(errors, (*path, "type"), raw.get("type"), tuple(range(1, 12)))
        name = _text(errors, (*path, "name"), raw.get("name"), 1, 32)
        if name and not _name_ok(name, slash=True):
            errors.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME",
                       "Command name is invalid")
        description = _text(errors, (*path, "description"), raw.get("description"), 1, 100)
        self.chars += len(name) + len(description)
        out: dict[str, Any] = {"type": kind, "name": name, "description": description}
        for key, low, high in (("name_localizations", 1, 32),
                               ("description_localizations", 1, 100)):
            if raw.get(key) is not None:
                out[key] = _localizations(errors, (*path, key), raw[key], low, high)
        if kind == SUB_COMMAND_GROUP and depth > 0:
            errors.add((*path, "type"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                       "Sub-command groups can only be top level options")
        if kind == SUB_COMMAND and depth > 1:
            errors.add((*path, "type"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                       "Sub-commands can only be nested one level deep")
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            sub = raw.get("options") or []
            if kind == SUB_COMMAND_GROUP and not sub:
                errors.add((*path, "options"), "BASE_TYPE_REQUIRED", "This field is required")
            checked = self.options((*path, "options"), sub, depth + 1) if sub else []
            if kind == SUB_COMMAND_GROUP and any(o["type"] != SUB_COMMAND for o in checked):
                errors.add((*path, "options"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                           "Sub-command groups may only contain sub-commands")
            if kind == SUB_COMMAND and any(o["type"] == SUB_COMMAND_GROUP for o in checked):
                errors.add((*path, "options"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                           "Sub-commands may not contain sub-command groups")
            if checked:
                out["options"] = checked
            return out
        if raw.get("options"):
            errors.add((*path, "options"), "APPLICATION_COMMAND_OPTION_OPTIONS_INVALID",
                       "Only sub-commands and sub-command groups may have options")
        if raw.get("required") is not None and _bool(errors, (*path, "required"),
                                                     raw["required"]):
            out["required"] = True
        autocomplete = raw.get("autocomplete")
        if autocomplete is not None and _bool(errors, (*path, "autocomplete"), autocomplete):
            if kind not in _CHOICE_TYPES:
                errors.add((*path, "autocomplete"), "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE",
                           "Autocomplete is only available for string, integer and number "
                           "options")
            out["autocomplete"] = True
        choices = raw.get("choices")
        if choices:
            if kind not in _CHOICE_TYPES:
                errors.add((*path, "choices"), "APPLICATION_COMMAND_OPTION_CHOICES_INVALID",
                           "Choices are only available for string, integer and number options")
            elif out.get("autocomplete"):
                errors.add((*path, "autocomplete"),
                           "APPLICATION_COMMAND_OPTION_CANNOT_AUTOCOMPLETE",
                           "Autocomplete cannot be enabled on options that have choices")
            else:
                out["choices"] = self.choices((*path, "choices"), choices, kind)
        self.ranges(path, raw, kind, out)
        if raw.get("channel_types") is not None:
            if kind != CHANNEL:
                errors.add((*path, "channel_types"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                           "Channel types are only available for channel options")
            else:
                out["channel_types"] = self.enum_list(
                    (*path, "channel_types"), raw["channel_types"],
                    (0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16))
        return out

    def choices(self, path: tuple[str | int, ...], value: Any, kind: int
                ) -> list[dict[str, Any]]:
        errors = self.errors
        if not isinstance(value, list):
            errors.add(path, *NOT_LIST)
            return []
        if len(value) > 25:
            errors.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        out: list[dict[str, Any]] = []
        for i, choice in enumerate(value):
            where = (*path, i)
            if not isinstance(choice, dict):
                errors.add(where, "DICT_TYPE_CONVERT",
                           "Only dictionaries may be used in a DictType")
                continue
            name = _text(errors, (*where, "name"), choice.get("name"), 1, 100)
            entry: dict[str, Any] = {"name": name, "value": self.choice_value(
                (*where, "value"), choice.get("value"), kind)}
            if choice.get("name_localizations") is not None:
                entry["name_localizations"] = _localizations(
                    errors, (*where, "name_localizations"), choice["name_localizations"],
                    1, 100)
            self.chars += len(name) + len(str(entry["value"]))
            out.append(entry)
        return out

    def choice_value(self, path: tuple[str | int, ...], value: Any, kind: int) -> Any:
        errors = self.errors
        if kind == STRING:
            return _text(errors, path, value, 1, 100)
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                kind == INTEGER and not isinstance(value, int)):
            code, word = (("NUMBER_TYPE_COERCE", "int") if kind == INTEGER
                          else ("NUMBER_TYPE_COERCE", "float"))
            errors.add(path, code, f"Value \"{value}\" is not {word}.")
            return 0
        if not -_MAX_SAFE <= value <= _MAX_SAFE:
            errors.add(path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to "
                                                f"{_MAX_SAFE}.")
        return value

    def ranges(self, path: tuple[str | int, ...], raw: dict[str, Any], kind: int,
               out: dict[str, Any]) -> None:
        errors = self.errors
        for key, low, high, kinds in (("min_length", 0, 6000, (STRING,)),
                                      ("max_length", 1, 6000, (STRING,)),
                                      ("min_value", -_MAX_SAFE, _MAX_SAFE, (INTEGER, NUMBER)),
                                      ("max_value", -_MAX_SAFE, _MAX_SAFE, (INTEGER, NUMBER))):
            value = raw.get(key)
            if value is None:
                continue
            if kind not in kinds:
                errors.add((*path, key), "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                           f"{key} is not available for this option type")
                continue
            integral = key.endswith("length") or kind == INTEGER
            if isinstance(value, bool) or not isinstance(value, int | float) or (
                    integral and not isinstance(value, int)):
                errors.add((*path, key), "NUMBER_TYPE_COERCE",
                           f"Value \"{value}\" is not {'int' if integral else 'float'}.")
                continue
            if value < low:
                errors.add((*path, key), "NUMBER_TYPE_MIN",
                           f"int value should be greater than or equal to {low}.")
            elif value > high:
                errors.add((*path, key), "NUMBER_TYPE_MAX",
                           f"int value should be less than or equal to {high}.")
            out[key] = value


def check_command(body: Any) -> dict[str, Any]:
    """The command's fields as Discord keeps them, or a 50035 naming every problem."""
    return _Checker().command(body)


def check_commands(body: Any) -> list[dict[str, Any]]:
    """A bulk overwrite's list: each checked, errors keyed by index (``{"0": {...}}``)."""
    if not isinstance(body, list):
        code, message = NOT_LIST
        raise whole_body_error(code, message)
    out: list[dict[str, Any]] = []
    tree: dict[str, Any] = {}
    for index, entry in enumerate(body):
        try:
            out.append(check_command(entry))
        except DiscordError as exc:
            tree[str(index)] = exc.errors or {}
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(out if not tree else []):
        key = (command["type"], command["name"])
        if key in seen:
            tree.setdefault(str(index), {}).setdefault("_errors", []).append({
                "code": "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "message": "Application command names must be unique"})
        seen.add(key)
    if tree:
        raise form_errors(tree)
    return out


__all__ = ["CHAT_INPUT", "COMMAND_LIMITS", "MESSAGE", "USER", "check_command",
           "check_commands"]
