# ruff: noqa: E501
"""Node and Go cases, written after real shapes: an Express-style app whose .npmrc keeps no lockfile
(`package-lock=false`), ESM `ERR_MODULE_NOT_FOUND` and CommonJS `Cannot find module` errors from a runtime
file and from a test, Node built-ins, typos and paths; Go's `no required module provides package` and
`missing go.sum entry` in a module whose go.mod pins its Go version. Names are verified on a loopback npm
registry and Go module proxy the corpus starts (fixer_corpus.loopback_registries)."""

from __future__ import annotations

from fixer_corpus import Case

N = "missing-dependency"
WF = ".github/workflows/ci.yml"
NODE_WF = """name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm install --ignore-scripts --include=dev
      - run: npm test
"""
PACKAGE = """{
  "name": "shop-api",
  "version": "2.3.0",
  "private": true,
  "type": "module",
  "scripts": {
    "test": "mocha --recursive test"
  },
  "dependencies": {
    "express": "^4.19.2"
  },
  "devDependencies": {
    "mocha": "^10.4.0"
  }
}
"""
NPMRC = "package-lock=false\nignore-scripts=true\n"
ESM = (
    "node:internal/modules/esm/resolve:854\n  throw new ERR_MODULE_NOT_FOUND(packageName, fileURLToPath(base), null);\n"
    "        ^\n\nError [ERR_MODULE_NOT_FOUND]: Cannot find package '{name}' imported from "
    "/home/runner/work/shop-api/shop-api/{file}\n    at packageResolve (node:internal/modules/esm/resolve:854:9)\n"
    "  code: 'ERR_MODULE_NOT_FOUND'\n\nNode.js v20.18.0\n##[error]Process completed with exit code 1."
)
CJS = (
    "Error: Cannot find module '{name}'\nRequire stack:\n- /home/runner/work/shop-api/shop-api/{file}\n"
    "    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)\n  code: 'MODULE_NOT_FOUND',\n"
    "##[error]Process completed with exit code 1."
)
GO_WF = """name: Go
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
        with:
          go-version-file: go.mod
      - run: go build ./...
      - run: go test ./...
"""
GO_MOD = "module example.com/shop\n\ngo 1.22\n"
MAIN = 'package main\n\nimport (\n\t"fmt"\n\n\t"{pkg}"\n)\n\nfunc main() {{ fmt.Println("shop") }}\n'
NO_MODULE = (
    "go: downloading example.org/slug v1.1.0\ncmd/shop/main.go:6:2: no required module provides package {pkg}; to add it:\n"
    "\tgo get {pkg}\n##[error]Process completed with exit code 1."
)
NODE_FILES = {"package.json": PACKAGE, ".npmrc": NPMRC, WF: NODE_WF}

