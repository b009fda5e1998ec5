"""Fixtures of the console's tests: one headless Chromium per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .browser import Browser


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    chromium = await Browser.launch()
    try:
        yield chromium
    finally:
        await chromium.close()
