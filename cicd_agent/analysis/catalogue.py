"""The category catalogue: one table of what CI tools print when they fail, and what that failure is.

Each row: the category (what `rules.py` matches on), the tool, a pattern over log lines, example lines
as real logs print them (the tests check each example is classified by its own row), and the strategy
the built-in rules give the category. Rows are in priority order: when several rows match lines of the
same part of a log, the first row wins, so specific rows come before general ones. docs/categories.md
is generated from this table by `markdown()` (a test checks that it is current).

A row marked `fallback` (deprecation warnings) only decides when nothing else in the failing step did:
GitHub prints those warnings in jobs that fail for other reasons. A row's `step` pattern is tried on the
failing step's title when its output has no recognisable line (`gofmt -l` prints only file names).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

RERUN, FIX, REPORT = "rerun", "fix", "report"


@dataclass(frozen=True)
class Row:
    category: str
    tool: str
    pattern: str
    examples: tuple[str, ...]
    strategy: str
    step: str = ""  # a pattern over the failing step's title, for tools whose output names no failure
    tool_from: str = ""  # a pattern whose group(1) over the matched lines refines the tool (a hook id)
    fallback: bool = False


def _r(category: str, tool: str, pattern: str, *examples: str, **options: str | bool) -> Row:
    return Row(category, tool, pattern, examples, STRATEGY[category], **options)  # type: ignore[arg-type]


STRATEGY: dict[str, str] = {
    "timeout": FIX,
    "infra.runner": RERUN,
    "infra.out-of-memory": REPORT,
    "infra.disk-full": REPORT,
    "actions.deprecated-version": FIX,
    "network.transient": RERUN,
    "dependency.lockfile": REPORT,
    "dependency.missing-module": FIX,
    "dependency.resolution": REPORT,
    "format.check": FIX,
    "types.check": REPORT,
    "lint": REPORT,
    "compile.error": REPORT,
    "test.flaky": REPORT,
    "test.failure": REPORT,
}

ROWS: tuple[Row, ...] = (
    # --- the runner stopped the job -------------------------------------------------------------------
    _r(
        "timeout",
        "github-actions",
        r"has exceeded the maximum execution time of \d+ minutes|The action '.*' has timed out after \d+ minutes",
        "##[error]The job running on runner GitHub Actions 4 has exceeded the maximum execution time of 360 minutes.",
        "##[error]The action 'Verify Release is on NPM' has timed out after 3 minutes.",
    ),
    _r(
        "infra.runner",
        "github-actions",
        r"lost communication with the server|The runner has received a shutdown signal|"
        r"The hosted runner encountered an error while running your job",
        "##[error]The runner has received a shutdown signal. This can happen when the runner service is stopped, or a"
        " manually started runner is canceled.",
        "The hosted runner: GitHub Actions 12 lost communication with the server. Anything in your workflow that"
        " terminates the runner process, starves it for CPU/Memory, or blocks its network access can cause this error.",
        "The self-hosted runner: sylphx-1 lost communication with the server. Verify the machine is running and has a"
        " healthy network connection.",
    ),
    _r(
        "infra.out-of-memory",
        "node",
        r"JavaScript heap out of memory|Reached heap limit Allocation failed",
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        "FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory",
    ),
    _r(
        "infra.out-of-memory",
        "jvm",
        r"java\.lang\.OutOfMemoryError|OutOfMemoryError: (?:Java heap space|GC overhead limit exceeded|Metaspace)|"
        r"Expiring Daemon because JVM heap space is exhausted",
        "ERROR: D8: java.lang.OutOfMemoryError: Java heap space",
        "Expiring Daemon because JVM heap space is exhausted",
    ),
    _r(
        "infra.out-of-memory",
        "kernel",
        r"exit code 137\b|\bKilled(?:\s+\S|$)|MemoryError$|fatal error: runtime: out of memory|signal SIGKILL|"
        r"Cannot allocate memory",
        "##[error]Process completed with exit code 137.",
        "##[error]The process '/usr/bin/bash' failed with exit code 137",
        "/home/runner/work/_temp/0dbe16bb-3052-4a6e-9755-00561fed9f22.sh: line 1:  2930 Killed                  pytest"
        " --cov=. --cov-report=xml",
        "fatal error: runtime: out of memory",
    ),
    _r(
        "infra.disk-full",
        "any",
        r"No space left on device|ENOSPC|There is not enough space on the disk",
        "OSError: [Errno 28] No space left on device",
        "System.IO.IOException: No space left on device : '/home/runner/runners/2.311.0/_diag/Worker_20240101.log'",
        "npm ERR! code ENOSPC",
    ),
    # --- GitHub rejected a workflow feature -----------------------------------------------------------
    _r(
        "actions.deprecated-version",
        "github-actions",
        r"uses a deprecated version of|The `(?:set-env|add-path)` command is disabled|"
        r"Missing download info for actions/\S+@v\d",
        "##[error]This request has been automatically failed because it uses a deprecated version of "
        "`actions/upload-artifact: v3`. Learn more: https://github.blog/changelog/2024-04-16-deprecation-notice-v3-of-"
        "the-artifact-actions/",
        "##[error]The `set-env` command is disabled. Please upgrade to using Environment Files or opt into unsecure"
        " command execution by setting the `ACTIONS_ALLOW_UNSECURE_COMMANDS` environment variable to `true`.",
        "##[error]Missing download info for actions/cache@v2",
    ),
    # --- the network, a registry or a mirror failed (a re-run usually passes) -------------------------
    _r(
        "network.transient",
        "docker",
        r"toomanyrequests|You have reached your (?:unauthenticated )?pull rate limit|"
        r"TLS handshake timeout|net/http: request canceled while waiting for connection",
        "Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the"
        " limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit",
        "#3 ERROR: failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2"
        "/library/python/manifests/sha256:4ed3: 429 Too Many Requests - Server message: toomanyrequests: You have"
        " reached your unauthenticated pull rate limit.",
    ),
    _r(
        "network.transient",
        "apt",
        r"^(?:E|Err): ?(?:Failed to fetch|Unable to fetch some archives|\d+ http)|Hash Sum mismatch|"
        r"Some index files failed to download|"
        r"Temporary failure resolving",
        "E: Failed to fetch http://azure.archive.ubuntu.com/ubuntu/pool/main/libx/libx11/libx11-xcb-dev_1.6.4-3ubuntu0"
        ".3_amd64.deb  404  Not Found [IP: 52.252.75.106 80]",
        "E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?",
        "Err:1 http://azure.archive.ubuntu.com/ubuntu jammy InRelease  Temporary failure resolving "
        "'azure.archive.ubuntu.com'",
    ),
    _r(
        "network.transient",
        "dns",
        r"Temporary failure in name resolution|Could not resolve host|getaddrinfo (?:EAI_AGAIN|ENOTFOUND)|"
        r"EAI_AGAIN|Name or service not known|dial tcp: lookup \S+(?: on \S+)?: (?:no such host|server misbehaving)",
        "fatal: unable to access 'https://github.com/acme/tool.git/': Could not resolve host: github.com",
        "npm error request to https://registry.npmjs.org/react failed, reason: getaddrinfo EAI_AGAIN"
        " registry.npmjs.org",
        'go: github.com/stretchr/testify@v1.9.0: Get "https://proxy.golang.org/github.com/stretchr/testify/@v/v1.9.0'
        '.mod": dial tcp: lookup proxy.golang.org on 127.0.0.53:53: server misbehaving',
    ),
    _r(
        "network.transient",
        "registry-5xx",
        r"\b(?:500|502|503|504) (?:Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)|"
        r"HTTP error 50\d|status code:? 50[0234]\b|\(50[234]\)|E50[0234]\b|Received status code 50[0234]|"
        r"too many 50\d error responses|got 50[0234]\b|returned error: 50[0234]\b",
        "npm ERR! 503 Service Unavailable - GET https://registry.npmjs.org/lodash",
        "ERROR: Could not install packages due to an OSError: HTTPSConnectionPool(host='files.pythonhosted.org', "
        "port=443): Max retries exceeded with url: /packages/ab/cd/six-1.16.0.tar.gz (Caused by ResponseError('too "
        "many 503 error responses'))",
        "> Could not GET 'https://repo.maven.apache.org/maven2/org/x/y/1.0/y-1.0.pom'. Received status code 502 from"
        " server: Bad Gateway",
    ),
    _r(
        "network.transient",
        "connection",
        r"ECONNRESET|ETIMEDOUT|ECONNREFUSED|socket hang up|network aborted|Connection reset by peer|"
        r"Read timed out|ReadTimeoutError|ConnectTimeoutError|Connection timed out|RemoteDisconnected|"
        r"Max retries exceeded with url|i/o timeout|spurious network error|Operation timed out|"
        r"Client network socket disconnected before secure TLS connection|Failed to connect to \S+ port \d+|"
        r"Couldn't connect to server|RPC failed; curl|Client\.Timeout exceeded|context deadline exceeded",
        "npm ERR! code ECONNRESET",
        "npm error network Client network socket disconnected before secure TLS connection was established",
        "pip._vendor.urllib3.exceptions.ReadTimeoutError: HTTPSConnectionPool(host='files.pythonhosted.org', "
        "port=443): Read timed out.",
        "warning: spurious network error (2 tries remaining): [28] Timeout was reached (Operation too slow.)",
    ),
    # --- dependencies -------------------------------------------------------------------------------
    _r(
        "dependency.lockfile",
        "npm",
        r"can only install packages when your package\.json and package-lock\.json|Missing: \S+ from lock file|"
        r"Invalid: lock file's \S+ does not satisfy",
        "npm ERR! `npm ci` can only install packages when your package.json and package-lock.json or"
        " npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.",
        "npm ERR! Missing: @types/node-fetch@2.6.3 from lock file",
    ),
    _r(
        "dependency.lockfile",
        "yarn",
        r"Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`|"
        r"The lockfile would have been modified by this install, which is explicitly forbidden",
        "error Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.",
        "➤ YN0028: │ The lockfile would have been modified by this install, which is explicitly forbidden.",
    ),
    _r(
        "dependency.lockfile",
        "pnpm",
        r"ERR_PNPM_OUTDATED_LOCKFILE|pnpm-lock\.yaml is not up to date",
        ' ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date'
        " with package.json",
    ),
    _r(
        "dependency.lockfile",
        "poetry",
        r"changed significantly since poetry\.lock was last generated|poetry\.lock is not consistent with",
        "pyproject.toml changed significantly since poetry.lock was last generated. Run `poetry lock [--no-update]` to"
        " fix the lock file.",
    ),
    _r(
        "dependency.lockfile",
        "uv",
        r"The lockfile at `uv\.lock` needs to be updated",
        "error: The lockfile at `uv.lock` needs to be updated, but `--locked` was provided. To update the lockfile,"
        " run `uv lock`.",
    ),
    _r(
        "dependency.lockfile",
        "cargo",
        r"lock file \S*Cargo\.lock needs to be updated but --(?:locked|frozen) was passed",
        "error: the lock file /home/runner/work/app/app/Cargo.lock needs to be updated but --locked was passed to"
        " prevent this",
    ),
    _r(
        "dependency.lockfile",
        "go",
        r"updates to go\.mod needed|missing go\.sum entry|go: inconsistent vendoring|verifying \S+: checksum mismatch",
        "go: updates to go.mod needed; to update it:",
        "view_templ.go:8:8: missing go.sum entry for module providing package github.com/a-h/templ (imported by "
        "example.com/counter); to add:",
    ),
    _r(
        "dependency.missing-module",
        "python",
        r"ModuleNotFoundError: No module named|ImportError: No module named|"
        r"ImportError: cannot import name .* from '",
        "E   ModuleNotFoundError: No module named 'yaml'",
        "ERROR tests/test_app.py - ModuleNotFoundError: No module named 'requests'",
    ),
    _r(
        "dependency.missing-module",
        "node",
        r"Cannot find module '|Module not found: Error: Can't resolve '|ERR_MODULE_NOT_FOUND",
        "Error: Cannot find module 'express'",
        "Module not found: Error: Can't resolve 'lodash' in '/home/runner/work/web/web/src'",
    ),
    _r(
        "dependency.missing-module",
        "go",
        r"no required module provides package|cannot find module providing package|cannot find package \"",
        "main.go:14:2: no required module provides package github.com/PuerkitoBio/goquery; to add it:",
        "github.com/qiniu/py imports github.com/qiniu/errors: cannot find module providing package "
        "github.com/qiniu/errors",
    ),
    _r(
        "dependency.resolution",
        "pip",
        r"ResolutionImpossible|Could not find a version that satisfies the requirement|"
        r"No matching distribution found for|Cannot install .* because these package versions have conflicting",
        "ERROR: Could not find a version that satisfies the requirement numpy==9.9.9 (from versions: 1.26.4, 2.0.0)",
        "ERROR: No matching distribution found for numpy==9.9.9",
        "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/",
    ),
    _r(
        "dependency.resolution",
        "uv",
        r"No solution found when resolving dependencies|requirements are unsatisfiable",
        "  × No solution found when resolving dependencies:",
        "      and your project depends on foo>=9, we can conclude that your project's requirements are unsatisfiable.",
    ),
    _r(
        "dependency.resolution",
        "poetry",
        r"version solving failed|SolverProblemError",
        "Because app depends on requests (^9.0) which doesn't match any versions, version solving failed.",
    ),
    _r(
        "dependency.resolution",
        "npm",
        r"ERESOLVE|Could not resolve dependency:|conflicting peer dependency|"
        r"No matching version found for|ETARGET|404 Not Found - GET https://registry\.npmjs\.org",
        "npm ERR! ERESOLVE unable to resolve dependency tree",
        "npm error code ETARGET",
        "npm ERR! notarget No matching version found for react@99.0.0.",
    ),
    _r(
        "dependency.resolution",
        "cargo",
        r"failed to select a version for|no matching package named|"
        r"candidate versions found which didn't match",
        'error: failed to select a version for the requirement `serde = "^9.0"`',
        "error: no matching package named `serdee` found",
    ),
    _r(
        "dependency.resolution",
        "go",
        r"unknown revision v\S+|invalid version: unknown revision|go: \S+@\S+: reading \S+: 404 Not Found",
        "go: github.com/acme/lib@v1.2.3: invalid version: unknown revision v1.2.3",
    ),
    _r(
        "dependency.resolution",
        "maven-gradle",
        r"Could not resolve dependencies for project|Could not find artifact|could not be resolved:|"
        r"Could not resolve all (?:files|dependencies) for configuration|Could not find [\w.-]+:[\w.-]+:|"
        r"Could not resolve [\w.-]+:[\w.-]+:[\w.-]+",
        "[ERROR] Failed to execute goal on project app: Could not resolve dependencies for project"
        " com.acme:app:jar:1.0: Could not find artifact com.acme:lib:jar:9.9 in central"
        " (https://repo.maven.apache.org/maven2) -> [Help 1]",
        "> Could not resolve all files for configuration ':app:debugRuntimeClasspath'.",
        "   > Could not find com.acme:lib:9.9.",
    ),
    # --- a formatter says files need formatting (the formatter fixer runs it) -----------------------
    _r(
        "format.check",
        "pre-commit",
        r"^- files were modified by this hook",
        "- files were modified by this hook",
        tool_from=r"^- hook id: (\S+)",
    ),
    _r(
        "format.check",
        "black",
        r"^would reformat |Oh no! 💥 💔 💥|would be left unchanged\.$",
        "would reformat /home/runner/work/app/app/src/app/models.py",
        "Oh no! 💥 💔 💥",
        "1 file would be reformatted, 41 files would be left unchanged.",
        step=r"\bblack\b",
    ),
    _r(
        "format.check",
        "ruff",
        r"^Would reformat: |files? would be reformatted(?:, \d+ files? already formatted)?$",
        "Would reformat: src/pkg/mod.py",
        "1 file would be reformatted, 137 files already formatted",
        step=r"\bruff format\b",
    ),
    _r(
        "format.check",
        "prettier",
        r"Code style issues (?:found|were found)|Forgot to run Prettier\?|^\[warn\] .*Run Prettier",
        "[warn] Code style issues found in 2 files. Run Prettier with --write to fix.",
        "[warn] Code style issues found in the above file. Run Prettier with --write to fix.",
        step=r"\bprettier\b.*--check|--check.*\bprettier\b",
    ),
    _r(
        "format.check",
        "gofmt",
        r"is not `gofmt`-ed|is not `goimports`-ed|\(gofmt\)$",
        "cmd/root.go:43: File is not `gofmt`-ed with `-s` (gofmt)",
        step=r"\bgofmt\b|\bgoimports\b",
    ),
    _r(
        "format.check",
        "rustfmt",
        r"^Diff in \S+(?: at line \d+|:\d+):",
        "Diff in /home/runner/work/app/app/src/main.rs at line 3:",
        "Diff in /home/runner/work/app/app/src/lib.rs:12:",
        step=r"cargo fmt|rustfmt",
    ),
    _r(
        "format.check",
        "clang-format",
        r"code should be clang-formatted|-Wclang-format-violations",
        "src/utils/Matrix.cpp:285:17: error: code should be clang-formatted [-Wclang-format-violations]",
        step=r"clang-format",
    ),
    _r(
        "format.check",
        "isort",
        r"Imports are incorrectly sorted and/or formatted",
        "ERROR: /home/runner/work/app/app/src/app/main.py Imports are incorrectly sorted and/or formatted.",
        step=r"\bisort\b",
    ),
    # --- a type checker ------------------------------------------------------------------------------
    _r(
        "types.check",
        "mypy",
        r":\d+: error: .*  \[[a-z-]+\]$|^Found \d+ errors? in \d+ files? \(checked \d+ source files?\)",
        'src/app/api.py:31: error: Incompatible return value type (got "str", expected "int")  [return-value]',
        "Found 2 errors in 1 file (checked 14 source files)",
        step=r"\bmypy\b",
    ),
    _r(
        "types.check",
        "tsc",
        r"error TS\d+:|(?<![\w])TS\d{4,5}: ",
        "src/index.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
        "src/app.ts:12:5 - error TS2339: Property 'nmae' does not exist on type 'User'.",
        step=r"\btsc\b|vue-tsc|type-?check",
    ),
    # --- a linter -----------------------------------------------------------------------------------
    _r(
        "lint",
        "clippy",
        r"clippy::|rust-clippy",
        "  = note: `-D clippy::manual-inspect` implied by `-D warnings`",
        "  = help: for further information visit https://rust-lang.github.io/rust-clippy/master/index.html#if_same_then_else",
        step=r"cargo clippy",
    ),
    _r(
        "lint",
        "golangci-lint",
        r"\.go:\d+(?::\d+)?: .* \((?:errcheck|govet|staticcheck|unused|ineffassign|gosimple|revive|gocritic|"
        r"gosec|misspell|typecheck|stylecheck|unparam|goconst|gocyclo|dupl|lll|nakedret|prealloc|bodyclose|"
        r"noctx|errorlint|exhaustive|nilerr|wrapcheck|whitespace|godot|unconvert)\)$|golangci-lint",
        "main.go:12:2: Error return value of `f.Close` is not checked (errcheck)",
        "pkg/server/server.go:88:3: ineffectual assignment to err (ineffassign)",
        step=r"golangci-lint",
    ),
    _r(
        "lint",
        "eslint",
        r"✖ \d+ problems? \(\d+ errors?|^\s+\d+:\d+\s+error\s+.+\s[\w/@-]+$",
        "✖ 3 problems (2 errors, 1 warning)",
        "  3:7  error  'unused' is assigned a value but never used  no-unused-vars",
        step=r"\beslint\b",
    ),
    _r(
        "lint",
        "pylint",
        r"Your code has been rated at|^\S+:\d+:\d+: [CRWEF]\d{4}: .* \([a-z-]+\)$",
        "src/app/main.py:3:0: W0611: Unused import os (unused-import)",
        "Your code has been rated at 7.50/10 (previous run: 8.12/10, -0.62)",
        step=r"\bpylint\b",
    ),
    _r(
        "lint",
        "ruff",
        r"^\S+:\d+:\d+: [A-Z]{1,3}\d{3,4} \[\*\] |^[A-Z]{1,3}\d{3,4} (?:\[\*\] )?\S|^Found \d+ errors?\.$|"
        r"fixable with the `--fix` option",
        "src/app/main.py:1:8: F401 [*] `os` imported but unused",
        "E501 Line too long (97 > 88)",
        "Found 2 errors.",
        "[*] 2 fixable with the `--fix` option.",
        step=r"\bruff check\b|\bruff\b(?!.*format)",
    ),
    _r(
        "lint",
        "flake8",
        r"^\S+:\d+:\d+: [EFWCN]\d{3} ",
        "./keywords/ClusterKeywords.py:17:1: F401 'libraries.provision.ansible_runner.AnsibleRunner' imported but"
        " unused",
        "./src/app/views.py:88:80: E501 line too long (97 > 79 characters)",
        step=r"\bflake8\b",
    ),
    _r(
        "lint",
        "shellcheck",
        r"\bSC\d{4}\b",
        "^-^ SC2034: var appears unused. Verify use (or export if used externally).",
    ),
    _r(
        "lint",
        "other",
        r"checkstyle|Checkstyle|spotbugs|rubocop|offenses? detected|stylelint|markdownlint|yamllint",
        "[ERROR] src/main/java/com/acme/App.java:[12,5] (imports) UnusedImports: Unused import - java.util.List."
        " [checkstyle]",
    ),
    # --- the code does not compile --------------------------------------------------------------------
    _r(
        "compile.error",
        "rustc",
        r"error\[E\d+\]|could not compile `",
        "error[E0425]: cannot find value `x` in this scope",
        'error: could not compile `app` (bin "app") due to 1 previous error',
    ),
    _r(
        "compile.error",
        "c-cpp-go",
        r"\.(?:c|cc|cpp|cxx|h|hpp|go|m|swift):\d+(?::\d+)?: (?:fatal )?error|undefined reference to|"
        r"collect2: error|ld returned \d+ exit status|^\S+\.go:\d+:\d+: (?:undefined:|cannot use|syntax error|"
        r"too many|not enough|missing return|declared and not used|\S+ imported and not used)",
        "src/parser.c:214:9: error: 'tok' undeclared (first use in this function)",
        "./main.go:10:5: undefined: parseConfig",
        "/usr/bin/ld: main.o: in function `main': undefined reference to `parse_args'",
    ),
    _r(
        "compile.error",
        "jvm",
        r"COMPILATION ERROR|Compilation failure|cannot find symbol|compileJava FAILED|"
        r"Compilation failed; see the compiler error output|\.(?:java|kt|scala):\[?\d+[,:]",
        "[ERROR] COMPILATION ERROR :",
        "[ERROR] /home/runner/work/app/app/src/main/java/com/acme/App.java:[14,9] cannot find symbol",
        "> Compilation failed; see the compiler error output for details.",
    ),
    _r(
        "compile.error",
        "other",
        r"error CS\d+|SyntaxError:|IndentationError:|error: expected|Build FAILED|Failed to compile",
        "SyntaxError: invalid syntax",
        "Program.cs(12,5): error CS1002: ; expected",
    ),
    # --- tests ----------------------------------------------------------------------------------------
    _r(
        "test.flaky",
        "any",
        r"\b\d+ rerun\b|^\S+::\S+ RERUN|\bRERUN\b|Flakes: [1-9]|Flaked tests:|flakes? and failOnFlakeCount|"
        r"^\s+\d+ flaky$|=== RERUN|passed on (?:re-?run|retry)",
        "=============== 1 failed, 16 passed, 1 rerun in 99.45s (0:01:39) ===============",
        "[WARNING] Tests run: 4, Failures: 0, Errors: 0, Skipped: 0, Flakes: 1",
        "There is 1 flake and failOnFlakeCount is set to 1.",
        "  1 flaky",
    ),
    _r(
        "test.failure",
        "pytest",
        r"^FAILED \S+::|^ERROR \S+::|^=+ .*\b\d+ (?:failed|errors?)\b.* =+$|^E {2,}\S|^_{3,} \S+ _{3,}$",
        "FAILED tests/test_api.py::test_login - AssertionError: assert 401 == 200",
        "========================= 1 failed, 12 passed in 0.84s =========================",
    ),
    _r(
        "test.failure",
        "jest",
        r"^\s*FAIL\s+\S+\.(?:[jt]sx?|mjs|cjs)\b|^\s*● .+ › |^\s*Tests:? +\d+ failed",
        "FAIL src/sum.test.js",
        "  ● sum › adds 1 + 2 to equal 3",
        "Tests:       1 failed, 2 passed, 3 total",
        " FAIL  src/sum.test.ts > sum > adds 1 + 2",
        "      Tests  1 failed | 6 passed (7)",
    ),
    _r(
        "test.failure",
        "go",
        r"^\s*--- FAIL: |^FAIL\t\S+|^FAIL$",
        "--- FAIL: TestSum (0.00s)",
        "FAIL\tgithub.com/acme/calc\t0.003s",
    ),
    _r(
        "test.failure",
        "cargo",
        r"^test \S+ \.\.\. FAILED$|test result: FAILED|error: test failed, to rerun pass|"
        r"^thread '.*' panicked at",
        "test tests::adds ... FAILED",
        "test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
        "thread 'tests::adds' panicked at src/lib.rs:12:9:",
    ),
    _r(
        "test.failure",
        "junit",
        r"Tests run: \d+, Failures: \d+, Errors: \d+.*<<< (?:FAILURE|ERROR)!|"
        r"Tests run: \d+, Failures: (?:[1-9]|\d+, Errors: [1-9])|There (?:are|were) test failures|"
        r"There were failing tests|> Task :\S*test FAILED|\d+ tests? completed, \d+ failed|"
        r"\w+Test(?:s|Case)? > \w+.* FAILED$|AssertionFailedError|ComparisonFailure",
        "[ERROR] Tests run: 3, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.041 s <<< FAILURE! -- in"
        " com.acme.CalcTest",
        "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.2.5:test (default-test) on"
        " project app: There are test failures.",
        "CalcTest > adds() FAILED",
        "> Task :app:test FAILED",
    ),
    _r(
        "test.failure",
        "any",
        r"AssertionError|\d+ tests? failed|tests? failed\b|Test.*FAILED|FAILED \(failures=|^\s+\d+ failing$|"
        r"\d+ examples?, [1-9]\d* failures?|^FAILURES!$|Failed!\s+- Failed:\s+[1-9]",
        "AssertionError: 0 != 4",
        "FAILED (failures=1)",
        "  2 failing",
        "12 examples, 1 failure",
        "Failed!  - Failed:     1, Passed:    12, Skipped:     0, Total:    13, Duration: 412 ms - App.Tests.dll",
    ),
    # --- warnings that fail nothing by themselves: they decide only when nothing else did ------------
    _r(
        "actions.deprecated-version",
        "github-actions",
        r"Node\.js (?:12|16|20) actions are deprecated|uses node12 which is deprecated|"
        r"use a deprecated Node\.js version|The `(?:set-output|save-state)` command is deprecated|"
        r"will be forced to run on node(?:16|20)|Node(?:\.js)? \d+ is being deprecated",
        "##[warning]Node.js 12 actions are deprecated. Please update the following actions to use Node.js 16:"
        " actions/checkout@v2, actions/setup-node@v2. For more information see: https://github.blog/changelog/2022-09-22"
        "-github-actions-all-actions-will-begin-running-on-node16-instead-of-node12/.",
        "##[warning]Node.js 16 actions are deprecated. Please update the following actions to use Node.js 20:"
        " actions/checkout@v3. For more information see: https://github.blog/changelog/2023-09-22-github-actions-"
        "transitioning-from-node-16-to-node-20/.",
        "##[warning]Node.js 20 actions are deprecated. The following actions are running on Node.js 20 and may not"
        " work as expected: actions/checkout@v4, actions/setup-go@v5. Actions will be forced to run with Node.js 24 by"
        " default starting June 2nd, 2026.",
        "##[warning]The `set-output` command is deprecated and will be disabled soon. Please upgrade to using"
        " Environment Files. For more information see: https://github.blog/changelog/2022-10-11-github-actions-"
        "deprecating-save-state-and-set-output-commands/",
        "The following actions uses node12 which is deprecated and will be forced to run on node16:"
        " actions/checkout@v2. For more info: https://github.blog/changelog/2023-06-13-github-actions-all-actions-will-"
        "run-on-node16-instead-of-node12-by-default/",
        fallback=True,
    ),
)


@dataclass(frozen=True)
class Compiled:
    row: Row
    pattern: re.Pattern[str]
    step: re.Pattern[str] | None
    tool_from: re.Pattern[str] | None


@functools.cache
def compiled_rows() -> tuple[Compiled, ...]:
    """The rows with their patterns compiled (once, on first use: `agent --help` does not pay for it)."""
    return tuple(
        Compiled(
            row,
            re.compile(row.pattern, re.MULTILINE),
            re.compile(row.step) if row.step else None,
            re.compile(row.tool_from, re.MULTILINE) if row.tool_from else None,
        )
        for row in ROWS
    )


def markdown() -> str:
    """The table as Markdown (docs/categories.md)."""
    lines = [
        "# Failure categories",
        "",
        "Generated from the catalogue in `cicd_agent/analysis/catalogue.py` (a test checks that this file is",
        "current; regenerate it with",
        "`python -c \"from cicd_agent.analysis.catalogue import markdown; print(markdown(), end='')\"`",
        "`> docs/categories.md`).",
        "",
        "How a failure gets its category: the final failure is the failing step's last output lines (with the",
        "runner's `##[error]` line that ended the step) and that step's evidence blocks. They are tried newest",
        "first; the first of them in which any row matches decides, and within it the first row of this table",
        "(rows are in priority order, specific before general). A network error the job recovered from earlier",
        "in the step therefore does not outrank the compile error at its end. When nothing matches: a row's",
        "step pattern against the failing step's title (`gofmt -l` prints only file names), then the",
        "*fallback* rows (GitHub's deprecation warnings, printed in jobs that fail for other reasons) anywhere",
        "in the log, else `unknown`.",
        "",
        "The strategy column is what the built-in rules (`cicd_agent/rules.py`) do with the category; rules in",
        "the configuration come first. Categories the built-in rules do not name are reported.",
        "",
        "| category | tool | strategy (built-in rules) | pattern | example from a real log |",
        "|---|---|---|---|---|",
    ]
    for row in ROWS:
        tool = row.tool + (" (fallback)" if row.fallback else "")
        example = row.examples[0] if row.examples else ""
        lines.append(f"| `{row.category}` | {tool} | {row.strategy} | `{_cell(row.pattern)}` | `{_cell(example)}` |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")
