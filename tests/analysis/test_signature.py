"""Signatures survive re-run noise and tell different failures apart, on the real logs."""

from __future__ import annotations

import random
import re
import uuid

import pytest
from breakages import CASES

from cicd_agent.analysis import analyze
from cicd_agent.analysis.normalize import normalize


def rerun_noise(text: str, seed: int) -> str:
    """What a re-run changes: timestamps, temp dirs, workspace prefixes, durations, line numbers,
    addresses, UUIDs, ports, PIDs, SHAs."""
    rng = random.Random(seed)

    def digits(match: re.Match[str]) -> str:
        return "".join(rng.choice("123456789") for _ in match.group(0))

    text = re.sub(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z",
        lambda m: (
            f"2031-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T"
            f"{rng.randint(10, 23)}:{rng.randint(10, 59)}:{rng.randint(10, 59)}.{rng.randint(1000000, 9999999)}Z"
        ),
        text,
    )
    text = re.sub(r"/tmp/[\w.-]+", lambda m: f"/tmp/tmp{rng.randint(10**6, 10**7)}x", text)
    text = text.replace("/home/runner/work/", f"/home/runner{rng.randint(1, 9)}/work/")
    text = text.replace("/builds/workspace/", "/var/lib/jenkins/workspace/")
    text = re.sub(
        r"\b\d+(?:\.\d+)? ?(?:ms|s|sec|seconds|min)\b", lambda m: f"{rng.randint(1, 999)}.{rng.randint(0, 9)}s", text
    )
    text = re.sub(r"(\.(?:java|py|js|ts|go|rs|c)):(\d+)", lambda m: f"{m.group(1)}:{rng.randint(1, 9999)}", text)
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
    return text


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_rerun_noise_keeps_the_signature(case) -> None:  # type: ignore[no-untyped-def]
    original = analyze(case.fail)
    text = case.fail.decode("utf-8", "replace")
    for seed in (1, 2):
        noisy = rerun_noise(text, seed)
        assert noisy != text or case.name == "pushcommentgithub_173"
        again = analyze(noisy)
        assert again.signature == original.signature, (case.name, seed)
        assert again.category == original.category


def test_signature_ignores_which_green_baseline_was_used() -> None:
    case = CASES[0]
    assert analyze(case.fail, case.passed).signature == analyze(case.fail).signature


def test_different_failures_never_share_a_signature() -> None:
    signatures = {analyze(case.fail).signature: case.name for case in CASES}
    assert len(signatures) == len(CASES)


def test_same_project_different_failures_differ() -> None:
    by_name = {case.name: case for case in CASES}
    for first, second in (("cidiff_11", "cidiff_75"), ("astor_1260", "astor_400")):
        assert analyze(by_name[first].fail).signature != analyze(by_name[second].fail).signature


def test_a_different_failure_in_the_same_log_changes_the_signature() -> None:
    base = (
        "2024-05-01T12:00:00.0000000Z ##[group]Run pytest\n2024-05-01T12:00:01.0000000Z E   {}\n"
        "2024-05-01T12:00:01.0000000Z ##[error]Process completed with exit code 1.\n"
    )
    one = analyze(base.format("AssertionError: expected total to be positive"))
    two = analyze(base.format("KeyError: 'user_id'"))
    assert one.signature != two.signature
    assert re.fullmatch(r"[0-9a-f]{64}", one.signature)


@pytest.mark.parametrize(
    ("line", "template"),
    [
        ("2024-05-01T12:00:00.1234567Z at 2024-05-01 12:00:00", "at <TS>"),
        ("File /home/runner/work/r/r/pkg/mod.py:12:5 bad", "File <PATH>/mod.py:<LINE> bad"),
        (r"C:\Users\me\AppData\Local\Temp\x\mod.py failed", "<PATH>/mod.py failed"),
        ("object at 0x7f3a2b1c0d10", "object at <ADDR>"),
        ("id 123e4567-e89b-12d3-a456-426614174000", "id <UUID>"),
        ("listening on 127.0.0.1:54321", "listening on <HOST>:<PORT>"),
        ("worker pid 4242 died", "worker pid <N> died"),
        ("commit 3f786850e387550fdab836ed7e6dc881de23001b", "commit <HEX>"),
        ("took 12.5s, 3 ms", "took <DUR>, <DUR>"),
        ("progress 45% (12/30)", "progress <PCT> (<N>/<N>)"),
        ("ModuleNotFoundError: No module named 'yaml'", "ModuleNotFoundError: No module named 'yaml'"),
    ],
)
def test_normalize(line: str, template: str) -> None:
    assert normalize(line) == template


@pytest.mark.parametrize(
    ("one", "two"),
    [
        ("=== 1 failed, 23 passed in 3.20s ===", "=== 1 failed, 24 passed, 2 skipped in 4.10s ==="),
        ("1 file would be reformatted, 137 files already formatted", "1 file would be reformatted"),
        ("Oh no! 1 file would be reformatted, 4 files would be left unchanged.", "Oh no! 1 file would be reformatted."),
    ],
)
def test_what_passed_does_not_change_the_template(one: str, two: str) -> None:
    assert normalize(one) == normalize(two)


def test_what_failed_still_does() -> None:
    assert normalize("FAILED tests/test_a.py::test_x") != normalize("FAILED tests/test_a.py::test_y")
