"""The failing tests a log names: one sample per runner's shape, found through the markers, in any order."""

from __future__ import annotations

import pytest

from cicd_agent.analysis.evidence import PREFILTER
from cicd_agent.analysis.failing import _SHAPES, CHUNK_MARKERS, LINE_MARKERS, FailingTests, named_test
from cicd_agent.analysis.stream import scan

# One real-shaped line per runner (same order as _SHAPES), and the name it gives.
SAMPLES = [
    (
        "FAILED tests/test_ledger.py::test_settle - AssertionError: assert 'a' == 'b'",
        "tests/test_ledger.py::test_settle",
    ),
    ("[gw2] PASSED tests/a.py::x\ntests/test_api.py::test_login FAILED", "tests/test_api.py::test_login"),
    ("    --- FAIL: TestParseDuration/hours (0.00s)", "TestParseDuration/hours"),
    ("test money::tests::rounds_half_even ... FAILED", "money::tests::rounds_half_even"),
    ("  ● totals › applies the member discount", "totals › applies the member discount"),
    (" FAIL  src/posts/status.test.ts > status > publishes 11ms", "src/posts/status.test.ts > status > publishes"),
    ("CalcTest > addsNegatives() FAILED", "CalcTest > addsNegatives()"),
    (
        "[ERROR] com.acme.cart.PricingTest.bulkDiscount -- Time elapsed: 0.01 s <<< FAILURE!",
        "com.acme.cart.PricingTest.bulkDiscount",
    ),
    ("testAdds(com.acme.CalcTest)  Time elapsed: 0.01 sec  <<< FAILURE!", "testAdds com.acme.CalcTest"),
    ("  Failed Shipping.Tests.RateTests.ZoneSurcharge [8 ms]", "Shipping.Tests.RateTests.ZoneSurcharge"),
    (
        "  1) [chromium] › tests/checkout.spec.ts:18:7 › checkout › shows ──────",
        "chromium tests/checkout.spec.ts:18:7 › checkout › shows",
    ),
    ("FAIL: test_totals (tests.test_cart.CartTests.test_totals)", "test_totals tests.test_cart.CartTests.test_totals"),
]


def test_every_shape_has_a_sample() -> None:
    assert len(SAMPLES) == len(_SHAPES)


@pytest.mark.parametrize(("line", "name"), SAMPLES)
def test_each_shape_names_its_test_and_holds_a_marker(line: str, name: str) -> None:
    last = line.split("\n")[-1]
    assert named_test(last) == name
    if any(marker in last for marker in CHUNK_MARKERS):
        found = FailingTests()
        found.feed(f"2024-05-01T12:00:00.1234567Z {last}\n", 0)
        assert found.between(0, 0) == [name]
    else:  # the scan hands it over: it must pass the prefilter and hold a marker
        assert any(marker in last for marker in LINE_MARKERS) and PREFILTER.lines(last + "\n") == [0]
    stamped = "".join(f"2024-05-01T12:00:00.1234567Z {text}\n" for text in ["##[group]Run make test", last])
    assert scan(
        stamped + "2024-05-01T12:00:00.1234567Z ##[error]Process completed with exit code 1.\n"
    ).failed_tests == [name]


@pytest.mark.parametrize(
    "line",
    ["  ● Test suite failed to run", "PASSED tests/a.py::test_x", "--- PASS: TestX (0.00s)", "XFAIL tests/a.py::x"],
)
def test_lines_that_name_no_failing_test(line: str) -> None:
    assert named_test(line) is None


def test_the_set_does_not_depend_on_the_order_even_inside_a_flood_of_errors() -> None:
    tests = [f"FAILED tests/test_{i}.py::test_{i} - assert {i} == 0" for i in range(40)]
    errors = [f"src/m{i}.c:{i}: error: '{i}' undeclared" for i in range(60)]  # a saturated block around them

    def names(lines: list[str]) -> list[str]:
        body = ["##[group]Run make test", *lines, "##[error]Process completed with exit code 1."]
        return scan("".join(f"2024-05-01T12:00:00.1234567Z {line}\n" for line in body)).failed_tests

    assert names([*errors, *tests]) == names([*errors, *tests[::-1]]) == sorted(t[7:].split(" - ")[0] for t in tests)


def test_only_the_lines_asked_for() -> None:
    found = FailingTests()
    found.add(10, "--- FAIL: TestOld (0.00s)")
    found.feed("x\n  ● suite › new\n", 11)
    assert found.between(11, 20) == ["suite › new"]


def test_past_the_cap_it_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cicd_agent.analysis.failing.MAX_NAMES", 3)
    found = FailingTests()
    for i in range(5):
        found.add(i, f"--- FAIL: Test{i} (0.00s)")
    assert found.overflowed and len(found.first_seen) == 3
