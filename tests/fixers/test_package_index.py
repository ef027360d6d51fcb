"""The package-index port: PyPI's JSON API and a wheel's file list read by range requests, served by
`responses` (no network); and a directory of wheels."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
import requests
import responses

from cicd_agent.fixers.package_index import IndexUnavailable, PyPIIndex, WheelhouseIndex, modules_in

PYPI = "https://pypi.org"
FILES = "https://files.pythonhosted.org/packages/ab/cd"


def wheel(files: list[str], padding: int = 0) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in files:
            archive.writestr(name, "x" * padding)
        archive.writestr("pkg-1.0.dist-info/METADATA", "Name: pkg\n")
    return buffer.getvalue()


def serve_ranges(url: str, body: bytes) -> list[str]:
    """Serve `body` at `url` honouring Range headers, as files.pythonhosted.org does; returns the ranges asked."""
    asked: list[str] = []

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        match = re.fullmatch(r"bytes=(\d+)-(\d+)", str(request.headers.get("Range", "")))
        if match is None:
            return 200, {}, body
        asked.append(match.group(0))
        start, end = int(match.group(1)), int(match.group(2))
        return 206, {"Content-Range": f"bytes {start}-{end}/{len(body)}"}, body[start : end + 1]

    responses.add_callback(responses.GET, url, callback=answer)
    return asked


def project(name: str, version: str, urls: list[dict[str, object]], requires: list[str] | None = None) -> None:
    info = {"name": name, "version": version, "requires_dist": requires}
    responses.get(f"{PYPI}/pypi/{name.lower()}/json", json={"info": info, "urls": urls})


@responses.activate
def test_a_distribution_and_the_modules_its_wheel_ships_read_from_the_end_of_the_wheel() -> None:
    body = wheel(["google/protobuf/__init__.py", "google/protobuf/json_format.py"], padding=300_000)
    asked = serve_ranges(f"{FILES}/protobuf-5.28.3-py3-none-any.whl", body)
    project(
        "protobuf",
        "5.28.3",
        [
            {"packagetype": "sdist", "filename": "protobuf-5.28.3.tar.gz", "url": "x", "size": 1},
            {
                "packagetype": "bdist_wheel",
                "filename": "protobuf-5.28.3-py3-none-any.whl",
                "url": f"{FILES}/protobuf-5.28.3-py3-none-any.whl",
                "size": len(body),
            },
        ],
    )
    found = PyPIIndex().lookup("protobuf")
    assert found is not None and (found.name, found.version) == ("protobuf", "5.28.3")
    assert found.ships("google.protobuf") and found.ships("google.protobuf.json_format")
    assert not found.ships("google.cloud")
    assert len(body) > 600_000 and len(asked) <= 2  # only the end of a large wheel is read


@responses.activate
def test_unknown_names_are_none_and_outages_are_unavailable_never_a_guess() -> None:
    responses.get(f"{PYPI}/pypi/reqeusts-nope/json", status=404)
    responses.get(f"{PYPI}/pypi/flaky/json", status=503)
    index = PyPIIndex()
    assert index.lookup("reqeusts-nope") is None
    with pytest.raises(IndexUnavailable):
        index.lookup("flaky")
    with pytest.raises(IndexUnavailable):  # nothing registered: the connection fails
        index.lookup("unreachable")


@responses.activate
def test_extras_of_a_dependency_and_sdist_only_projects() -> None:
    project("legacy", "0.1", [{"packagetype": "sdist", "filename": "legacy-0.1.tar.gz", "url": "x", "size": 1}])
    body = wheel(["httpx/__init__.py"])
    serve_ranges(f"{FILES}/httpx.whl", body)
    requires = ['socksio==1.* ; extra == "socks"', "idna", 'h2<5,>=3 ; extra == "http2"']
    project(
        "httpx",
        "0.28.1",
        [
            {
                "packagetype": "bdist_wheel",
                "filename": "httpx-0.28.1-py3-none-any.whl",
                "url": f"{FILES}/httpx.whl",
                "size": len(body),
            }
        ],
        requires,
    )
    index = PyPIIndex()
    legacy = index.lookup("legacy")
    assert legacy is not None and not legacy.has_wheel
    httpx = index.lookup("HTTPX")
    assert httpx is not None and httpx.through_extra("socks") == {"socksio"} and httpx.through_extra("cli") == set()


def test_modules_in_a_wheel_file_list() -> None:
    names = [
        "six.py",
        "_cffi_backend.cpython-312-x86_64-linux-gnu.so",
        "yaml/__init__.py",
        "pkg-1.0.dist-info/RECORD",
        "pkg-1.0.data/scripts/x",
    ]
    assert modules_in(names) == frozenset({"six", "_cffi_backend", "yaml"})


def test_a_directory_of_wheels(tmp_path: Path) -> None:
    (tmp_path / "PyYAML-6.0.2-py3-none-any.whl").write_bytes(wheel(["yaml/__init__.py"]))
    index = WheelhouseIndex(tmp_path)
    found = index.lookup("pyyaml")
    assert found is not None and found.ships("yaml") and index.lookup("requests") is None
