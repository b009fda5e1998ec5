"""Anomalies: what went wrong, for which input, grouped by signature.

Every anomaly keeps its class, twin, campaign, a short signature and the exact input
(a JSON reproducer). A ``traceback`` signature is the exception's type, its message with
numbers and quoted values blanked, and the deepest frame in ``src/wiretwin``; other
signatures name the method, the path with its variable parts blanked, and the reason.
The summary prints a class-by-twin table and the distinct signatures (count, one example
each); the report file has one anomaly per line.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO

CLASSES = ("traceback", "http_500", "bad_close", "shape", "hang", "collateral", "crash")
TWINS = ("discord", "pusher", "lavalink")

_FRAME = re.compile(r'File "([^"]*)", line (\d+), in (\S+)')


@dataclass
class Anomaly:
    cls: str
    twin: str
    campaign: str
    signature: str
    input: dict[str, Any]
    detail: str = ""
    index: int = -1

    def to_json(self) -> dict[str, Any]:
        return {"class": self.cls, "twin": self.twin, "campaign": self.campaign,
                "signature": self.signature, "input_index": self.index,
                "detail": self.detail[:4000], "input": self.input}


def blank(text: str) -> str:
    """Variable parts out of a message: quoted values, numbers, hex, long runs."""
    text = re.sub(r"'[^']*('|$)|\"[^\"]*(\"|$)", "'…'", text)
    text = re.sub(r"0x[0-9a-fA-F]+", "N", text)
    text = re.sub(r"-?\d+(\.\d+)?", "N", text)
    return text[:120]


def path_shape(target: str) -> str:
    """``/api/v10/channels/123/messages?limit=x`` -> ``/api/v10/channels/{n}/messages``."""
    path = target.split("?", 1)[0]
    out = []
    for segment in path.split("/"):
        if segment.isdigit() and len(segment) > 2:
            out.append("{n}")
        elif re.fullmatch(r"[a-z@_.-]{1,24}|v\d+", segment) or segment in ("", "*"):
            out.append(segment)
        else:
            out.append("{x}")
    return "/".join(out)[:100]


_RECORD = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL):([^:]*):(.*)$")


def _is_chain(line: str) -> bool:
    return line.startswith(("During handling of the above exception",
                            "The above exception was the direct cause"))


def parse_stderr(text: str) -> list[tuple[str, str]]:
    """(signature, detail) for each traceback or ERROR-level log record in a stderr chunk.

    The server logs as ``LEVEL:logger:message`` (see :mod:`serve`). A record with a
    traceback is signed by its final exception (chained exceptions are one report); an
    ERROR or CRITICAL record without one by its logger and message. Warnings and other
    lines without a traceback are not anomalies.
    """
    lines = text.splitlines()
    found: list[tuple[str, str]] = []
    record: str | None = None  # the log line the next traceback belongs to
    chained = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("Traceback (most recent call last):"):
            j = i + 1
            while j < len(lines) and lines[j].startswith((" ", "\t")):
                j += 1
            last = lines[j] if j < len(lines) else "?"
            detail = "\n".join(lines[i:j + 1])
            signature = traceback_signature(lines[i:j], last)
            if chained and found:
                found[-1] = (signature, found[-1][1] + "\n" + detail)
            else:
                found.append((signature, (record + "\n" if record else "") + detail))
            record, chained = None, False
            i = j + 1
            continue
        match = _RECORD.match(line)
        if match:
            record = line
            if match.group(1) in ("ERROR", "CRITICAL") and not (
                    i + 1 < len(lines) and lines[i + 1].startswith("Traceback")):
                found.append((f"log {match.group(1)} {match.group(2)}: "
                              f"{blank(match.group(3))}", line))
        elif _is_chain(line):
            chained = True
        i += 1
    return found


def traceback_signature(block: list[str], last: str) -> str:
    """``Type: message @ file:line``: the deepest frame in src/wiretwin, else the last."""
    where = ours = "?"
    for line in block:
        match = _FRAME.search(line)
        if not match:
            continue
        path = match.group(1)
        where = "/".join(path.split("/")[-2:]) + ":" + match.group(2)
        if "/wiretwin/" in path and "/site-packages/" not in path:
            ours = path.split("/wiretwin/", 1)[1] + ":" + match.group(2)
    where = ours if ours != "?" else where
    kind, _, message = last.partition(":")
    return f"{kind.strip()}: {blank(message.strip())} @ {where}"


@dataclass
class Report:
    anomalies: list[Anomaly] = field(default_factory=list)
    #: (twin, campaign) -> inputs sent.
    sent: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: twin -> seconds spent on it.
    elapsed: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, anomaly: Anomaly) -> None:
        self.anomalies.append(anomaly)

    def count(self, twin: str | None = None) -> int:
        return sum(1 for a in self.anomalies if twin is None or a.twin == twin)

    def write_jsonl(self, out: TextIO) -> None:
        for anomaly in self.anomalies:
            # ASCII: inputs hold lone surrogates, which UTF-8 cannot carry.
            out.write(json.dumps(anomaly.to_json()) + "\n")

    def signatures(self) -> list[tuple[int, Anomaly]]:
        """Distinct (twin, class, signature), most frequent first: (count, the example
        with the smallest input)."""
        counts: Counter[tuple[str, str, str]] = Counter()
        smallest: dict[tuple[str, str, str], tuple[int, Anomaly]] = {}
        for anomaly in self.anomalies:
            key = (anomaly.twin, anomaly.cls, anomaly.signature)
            counts[key] += 1
            size = len(json.dumps(anomaly.input))
            if key not in smallest or size < smallest[key][0]:
                smallest[key] = (size, anomaly)
        return [(n, smallest[key][1]) for key, n in counts.most_common()]

    def table(self) -> str:
        twins = [t for t in TWINS if any(k[0] == t for k in self.sent)]
        rows = [f"{'class':<12}" + "".join(f"{t:>10}" for t in twins) + f"{'total':>10}"]
        for cls in CLASSES:
            counts = [sum(1 for a in self.anomalies if a.cls == cls and a.twin == t)
                      for t in twins]
            rows.append(f"{cls:<12}" + "".join(f"{n:>10}" for n in counts)
                        + f"{sum(counts):>10}")
        totals = [self.count(t) for t in twins]
        rows.append(f"{'total':<12}" + "".join(f"{n:>10}" for n in totals)
                    + f"{sum(totals):>10}")
        return "\n".join(rows)

    def sent_lines(self) -> list[str]:
        lines = []
        for twin in TWINS:
            campaigns = {c: n for (t, c), n in self.sent.items() if t == twin}
            if not campaigns:
                continue
            total = sum(campaigns.values())
            secs = self.elapsed.get(twin, 0.0)
            rate = total / secs if secs else 0.0
            parts = ", ".join(f"{c} {n}" for c, n in campaigns.items())
            lines.append(f"  {twin:<9} {total:>8} inputs ({parts}) in {secs:.1f} s, "
                         f"{rate:.0f} inputs/s")
        return lines

    def summary(self, top: int = 30) -> str:
        lines = ["inputs sent:", *self.sent_lines(), "", "anomalies by class:", self.table()]
        sigs = self.signatures()
        if sigs:
            lines += ["", f"distinct signatures: {len(sigs)} (top {min(top, len(sigs))})"]
            for n, example in sigs[:top]:
                lines.append(f"  {n:>6}  {example.twin:<8} {example.cls:<10} "
                             f"{example.signature}")
                lines.append(f"          e.g. [{example.campaign}] "
                             + json.dumps(example.input, ensure_ascii=True)[:400])
        lines += self.notes
        return "\n".join(lines).encode("utf-8", "backslashreplace").decode("utf-8")


__all__ = ["CLASSES", "TWINS", "Anomaly", "Report", "blank", "parse_stderr", "path_shape",
           "traceback_signature"]
