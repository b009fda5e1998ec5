"""Every backend name the dpytest backend guide (seed 000, kept verbatim beside this file
as seed_000_backend_guide.txt) uses exists on the Discord twin's backend, and every call
it writes binds to the method's signature: a name the guide uses and the twin lacks, or a
keyword it passes and the method does not take, fails here. (What each one does, against a
real bot, is tested in tests/e2e/discord.)"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from wiretwin.discord.backend import Backend
from wiretwin.discord.twin import DiscordTwin

GUIDE = (Path(__file__).parent / "seed_000_backend_guide.txt").read_text(encoding="utf-8")

#: The guide's ```python blocks, dedented (they sit indented in its YAML-like rule).
BLOCKS = [textwrap.dedent(block) for block in
          re.findall(r"```python\n(.*?)```", GUIDE, flags=re.DOTALL)]

#: The names the issue found missing: the guide's event vocabulary.
EVENT_NAMES = {"dispatch_message", "dispatch_member_join", "dispatch_reaction_add",
               "process_message", "process_messages", "process_action",
               "wait_for_state_update"}


def _trees() -> Iterator[ast.Module]:
    for block in BLOCKS:
        # The guide awaits at top level, as in a notebook: parse it that way.
        yield compile(block, "<guide>", "exec",
                      flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def _calls() -> list[tuple[str, ast.Call]]:
    """Every ``backend.<name>(...)`` call in the guide's code, with the name."""
    return [(node.func.attr, node) for tree in _trees() for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "backend"]


def _used_names() -> set[str]:
    """``backend.<name>`` anywhere in the guide's text, prose and code alike."""
    return set(re.findall(r"\bbackend\.([A-Za-z_]\w*)", GUIDE))


@pytest.fixture(scope="module")
def backend() -> Backend:
    return DiscordTwin().backend


def test_the_guide_is_read_whole() -> None:
    assert len(BLOCKS) >= 15
    attributes = {node.attr for tree in _trees() for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id == "backend"}
    assert attributes == _used_names()  # every use of a backend name is in its code
    assert attributes >= EVENT_NAMES
    assert len(attributes) >= 35


@pytest.mark.parametrize("name", sorted(_used_names()))
def test_every_name_the_guide_uses_is_on_the_backend(backend: Backend, name: str) -> None:
    assert hasattr(backend, name), f"the guide uses backend.{name}; the twin has none"


def test_every_call_the_guide_writes_binds(backend: Backend) -> None:
    calls = _calls()
    assert {name for name, _ in calls} >= EVENT_NAMES
    for name, call in calls:
        method = getattr(backend, name)
        args = [None] * len(call.args)
        kwargs = {k.arg: None for k in call.keywords if k.arg is not None}
        try:
            inspect.signature(method).bind_partial(*args, **kwargs)
        except TypeError as exc:
            raise AssertionError(f"the guide's {ast.unparse(call)} does not fit "
                                 f"backend.{name}{inspect.signature(method)}: {exc}") from None


def test_the_guides_error_and_event_names_are_what_it_expects(backend: Backend) -> None:
    # ``except backend.BackendError`` needs an exception class; the event vocabulary is
    # awaited in the guide, so each is a coroutine function.
    assert issubclass(backend.BackendError, Exception)
    for name in EVENT_NAMES:
        assert inspect.iscoroutinefunction(getattr(backend, name)), name
