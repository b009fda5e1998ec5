"""Replaying a report: does each distinct signature come back from one input, alone?

For every (twin, class, signature) in an anomalies file, the smallest input is rebuilt
from its reproducer (placeholders and signatures as templates, so they are filled in
afresh: new session ids, a fresh ``auth_timestamp``) and sent, alone, to a new
``wiretwin serve`` after the twin's usual set-up. An anomaly that comes back with the
same signature is *reproduced*; collateral, set-up and stall anomalies are not
replayable one input at a time.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .base import Found, TwinFuzzer
from .cases import Case, Frame, HttpCase, RawCase, WsCase
from .report import TWINS, parse_stderr
from .runner import FUZZERS
from .serve import Serve


def unblob(value: dict[str, str]) -> bytes:
    if "b64" in value:
        return base64.b64decode(value["b64"])
    return value.get("text", "").encode("utf-8", "surrogatepass")


def _headers(raw: bytes) -> list[tuple[str, str]]:
    head = raw.partition(b"\r\n\r\n")[0].decode("utf-8", "surrogateescape")
    out = []
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.lower() not in ("host", "content-length"):
            out.append((key, value.strip()))
    return out


def case_from(rep: dict[str, Any]) -> Case | None:
    """The case a reproducer describes (None: not replayable on its own)."""
    kind = rep.get("kind")
    if kind == "http":
        raw = unblob(rep["request"])
        template = rep.get("template") or {}
        body = unblob(template["body"]) if "body" in template else raw.partition(
            b"\r\n\r\n")[2]
        return HttpCase(rep["method"], template.get("target", rep["target"]), _headers(raw),
                        body, sign=rep.get("signed"), note=rep.get("note", ""))
    if kind == "ws":
        template = rep.get("template") or {}
        frames = [Frame(raw=base64.b64decode(f["raw_b64"])) if "raw_b64" in f else Frame(
            unblob(f), f.get("opcode", 1), f.get("fin", True), f.get("rsv", 0),
            f.get("masked", True), sign=f.get("sign")) for f in rep["frames"]]
        headers = template.get("headers", rep.get("headers", []))
        return WsCase(frames, rep["state"], target=template.get("target", rep.get("target")),
                      headers=[(k, v) for k, v in headers],
                      violation=bool(rep.get("violation")), abort=rep.get("then") == "reset",
                      note=rep.get("note", ""))
    if kind == "tcp":
        return RawCase([unblob(c) for c in rep["chunks"]], then=rep.get("then", "read"),
                       delay=rep.get("delay", 0.0), malformed=rep.get("malformed", True),
                       note=rep.get("note", ""))
    return None


@dataclass
class Replayed:
    twin: str
    cls: str
    signature: str
    count: int
    input: dict[str, Any]
    #: True/False: came back or not; None: not replayable alone.
    reproduced: bool | None
    found: list[Found]


#: Examples tried per signature, smallest first (a log line that came late can pin an
#: anomaly on the input after the one that caused it).
TRIES = 3


def distinct(path: Path) -> list[tuple[int, list[dict[str, Any]]]]:
    """(count, the smallest few anomalies) per (twin, class, signature), most frequent
    first."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        anomaly = json.loads(line)
        key = (anomaly["twin"], anomaly["class"], anomaly["signature"])
        groups.setdefault(key, []).append(anomaly)
    out = [(len(group), sorted(group, key=lambda a: len(json.dumps(a["input"])))[:TRIES])
           for group in groups.values()]
    return sorted(out, key=lambda item: -item[0])


async def replay(path: Path, seed: int = 0,
                 pusher_redis: str | None = None) -> list[Replayed]:
    results: list[Replayed] = []
    wanted = distinct(path)
    for twin in TWINS:
        mine = [(n, a) for n, a in wanted if a[0]["twin"] == twin]
        if not mine:
            continue
        serve = Serve(seed, pusher_redis)
        serve.start()
        try:
            fuzzer = FUZZERS[twin](serve.settings[twin], random.Random(seed))
            await fuzzer.setup()
            serve.drain()
            for count, examples in mine:
                for anomaly in examples:
                    result, fuzzer = await _one(twin, serve, fuzzer, seed, count, anomaly)
                    if result.reproduced is not False or anomaly is examples[-1]:
                        results.append(result)
                        break
            await fuzzer.close()
        finally:
            serve.close()
    return results


async def _one(twin: str, serve: Serve, fuzzer: TwinFuzzer, seed: int, count: int,
               anomaly: dict[str, Any]) -> tuple[Replayed, TwinFuzzer]:
    case = case_from(anomaly["input"])
    found: list[Found] = []
    if case is not None:
        try:
            found = await fuzzer.run(case)
        except Exception as exc:  # report it, go on
            found = [("error", f"the replay raised {exc!r}", "")]
        found += [("traceback", s, d) for s, d in parse_stderr(serve.drain())]
        if not serve.alive:
            found.append(("crash", f"wiretwin serve exited {serve.returncode}",
                          ""))
            serve.stop()
            serve.start()
            fuzzer = FUZZERS[twin](serve.settings[twin], random.Random(seed))
            await fuzzer.setup()
    back = None if case is None else any(
        cls == anomaly["class"] and sig == anomaly["signature"]
        for cls, sig, _ in found)
    return Replayed(twin, anomaly["class"], anomaly["signature"], count,
                    anomaly["input"], back, found), fuzzer


def summary(results: list[Replayed]) -> str:
    lines = []
    for r in results:
        mark = {True: "reproduced", False: "NOT reproduced", None: "not replayable"}[
            r.reproduced]
        lines.append(f"{r.count:>6}  {r.twin:<8} {r.cls:<10} {mark:<15} {r.signature}")
        lines.append("          " + json.dumps(r.input, ensure_ascii=True)[:600])
    done = [r for r in results if r.reproduced is not None]
    lines.append(f"\n{sum(1 for r in done if r.reproduced)} of {len(done)} replayable "
                 f"signatures reproduced from one input ({len(results) - len(done)} not "
                 "replayable alone)")
    return "\n".join(lines)


__all__ = ["Replayed", "case_from", "distinct", "replay", "summary", "unblob"]
