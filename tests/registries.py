"""Package registries the tests start on loopback: an npm registry (package documents and tarballs made here)
and a Go module proxy (a module directory made here, served over HTTP). Free ports, temp dirs, stopped by
the fixtures that start them."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote


def npm_tarball(name: str, version: str, files: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        entries = {"package.json": json.dumps({"name": name, "version": version, "main": "index.js"})}
        entries |= files or {"index.js": "module.exports = {};\n"}
        for path, text in entries.items():
            data = text.encode()
            info = tarfile.TarInfo(f"package/{path}")
            info.size, info.mtime = len(data), 0
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class NpmHandler(SimpleHTTPRequestHandler):
    packages: ClassVar[dict[str, list[str]]] = {}
    base = ""
    requests_seen: ClassVar[list[str]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = unquote(self.path.split("?")[0]).lstrip("/")
        self.requests_seen.append(path)
        if "/-/" in path:
            name, file = path.split("/-/", 1)
            version = file.rsplit("-", 1)[1].removesuffix(".tgz")
            if version in self.packages.get(name, []):
                return self._send(npm_tarball(name, version), "application/octet-stream")
        elif path in self.packages:
            return self._send(json.dumps(self._document(path)).encode(), "application/json")
        self.send_error(404)

    def _document(self, name: str) -> dict[str, Any]:
        versions = {}
        for version in self.packages[name]:
            tarball = npm_tarball(name, version)
            short = name.split("/")[-1]
            versions[version] = {
                "name": name,
                "version": version,
                "dist": {
                    "tarball": f"{self.base}/{name}/-/{short}-{version}.tgz",
                    "shasum": hashlib.sha1(tarball).hexdigest(),
                    "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode(),
                },
            }
        return {"name": name, "dist-tags": {"latest": self.packages[name][-1]}, "versions": versions}

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serving(handler: Any) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def npm_registry(packages: dict[str, list[str]]) -> Iterator[str]:
    """A registry serving these packages (name -> versions, oldest first); yields its URL."""
    handler = type("Handler", (NpmHandler,), {"packages": packages, "requests_seen": []})
    with serving(handler) as url:
        handler.base = url
        yield url


def go_module(root: Path, module: str, version: str, files: dict[str, str]) -> None:
    """Add `module@version` to a module proxy directory (the GOPROXY protocol's files)."""
    escaped = "".join(f"!{c.lower()}" if c.isupper() else c for c in module)
    folder = root / escaped / "@v"
    folder.mkdir(parents=True, exist_ok=True)
    go_mod = files.get("go.mod", f"module {module}\n\ngo 1.21\n")
    (folder / f"{version}.mod").write_text(go_mod, encoding="utf-8")
    (folder / f"{version}.info").write_text(json.dumps({"Version": version, "Time": "2024-01-01T00:00:00Z"}))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in {"go.mod": go_mod, **files}.items():
            archive.writestr(f"{module}@{version}/{path}", text)
    (folder / f"{version}.zip").write_bytes(buffer.getvalue())
    listed = folder / "list"
    known = listed.read_text().split() if listed.is_file() else []
    listed.write_text("\n".join(sorted({*known, version})) + "\n")
    latest = max({*known, version}, key=lambda v: [int(p) for p in v.lstrip("v").split(".")])
    (root / escaped / "@latest").write_text(json.dumps({"Version": latest, "Time": "2024-01-01T00:00:00Z"}))


@contextmanager
def go_proxy(root: Path) -> Iterator[str]:
    """The module directory `root` served over HTTP; yields the GOPROXY URL."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    with serving(partial(Quiet, directory=str(root))) as url:
        yield url
