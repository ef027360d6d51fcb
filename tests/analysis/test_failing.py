"""The failing tests a log names: one sample per runner's shape, found through the markers, in any order."""

from __future__ import annotations

import pytest

from cicd_agent.analysis.failing import _SHAPES, MARKERS, FailingTests, named_test

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
    ("rspec ./spec/cart_spec.rb:19 # Cart#total applies coupons once", "Cart#total applies coupons once"),
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
    assert any(marker in last for marker in MARKERS), "a line the collector would never look at"
    found = FailingTests()
    found.feed(f"2024-05-01T12:00:00.1234567Z {last}\n", 0)
    assert found.between(0, 0) == [name]


@pytest.mark.parametrize(
    "line",
    ["  ● Test suite failed to run", "PASSED tests/a.py::test_x", "--- PASS: TestX (0.00s)", "XFAIL tests/a.py::x"],
)
def test_lines_that_name_no_failing_test(line: str) -> None:
    assert named_test(line) is None


def test_the_set_does_not_depend_on_the_order_or_the_chunks() -> None:
    lines = [f"FAILED tests/test_{i}.py::test_{i} - assert {i} == 0\n" for i in range(40)]
    one, two = FailingTests(), FailingTests()
    one.feed("".join(lines), 0)
    reordered = lines[::-1]
    two.feed("".join(reordered[:17]), 0)
    two.feed("".join(reordered[17:]), 17)
    assert one.between(0, 100) == two.between(0, 100) == sorted(name for name in one.first_seen)


def test_only_the_lines_asked_for() -> None:
    found = FailingTests()
    found.feed("--- FAIL: TestOld (0.00s)\nok\n--- FAIL: TestNew (0.00s)\n", 10)
    assert found.between(11, 20) == ["TestNew"]


def test_past_the_cap_it_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cicd_agent.analysis.failing.MAX_NAMES", 3)
    found = FailingTests()
    found.feed("".join(f"--- FAIL: Test{i} (0.00s)\n" for i in range(5)), 0)
    assert found.overflowed and len(found.first_seen) == 3
