"""Message and modal components checked as Discord checks them (its "Component Reference").

Messages (without the IS_COMPONENTS_V2 flag): at most 5 action rows; a row holds 1-5
buttons or exactly one select menu. Buttons: style 1-6, a ``custom_id`` (styles 1-4), a
``url`` and no ``custom_id`` (style 5, link), a ``sku_id`` (6, premium); labels up to 80
characters. Selects (3, 5-8): a ``custom_id``, ``min_values`` 0-25, ``max_values`` 1-25,
placeholders up to 150; string selects 1-25 options with unique values, labels, values
and descriptions up to 100. Every ``custom_id`` is 1-100 characters and unique in the
message. Modals: 1-5 top-level components, text inputs (labels up to 45 characters,
lengths 0-4000) in action rows or labels. Components v2 layouts (the flag set) are taken
as sent, apart from the custom_id rules.

A problem is Discord's 400 50035 with the path to it (``components.0.components.1...``).

Stored components get Discord's numeric ``id``s (:func:`number_components`): every
component of a message has one in what Discord sends back, and hikari's deserializer
reads it unconditionally.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from ..errors import form_errors
from .fields import NOT_LIST

IS_COMPONENTS_V2 = 1 << 15
_SELECTS = (3, 5, 6, 7, 8)


class _Check:
    def __init__(self, root: str) -> None:
        self.root = root
        self.errors: dict[str, Any] = {}
        self.seen: set[str] = set()

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        node = self.errors
        for part in (self.root, *path):
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def length(self, path: tuple[str | int, ...], value: Any, low: int, high: int) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not low <= len(value) <= high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def custom_id(self, path: tuple[str | int, ...], component: dict[str, Any]) -> None:
        value = component.get("custom_id")
        if value is None:
            self.add((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
            return
        self.length((*path, "custom_id"), value, 1, 100)
        if not isinstance(value, str):
            return
        if value in self.seen:
            self.add((*path, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED",
                     "Component custom id was already specified")
        self.seen.add(value)

    def button(self, path: tuple[str | int, ...], button: dict[str, Any]) -> None:
        style = button.get("style")
        if style not in (1, 2, 3, 4, 5, 6):
            self.add((*path, "style"), "BASE_TYPE_CHOICES",
                     "Value must be one of {1, 2, 3, 4, 5, 6}.")
            return
        self.length((*path, "label"), button.get("label"), 0, 80)
        if style == 5:
            if not button.get("url"):
                self.add((*path, "url"), "BASE_TYPE_REQUIRED", "This field is required")
            if button.get("custom_id") is not None:
                self.add((*path, "custom_id"), "BUTTON_COMPONENT_CUSTOM_ID_INVALID",
                         "A custom id cannot be set for link buttons")
        elif style == 6:
            if not button.get("sku_id"):
                self.add((*path, "sku_id"), "BASE_TYPE_REQUIRED", "This field is required")
        else:
            self.custom_id(path, button)
            if button.get("url") is not None:
                self.add((*path, "url"), "BUTTON_COMPONENT_URL_INVALID",
                         "A url can only be set for link buttons")

    def select(self, path: tuple[str | int, ...], select: dict[str, Any]) -> None:
        self.custom_id(path, select)
        self.length((*path, "placeholder"), select.get("placeholder"), 0, 150)
        low, high = select.get("min_values", 1), select.get("max_values", 1)
        if not isinstance(low, int) or not 0 <= low <= 25:
            self.add((*path, "min_values"), "NUMBER_TYPE_MAX",
                     "int value should be less than or equal to 25.")
        if not isinstance(high, int) or not 1 <= high <= 25:
            self.add((*path, "max_values"), "NUMBER_TYPE_MAX",
                     "int value should be less than or equal to 25.")
        if select.get("type") != 3:
            return
        options = select.get("options")
        if not isinstance(options, list) or not 1 <= len(options) <= 25:
            self.add((*path, "options"), "BASE_TYPE_BAD_LENGTH",
                     "Must be between 1 and 25 in length.")
            return
        values: set[str] = set()
        for index, option in enumerate(options):
            where = (*path, "options", index)
            if not isinstance(option, dict):
                self.add(where, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a "
                                                     "DictType")
                continue
            for key in ("label", "value"):
                if option.get(key) is None:
                    self.add((*where, key), "BASE_TYPE_REQUIRED", "This field is required")
                else:
                    self.length((*where, key), option[key], 1, 100)
            self.length((*where, "description"), option.get("description"), 0, 100)
            value = str(option.get("value"))
            if value in values:
                self.add((*where, "value"), "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                         "The specified option value is already used")
            values.add(value)

    def text_input(self, path: tuple[str | int, ...], field: dict[str, Any]) -> None:
        self.custom_id(path, field)
        if field.get("style", 1) not in (1, 2):
            self.add((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
        self.length((*path, "label"), field.get("label"), 1, 45)
        self.length((*path, "placeholder"), field.get("placeholder"), 0, 100)
        self.length((*path, "value"), field.get("value"), 0, 4000)
        for key, low in (("min_length", 0), ("max_length", 1)):
            value = field.get(key)
            if value is not None and (not isinstance(value, int)
                                      or not low <= value <= 4000):
                self.add((*path, key), "NUMBER_TYPE_MAX",
                         "int value should be less than or equal to 4000.")

    def choices(self, path: tuple[str | int, ...], group: dict[str, Any]) -> None:
        """A modal's radio group (21: 2 to 10 options, one picked) or checkbox group (22:
        1 to 10 options, ``min_values`` 0 to 10, ``max_values`` 1 to 10)."""
        self.custom_id(path, group)
        radio = group.get("type") == 21
        low_count = 2 if radio else 1
        options = group.get("options")
        if not isinstance(options, list) or not low_count <= len(options) <= 10:
            self.add((*path, "options"), "BASE_TYPE_BAD_LENGTH",
                     f"Must be between {low_count} and 10 in length.")
        else:
            seen: set[Any] = set()
            for index, option in enumerate(options):
                where = (*path, "options", index)
                if not isinstance(option, dict):
                    self.add(where, "DICT_TYPE_CONVERT",
                             "Only dictionaries may be used in a DictType")
                    continue
                for key in ("label", "value"):
                    if option.get(key) is None:
                        self.add((*where, key), "BASE_TYPE_REQUIRED", "This field is required")
                    else:
                        self.length((*where, key), option.get(key), 1, 100)
                if option.get("value") in seen:
                    self.add((*where, "value"), "COMPONENT_OPTION_VALUE_DUPLICATED",
                             "Option values must be unique")
                seen.add(option.get("value"))
        if not radio:
            self.values_range(path, group)

    def file_upload(self, path: tuple[str | int, ...], upload: dict[str, Any]) -> None:
        """A modal's file upload (19): ``min_values`` 0 to 10, ``max_values`` 1 to 10,
        ``file_types`` at most 10 of "image", "video", "audio" or ".<extension>"."""
        self.custom_id(path, upload)
        self.values_range(path, upload)
        kinds = upload.get("file_types")
        if kinds is None:
            return
        if not isinstance(kinds, list):
            self.add((*path, "file_types"), *NOT_LIST)
        elif len(kinds) > 10:
            self.add((*path, "file_types"), "BASE_TYPE_MAX_LENGTH",
                     "Must be 10 or fewer in length.")
        else:
            for index, kind in enumerate(kinds):
                if not isinstance(kind, str) or not (
                        kind in FILE_KINDS or (kind.startswith(".") and 1 < len(kind) <= 32)):
                    self.add((*path, "file_types", index), "FILE_TYPE_INVALID",
                             'Must be "image", "video", "audio" or an extension such as '
                             '".pdf".')

    def values_range(self, path: tuple[str | int, ...], field: dict[str, Any]) -> None:
        """``min_values`` 0 to 10 and ``max_values`` 1 to 10 (checkbox groups, uploads)."""
        for key, low in (("min_values", 0), ("max_values", 1)):
            value = field.get(key)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                      or not low <= value <= 10):
                self.add((*path, key), "NUMBER_TYPE_MAX",
                         "int value should be less than or equal to 10.")

    def raise_if_any(self) -> None:
        if self.errors:
            raise form_errors(self.errors)


#: Modal components that only a label (type 18) may hold: file upload, radio group,
#: checkbox group, checkbox.
_LABEL_ONLY = (19, 21, 22, 23)
#: A file upload's ``file_types`` may name these kinds, or dot-prefixed extensions.
FILE_KINDS = ("image", "video", "audio")


def accepts(file_types: Any, file: Any) -> bool:
    """Whether a file upload whose ``file_types`` are these takes ``file`` (an object
    with ``filename`` and ``content_type``): no types, any file; a kind, a file whose
    content type is of it; an extension, a file named so (case apart)."""
    if not file_types:
        return True
    name = str(getattr(file, "filename", "")).lower()
    kind = str(getattr(file, "content_type", None) or "").split("/", 1)[0]
    return any(kind == wanted if wanted in FILE_KINDS else name.endswith(wanted.lower())
               for wanted in file_types if isinstance(wanted, str))


def check_message_components(components: Any, flags: int = 0,
                             root: str = "components") -> None:
    """Raise Discord's 50035 if ``components`` would be refused on a message."""
    if not components:
        return
    check = _Check(root)
    if not isinstance(components, list):
        check.add((), *NOT_LIST)
        check.raise_if_any()
    if flags & IS_COMPONENTS_V2:
        _walk_ids(check, components, ())
        check.raise_if_any()
        return
    if len(components) > 5:
        check.add((), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    for index, row in enumerate(components):
        if not isinstance(row, dict) or row.get("type") != 1:
            check.add((index, "type"), "UNION_TYPE_CHOICES",
                      "Value of field \"type\" must be one of (1,).")
            continue
        children = row.get("components") or []
        if not isinstance(children, list):
            check.add((index, "components"), *NOT_LIST)
            continue
        kinds = [c.get("type") for c in children if isinstance(c, dict)]
        if not 1 <= len(children) <= 5:
            check.add((index, "components"), "BASE_TYPE_BAD_LENGTH",
                      "Must be between 1 and 5 in length.")
        if any(k in _SELECTS for k in kinds) and len(children) > 1:
            check.add((index, "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                      "The specified component exceeds the maximum width")
        for c_index, child in enumerate(children):
            where: tuple[str | int, ...] = (index, "components", c_index)
            kind = child.get("type") if isinstance(child, dict) else None
            if kind == 2:
                check.button(where, child)
            elif kind in _SELECTS:
                check.select(where, child)
            else:
                check.add((*where, "type"), "UNION_TYPE_CHOICES",
                          "Value of field \"type\" must be one of (2, 3, 5, 6, 7, 8).")
    check.raise_if_any()


def check_modal_components(components: Any, root: str = "data.components") -> None:
    """Raise Discord's 50035 if a modal's ``components`` would be refused."""
    parts = root.split(".")
    check = _Check(parts[-1])
    if not isinstance(components, list) or not 1 <= len(components) <= 5:
        check.add((), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    else:
        for index, row in enumerate(components):
            kind = row.get("type") if isinstance(row, dict) else None
            inner: list[tuple[tuple[str | int, ...], Any]] = []
            if kind == 1:
                children = row.get("components") or []
                if not isinstance(children, list):
                    check.add((index, "components"), *NOT_LIST)
                    continue
                inner = [((index, "components", i), c) for i, c in enumerate(children)]
            elif kind == 18:
                inner = [((index, "component"), row.get("component"))]
            elif kind != 10:
                check.add((index, "type"), "UNION_TYPE_CHOICES",
                          "Value of field \"type\" must be one of (1, 10, 18).")
            for where, child in inner:
                child_kind = child.get("type") if isinstance(child, dict) else None
                if child_kind in _LABEL_ONLY and kind != 18:
                    check.add((*where, "type"), "UNION_TYPE_CHOICES",
                              "Value of field \"type\" must be one of (4,).")
                elif child_kind == 4:
                    check.text_input(where, child)
                elif child_kind in _SELECTS:
                    check.select(where, child)
                elif child_kind in (21, 22):
                    check.choices(where, child)
                elif child_kind == 19:
                    check.file_upload(where, child)
                else:
                    check.custom_id(where, child if isinstance(child, dict) else {})
    if check.errors and len(parts) > 1:
        nested: dict[str, Any] = check.errors
        for part in reversed(parts[:-1]):
            nested = {part: nested}
        raise form_errors(nested)
    check.raise_if_any()


def number_components(components: list[Any]) -> list[Any]:
    """A copy of a message's (or a modal's) ``components`` in which each component
    without an ``id`` gets one: Discord numbers them "sequentially if left empty", from 1
    in document order (a row, then its children), skipping ids already used (docs, Component
    Reference, "Anatomy of a Component")."""
    copied = copy.deepcopy(components)
    nodes = list(_nodes(copied))
    taken = {n["id"] for n in nodes if isinstance(n.get("id"), int)}
    next_id = 1
    for node in nodes:
        if isinstance(node.get("id"), int):
            continue
        while next_id in taken:
            next_id += 1
        node["id"] = next_id
        taken.add(next_id)
    return copied


def _nodes(components: list[Any]) -> Iterator[dict[str, Any]]:
    for component in components:
        if not isinstance(component, dict):
            continue
        yield component
        if isinstance(component.get("components"), list):
            yield from _nodes(component["components"])
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, dict):
                yield from _nodes([child])


def _walk_ids(check: _Check, components: list[Any], path: tuple[str | int, ...]) -> None:
    for index, component in enumerate(components):
        if not isinstance(component, dict):
            continue
        where = (*path, index)
        if component.get("custom_id") is not None:
            check.custom_id(where, component)
        if isinstance(component.get("components"), list):
            _walk_ids(check, component["components"], (*where, "components"))
        for key in ("accessory", "component"):
            child = component.get(key)
            if not isinstance(child, dict):
                continue
            if child.get("custom_id") is not None:
                check.custom_id((*where, key), child)
            if isinstance(child.get("components"), list):
                _walk_ids(check, child["components"], (*where, key, "components"))


__all__ = ["IS_COMPONENTS_V2", "check_message_components", "check_modal_components",
           "number_components"]
