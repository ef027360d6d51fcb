"""What the fixers get of a job log: the lines they read, bounded whatever the log's size."""

from __future__ import annotations

import io

from cicd_agent.fixers.install_commands import commands_in_log
from cicd_agent.remediation import explain
from cicd_agent.remediation.explain import MAX_FIXER_LINES, lines_for_fixers

TS = "2026-11-30T10:00:00.0000000Z "
LOG = "".join(
    f"{TS}{line}\n"
    for line in [
        "##[group]Run actions/checkout@v4",
        "##[endgroup]",
        "##[group]Run python -m pip install -e '.[test]'",
        "Collecting requests",
        "Successfully installed requests-2.32.3",
        "##[endgroup]",
        "##[group]Run pytest",
        '  File "/home/runner/work/r/r/tests/test_api.py", line 3, in <module>',
        "E   ModuleNotFoundError: No module named 'responses'",
        "Would reformat: src/pkg/mod.py",
        "##[warning]Node.js 16 actions are deprecated. Please update the following actions to use Node.js 20: "
        "actions/checkout@v3",
        "ruff format.............................................................Failed",
        "- hook id: ruff-format",
        "##[error]Process completed with exit code 1.",
    ]
)


def test_the_lines_fixers_read_are_kept_and_the_rest_dropped() -> None:
    kept = lines_for_fixers(io.BytesIO(LOG.encode()))
    assert commands_in_log(kept) == ["actions/checkout@v4", "python -m pip install -e '.[test]'", "pytest"]
    for wanted in (
        "No module named 'responses'",
        "tests/test_api.py",
        "Would reformat: src/pkg/mod.py",
        "Node.js 16 actions",
        "Failed",
        "- hook id: ruff-format",
    ):
        assert wanted in kept
    assert "Collecting requests" not in kept and "exit code 1" not in kept


def test_a_huge_log_gives_a_bounded_digest() -> None:
    noisy = (f"{TS}Would reformat: src/pkg/m.py" + "x" * 5000 + "\n") * (MAX_FIXER_LINES + 100)
    kept = lines_for_fixers(io.BytesIO(noisy.encode()))
    lines = kept.split("\n")
    assert len(lines) == MAX_FIXER_LINES and max(len(line) for line in lines) <= 2_000


def test_a_line_longer_than_the_reads_is_cut_and_the_lines_after_it_still_read() -> None:
    """A job that prints one enormous line (a minified bundle, a base64 blob): its head is kept when it names
    what fixers look for, the rest is skipped piece by piece, and the lines after it are read as usual."""
    huge = f"{TS}Would reformat: src/a.py " + "x" * (3 * explain.SKIP + 17) + "No module named 'late'\n"
    log = huge + f"{TS}Would reformat: src/b.py\n" + f"{TS}" + "y" * (explain.SKIP + 5) + "\n" + LOG
    kept = lines_for_fixers(io.BytesIO(log.encode())).split("\n")
    assert kept[0].startswith(f"{TS}Would reformat: src/a.py xxx") and len(kept[0].encode()) == 2_000
    assert kept[1] == f"{TS}Would reformat: src/b.py"
    assert "late" not in "\n".join(kept)  # past the kept head: not a line fixers can use
    assert kept[2:] == lines_for_fixers(io.BytesIO(LOG.encode())).split("\n")