CASES: list[Case] = [
    Case(
        "node-esm-runtime-import-no-lockfile",
        N,
        "an ESM route module imports zod; the project keeps no lockfile (.npmrc package-lock=false)",
        {**NODE_FILES, "src/routes/orders.js": "import { z } from 'zod'\n"},
        ESM.format(name="zod", file="src/routes/orders.js"),
        edits={"package.json": [('"express": "^4.19.2"\n', '"express": "^4.19.2",\n    "zod": "^3.23.8"\n')]},
    ),
    Case(
        "node-test-import-goes-to-dev-dependencies",
        N,
        "a mocha test requires supertest: devDependencies, after mocha (sorted)",
        {**NODE_FILES, "test/orders.test.cjs": "const request = require('supertest')\n"},
        CJS.format(name="supertest", file="test/orders.test.cjs"),
        edits={"package.json": [('"mocha": "^10.4.0"\n', '"mocha": "^10.4.0",\n    "supertest": "^7.0.0"\n')]},
    ),
    Case(
        "node-subpath-import-declares-the-package",
        N,
        "`dayjs/plugin/utc` imported from a runtime module: the package is dayjs",
        {**NODE_FILES, "src/time.js": "import utc from 'dayjs/plugin/utc.js'\n"},
        ESM.format(name="dayjs", file="src/time.js").replace("package 'dayjs'", "package 'dayjs/plugin/utc.js'"),
        edits={
            "package.json": [
                ('"dependencies": {\n    "express"', '"dependencies": {\n    "dayjs": "^1.11.13",\n    "express"')
            ]
        },
    ),
    Case(
        "node-builtin-module",
        N,
        "`node:test` on an old Node: the Node version is wrong, not a package",
        {**NODE_FILES, "test/a.test.js": "import test from 'node:test'\n"},
        ESM.format(name="node:test", file="test/a.test.js").replace("Cannot find package", "Cannot find module"),
        refusal="built-in module of Node.js",
        fix_exists=False,
    ),
    Case(
        "node-typo-of-a-well-known-package",
        N,
        "`expresss` (a squatted name exists on the registry): never written",
        {**NODE_FILES, "src/server.js": "import express from 'expresss'\n"},
        ESM.format(name="expresss", file="src/server.js"),
        refusal="looks like a misspelling of `express`",
        fix_exists=False,
    ),
    Case(
        "node-relative-path",
        N,
        "a relative import of a file that is not committed: no package to add",
        {**NODE_FILES, "src/server.js": "import config from './config.js'\n"},
        ESM.format(name="./config.js", file="src/server.js").replace("Cannot find package", "Cannot find module"),
        refusal="a path in the project, not a package",
        fix_exists=False,
    ),
    Case(
        "node-already-declared",
        N,
        "express is declared: the install step is at fault (e.g. it ran with --omit=prod), not package.json",
        {**NODE_FILES, "src/server.js": "import express from 'express'\n"},
        ESM.format(name="express", file="src/server.js"),
        refusal="already declared in dependencies",
        fix_exists=False,
    ),
    Case(
        "go-no-required-module",
        N,
        "a command imports a module go.mod does not require: go get at the latest version, go mod tidy",
        {"go.mod": GO_MOD, "cmd/shop/main.go": MAIN.format(pkg="example.org/slug"), WF: GO_WF},
        NO_MODULE.format(pkg="example.org/slug"),
        edits={"go.mod": [("go 1.22\n", "go 1.22\n\nrequire example.org/slug v1.1.0\n")]},
        generated={"go.sum": "example.org/slug v1.1.0 h1:"},
        job="build",
    ),
    Case(
        "go-missing-go-sum-entry",
        "lockfile",
        "go.mod requires the module but go.sum was not committed with it: go mod tidy",
        {
            "go.mod": GO_MOD + "\nrequire example.org/slug v1.0.0\n",
            "cmd/shop/main.go": MAIN.format(pkg="example.org/slug"),
            WF: GO_WF,
        },
        "cmd/shop/main.go:6:2: missing go.sum entry for module providing package example.org/slug (imported by example.com/shop/cmd/shop); to add:\n\tgo get example.com/shop/cmd/shop\n##[error]Process completed with exit code 1.",
        generated={"go.sum": "example.org/slug v1.0.0 h1:"},
        job="build",
    ),
    Case(
        "go-typo-of-a-well-known-module",
        N,
        "`github.com/spf13/cobr`: one letter from cobra",
        {"go.mod": GO_MOD, "cmd/shop/main.go": MAIN.format(pkg="github.com/spf13/cobr"), WF: GO_WF},
        NO_MODULE.format(pkg="github.com/spf13/cobr"),
        refusal="misspelling of `github.com/spf13/cobra`",
        fix_exists=False,
        job="build",
    ),
    Case(
        "go-own-package-missing",
        N,
        "a package of the module itself that is not committed: no module to add",
        {"go.mod": GO_MOD, "cmd/shop/main.go": MAIN.format(pkg="example.com/shop/internal/store"), WF: GO_WF},
        NO_MODULE.format(pkg="example.com/shop/internal/store"),
        refusal="a package of this module",
        fix_exists=False,
        job="build",
    ),
]
