"""The one pass: the same result however the log is cut into chunks or handed over, and bounded memory
whatever the log (blocks kept, lines kept per block, keys remembered)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cicd_agent.analysis import analyze
from cicd_agent.analysis import stream as stream_module
from cicd_agent.analysis.blocks import HEAD, KEEP_AFTER, RETAIN
from cicd_agent.analysis.stream import baseline_keys, scan

CORPUS = Path(__file__).parent / "corpus"
TS = "2024-05-01T12:00:00.0000000Z "


@pytest.mark.parametrize("name", ["pytest-xdist", "pre-commit-fixers", "maven-surefire", "set-env-disabled"])
@pytest.mark.parametrize("chunk", [7, 100, 4096])
def test_chunk_size_does_not_change_the_analysis(name: str, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    log = CORPUS / f"{name}.log"
    whole = analyze(log)
    monkeypatch.setattr(stream_module, "CHUNK", chunk)
    assert analyze(log) == whole


def test_text_bytes_path_and_open_file_give_the_same_analysis() -> None:
    path = CORPUS / "jest.log"
    data = path.read_bytes()
    with path.open("rb") as handle:
        from_file = analyze(handle)
    assert analyze(data) == analyze(data.decode()) == analyze(path) == from_file


def test_error_lines_in_a_row_keep_one_block_with_its_head() -> None:
    lines = [f"src/m{i % 97}.c:{i}: error: '{_name(i)}' undeclared" for i in range(20_000)]
    result = scan("".join(f"{TS}{line}\n" for line in lines))
    assert len(result.raw_blocks) == 1
    block = result.raw_blocks[0]
    assert (block.start, block.end) == (0, len(lines) - 1)
    assert len(block.lines) <= HEAD + KEEP_AFTER


def _name(number: int) -> str:
    """A distinct word per number (keys ignore digits)."""
    word = ""
    while True:
        number, letter = divmod(number, 26)
        word += chr(97 + letter)
        if not number:
            return word


def test_separate_errors_keep_a_bounded_number_of_blocks() -> None:
    text = "".join(f"error: failure in unit {_name(i)}\nok\nok\nok\nok\n" for i in range(5_000))
    result = scan(text)
    assert len(result.raw_blocks) <= RETAIN * 2  # two score classes: the first repeats of a line and the rest
    assert max(b.start for b in result.raw_blocks) == 5 * 4_999  # the newest are the ones kept


def test_baseline_keys_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_module, "MAX_KNOWN", 50)
    keys = baseline_keys("".join(f"warning: error in fixture {_name(i)}\n" for i in range(500)))
    assert len(keys) == 50


def test_a_line_repeated_without_end_is_evidence_three_times() -> None:
    text = "".join(f"{TS}error: connection to db-{i} refused\n" for i in range(1000))
    block = scan(text).raw_blocks[0]
    assert sum(1 for _ in block.weights) == 3


def test_the_tail_is_the_failing_steps_own_output() -> None:
    log = "".join(
        f"{TS}{line}\n"
        for line in [
            "##[group]Run ./build.sh",
            "./build.sh",
            "shell: /usr/bin/bash -e {0}",
            "##[endgroup]",
            "building",
            "",
            "cannot find the signing key",
            "##[error]Process completed with exit code 3.",
            "Post job cleanup.",
            "[command]/usr/bin/git version",
        ]
    )
    result = scan(log)
    assert [text for _, text in result.tail] == ["building", "cannot find the signing key"]
    assert result.error == (7, "##[error]Process completed with exit code 3.")
    assert result.step == "Run ./build.sh"


def test_an_open_file_is_read_from_where_it_stands() -> None:
    handle = io.BytesIO(b"header that is not part of the log\nerror: boom\n")
    handle.readline()
    assert [text for b in scan(handle).raw_blocks for text in b.lines.values()] == ["error: boom"]


def test_a_line_that_went_by_as_a_repeat_counts_again_once_the_counts_start_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Repeats go by undecoded (`inert`) only while `seen` remembers them: when its counts start again, so do
    theirs, as when every line was looked at."""
    monkeypatch.setattr(stream_module, "MAX_KEYS", 20)
    gap = [f"{TS}ok"] * 4  # each error its own block
    repeated = [f"{TS}error: connection refused"] * 4
    others = [line for i in range(25) for line in (f"{TS}error: unit {_name(i)} failed", *gap)]  # 25 keys
    result = scan("\n".join([*repeated, *gap, *others, *repeated]) + "\n")
    refused = [b for b in result.raw_blocks if "error: connection refused" in b.lines.values()]
    assert [sorted(b.weights) for b in refused] == [[0, 1, 2], [133, 134, 135]]


def test_a_long_line_kept_after_evidence_is_kept_cleaned_never_whole() -> None:
    wide = "x" * (1024 * 1024)
    log = f"{TS}error: the bundle below is not valid\n{TS}\x1b[31m{wide}\x1b[0m\n{TS}ok\n"
    block = scan(log).raw_blocks[0]
    assert block.lines == {0: "error: the bundle below is not valid", 1: "x" * 2000, 2: "ok"}
    assert type(block.lines[1]) is str


def test_group_lines_are_taken_in_wherever_the_chunks_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """The step of an evidence line is the last `Run` group before it, whatever group lines, echoed markers
    and chunk boundaries lie between."""
    lines = ["##[group]Run make", "##[endgroup]", "error: first"]
    for i in range(30):
        lines += [f"##[group]Run step {i}", "echo '##[group]Run not a group'", "##[group]Details", "##[endgroup]"]
    lines += ["error: last", "##[error]Process completed with exit code 2."]
    log = "".join(f"{TS}{line}\n" for line in lines)

    def steps() -> list[tuple[int, int, str | None]]:
        result = scan(log)
        assert result.step == "Run step 29" and result.grouped
        return [(b.start, b.end, b.step) for b in result.raw_blocks]

    assert steps() == [(2, 2, "Run make"), (len(lines) - 2, len(lines) - 1, "Run step 29")]
    for chunk in (64, 200, 1000):
        monkeypatch.setattr(stream_module, "CHUNK", chunk)
        assert steps() == [(2, 2, "Run make"), (len(lines) - 2, len(lines) - 1, "Run step 29")]
