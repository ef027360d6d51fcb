"""Normalisation: what a re-run changes becomes a placeholder; what identifies the failure stays."""

from __future__ import annotations

import pytest

from cicd_agent.analysis.normalize import key, normalize


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
        # Go's and kubectl's compound durations, and Gradle's `4m 12s`, are one duration like `58s`
        ("Warning  Failed  2m5s  kubelet  Error: ErrImagePull", "Warning Failed <DUR> kubelet Error: ErrImagePull"),
        ("--- FAIL: TestSlow (1m30.5s)", "--- FAIL: TestSlow (<DUR>)"),
        ("BUILD FAILED in 4m 12s", "BUILD FAILED in <DUR>"),
        ("BUILD FAILED in 58s", "BUILD FAILED in <DUR>"),
        ("progress 45% (12/30)", "progress <PCT> (<N>/<N>)"),
        ("ModuleNotFoundError: No module named 'yaml'", "ModuleNotFoundError: No module named 'yaml'"),
        # re-run noise issue 13 found
        ("[gw3] [ 50%] FAILED tests/test_a.py::test_x", "[gw<N>] [ <PCT>] FAILED tests/test_a.py::test_x"),
        ("cache = Cache('/work/tmpa8x7_2kq')", "cache = Cache('<PATH>/tmp<TMP>')"),
        ("wrote tmpa8x7_2kq.json", "wrote tmp<TMP>.json"),
        ("cache key linux-pip-4f2c81a9", "cache key linux-pip-<HEX>"),
        ("container build_3f2a9c81b7 exited", "container build_<HEX> exited"),
        ("image 9C1F2E7A3 pulled", "image <HEX> pulled"),
        ("python /tmp/jenkins6935586436688970599.py", "python <PATH>/jenkins<N>.py"),
        # per-request tokens services print for support (issue 22)
        (
            "please include the request ID 8E2A:3C91F:1A77B0C:1B2F4D1:67D0A1F2 and timestamp",
            "please include the request ID <ID> and timestamp",
        ),
        ("'x-github-request-id': 'C411:2E7F09:5A1E33:5C0F12:67D0B7AC'", "'x-github-request-id': '<ID>'"),
        (
            "(Service: Lambda, Status Code: 400, Request ID: 90e32dce-930b-458e)",
            "(Service: Lambda, Status Code: <N>, Request ID: <ID>)",
        ),
        ("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "traceparent: <ID>"),
        ("trace_id=7c1f09ab2e44 span_id=91ac3e", "trace_id=<ID> span_id=<ID>"),
        ("X-Amz-Cf-Id: Vq8Jt2n5_w9Kx1==", "X-Amz-Cf-Id: <ID>"),
        ("request id 5QX2-ZP7K-19AF", "request id <ID>"),
        ("correlation id unknown", "correlation id unknown"),
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
        ("[gw0] FAILED tests/test_a.py::test_x", "[gw7] FAILED tests/test_a.py::test_x"),
    ],
)
def test_what_passed_and_who_ran_it_does_not_change_the_template(one: str, two: str) -> None:
    assert normalize(one) == normalize(two)


def test_what_failed_still_does() -> None:
    assert normalize("FAILED tests/test_a.py::test_x") != normalize("FAILED tests/test_a.py::test_y")
    assert normalize("F401 `os` imported but unused") != normalize("F401 `sys` imported but unused")


def test_key_drops_digits_only() -> None:
    assert key("a.c:12: error: 'x' undeclared") == key("a.c:345: error: 'x' undeclared")
    assert key("a.c:12: error: 'x' undeclared") != key("a.c:12: error: 'y' undeclared")
