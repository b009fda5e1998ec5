"""MkDocs hook: the conformance matrices (docs/compatibility.md) come from the matrix
tests, which write ``build/matrix/<service>.json`` (``make test`` runs the tests before
it builds the docs). A ``<!-- matrix:<service> -->`` line in a page is replaced by that
service's table (scripts/matrix_page.py renders it); a matrix not run yet is shown as a
note saying so, and the build log says it too."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.matrix_page import MATRIX_DIR, render_service  # noqa: E402

MARKER = re.compile(r"^<!-- matrix:([a-z]+) -->$", re.MULTILINE)

log = logging.getLogger("mkdocs.hooks.matrix")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    def table(match: re.Match[str]) -> str:
        service = match.group(1)
        if not (MATRIX_DIR / f"{service}.json").is_file():
            log.info("the %s matrix has not run yet (make test, or pytest tests/matrix)",
                     service)
        return render_service(service)

    return MARKER.sub(table, markdown)
