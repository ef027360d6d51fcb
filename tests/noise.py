"""What a re-run of the same failure changes in its log, applied at random: timestamps, temp dirs and
names, workspace prefixes, durations, line numbers, addresses, UUIDs, ports, PIDs, SHAs and other hex
ids, pytest-xdist worker ids."""

from __future__ import annotations

import random
import re
import uuid


def rerun_noise(text: str, seed: int) -> str:
    rng = random.Random(seed)

    def digits(match: re.Match[str]) -> str:
        return "".join(rng.choice("123456789") for _ in match.group(0))

    def hex_id(match: re.Match[str]) -> str:
        return "".join(rng.choice("0123456789abcdef") for _ in match.group(0)[:-1]) + rng.choice("0123456789")

    text = re.sub(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z",
        lambda m: (
            f"2031-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T"
            f"{rng.randint(10, 23)}:{rng.randint(10, 59)}:{rng.randint(10, 59)}.{rng.randint(1000000, 9999999)}Z"
        ),
        text,
    )
    text = re.sub(r"(?<=/tmp/)[\w.-]+", lambda m: re.sub(r"\d", lambda _: rng.choice("0123456789"), m.group(0)), text)
    text = re.sub(
        r"\btmp[a-z0-9_]{8}\b", lambda m: "tmp" + "".join(rng.choice("abcdefgh0123_") for _ in range(8)), text
    )
    text = re.sub(
        r"\[gw\d+\]|-gw\d+\b",
        lambda m: (
            m.group(0)[: m.group(0).index("gw") + 2]
            + str(rng.randint(0, 7))
            + ("]" if m.group(0).endswith("]") else "")
        ),
        text,
    )
    text = text.replace("/home/runner/work/", f"/home/runner{rng.randint(1, 9)}/work/")
    text = text.replace("/builds/workspace/", "/var/lib/jenkins/workspace/")
    text = re.sub(
        r"\b\d+(?:\.\d+)? ?(?:ms|s|sec|seconds|min)\b", lambda m: f"{rng.randint(1, 999)}.{rng.randint(0, 9)}s", text
    )
    text = re.sub(r"(\.(?:java|py|js|ts|go|rs|c|cpp)):(\d+)", lambda m: f"{m.group(1)}:{rng.randint(1, 9999)}", text)
    text = re.sub(r"\.java:\[\d+,\d+\]", lambda m: f".java:[{rng.randint(1, 999)},{rng.randint(1, 99)}]", text)
    text = re.sub(r"0x[0-9a-f]{6,}", lambda m: hex(rng.randint(16**8, 16**12)), text)
    text = re.sub(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        lambda m: str(uuid.UUID(int=rng.getrandbits(128))),
        text,
    )
    text = re.sub(r"(?<=localhost:)\d+|(?<=127\.0\.0\.1:)\d+", lambda m: str(rng.randint(1025, 65000)), text)
    text = re.sub(r"(?<=pid )\d+|(?<=PID )\d+", digits, text)
    text = re.sub(r"\b[0-9a-f]{40}\b", lambda m: f"{rng.getrandbits(160):040x}", text)
    text = re.sub(r"(?<=[ _-])(?=[0-9a-f]*[a-f])[0-9a-f]{9,30}\d(?![0-9A-Za-z])", hex_id, text)
    return text
