from __future__ import annotations

import io
import re

import pytest

from cicd_agent.analysis.logtext import MAX_LINE, clean, iter_chunks, strip_prefix


def _lines(source: str | bytes, chunk: int) -> list[str]:
    return "".join(iter_chunks(source, chunk)).split("\n")[:-1]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1024])
def test_splits_on_crlf_cr_and_lf_across_chunk_boundaries(chunk: int) -> None:
    text = "a\r\nb\rc\nd\r\n\r\ne"
    assert _lines(text, chunk) == ["a", "b", "c", "d", "", "e"]
    assert _lines(text.encode(), chunk) == ["a", "b", "c", "d", "", "e"]


def test_reference_split_agrees() -> None:
    text = "x\r\r\ny\n\rz"
    assert _lines(text, 2) == [p for p in re.split(r"\r\n|\r|\n", text)]


def test_invalid_utf8_and_multibyte_split_across_chunks() -> None:
    data = "é€😀\n".encode() + b"\xff\xfe broken\n"
    lines = _lines(data, 1)
    assert lines[0] == "é€😀"
    assert lines[1].endswith(" broken") and "\ufffd" in lines[1]


def test_overlong_line_is_cut_and_memory_stays_small() -> None:
    data = "x" * (5 * 1024 * 1024) + "\nnext error: boom\n"
    lines = _lines(data, 64 * 1024)
    assert len(lines[0]) == MAX_LINE and lines[1] == "next error: boom"


def test_clean_removes_prefixes_and_colours_but_keeps_line_count() -> None:
    raw = (
        "job\tstep one\t2024-05-01T12:00:00.1234567Z \x1b[31mred\x1b[0m\n"
        "2024-05-01T12:00:01.0000000Z [[1;31mERROR[m] plain\n"
        "no prefix [ok]\n"
    )
    assert clean(raw).split("\n") == ["red", "[ERROR] plain", "no prefix [ok]", ""]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("error: [mypy] x [misc]", "error: [mypy] x [misc]"),  # ordinary brackets that start with m
        ("src/a.py:3: error: Name [name-defined] [m]", "src/a.py:3: error: Name [name-defined] [m]"),
        ("[INFO] [1;31mBUILD FAILURE[m", "[INFO] BUILD FAILURE"),  # Maven with its ESC lost
        ("[[1;31mERROR[m] [1m[31mx[m y", "[ERROR] x y"),
        ("\x1b[1m[mypy]\x1b[m done", "[mypy] done"),
    ],
)
def test_colour_codes_without_esc_are_stripped_but_brackets_are_kept(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_strip_prefix_agrees_with_clean_line_by_line() -> None:
    raw = [
        "job\tstep one\t2024-05-01T12:00:00.1234567Z \x1b[31mred\x1b[0m",
        "2024-05-01T12:00:01.0000000Z [[1;31mERROR[m] plain",
        "no prefix [ok]",
        "2024-05-01T12:00:01Z short stamp",
    ]
    assert [strip_prefix(line) for line in raw] == clean("\n".join(raw)).split("\n")


@pytest.mark.parametrize("chunk", [1, 5, 1024])
def test_an_open_binary_file_is_read_like_bytes(chunk: int) -> None:
    data = "é\r\nline two\rthree\n".encode()
    handle = io.BytesIO(data)
    assert "".join(iter_chunks(handle, chunk)) == "".join(iter_chunks(data, chunk)) == "é\nline two\nthree\n"
    assert not handle.closed
