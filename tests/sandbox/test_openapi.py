"""Every sandbox endpoint answers with the shapes GitHub's official OpenAPI description defines."""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from e2e.test_auth import app_keys
from harness import free_port
from openapi_schema_validator import OAS30Validator

from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.action_repos import install_action_repos
from cicd_agent.sandbox.scenarios import install_scenarios

BASIC_ERROR = {
    "type": "object",
    "required": ["message", "documentation_url"],
    "properties": {"message": {"type": "string"}, "documentation_url": {"type": "string"}},
}
SPEC = json.loads((Path(__file__).parents[1] / "data" / "github-openapi" / "subset.json").read_text())


def _template_for(path: str) -> str:
    """The documented path a request path is an instance of; the longest template first, so that
    `/commits/{ref}/check-runs` is not taken for `/commits/{ref}` with a ref holding slashes."""
    for template in sorted(SPEC["paths"], key=len, reverse=True):
        pattern = "^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template)) + "$"
        if template.endswith("{path}") or template.endswith("{ref}"):
            pattern = pattern.replace("[^/]+$", ".+$")
        if re.match(pattern, path):
            return template
    raise AssertionError(f"{path} is not in the vendored OpenAPI subset")


def _any_of(schema: Any) -> Any:
    """GitHub's description uses oneOf for overlapping branches (an error body matches both basic-error and
    repository-rule-violation-error), which no real answer could satisfy: judge them as anyOf. A nullable
    oneOf without a type (a commit's `author`: a user, {} or null) is given its null branch, which OAS 3.0's
    `nullable` only grants next to a `type`."""
    if isinstance(schema, dict):
        out = {("anyOf" if k == "oneOf" else k): _any_of(v) for k, v in schema.items()}
        if out.get("nullable") and "anyOf" in out and "type" not in out:
            out["anyOf"] = [*out["anyOf"], {"enum": [None]}]
        return out
    if isinstance(schema, list):
        return [_any_of(v) for v in schema]
    return schema


class Checker:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {sandbox.token}"
        self.seen: set[tuple[str, str, str]] = set()

    def call(self, method: str, path: str, expect: int, body: Any = None, **params: Any) -> Any:
        response = self.session.request(
            method, self.sandbox.base_url + path, json=body, params=params or None, allow_redirects=False
        )
        assert response.status_code == expect, (method, path, response.status_code, response.text)
        template = _template_for(path.split("?")[0])
        operation = SPEC["paths"][template][method.lower()]
        if str(expect) in operation["responses"]:
            schema = operation["responses"][str(expect)]
        else:  # GitHub documents only some error statuses; every error body is a basic-error
            assert expect >= 400, f"{method} {template} has no documented {expect} response"
            schema = BASIC_ERROR
        data = response.json() if response.content else None
        if schema is not None:
            errors = sorted(OAS30Validator(_any_of(schema)).iter_errors(data), key=lambda e: list(e.absolute_path))
            assert not errors, f"{method} {template} {expect}: " + "; ".join(
                f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5]
            )
        self.seen.add((method.lower(), template, str(expect)))
        return data


@pytest.fixture
def checker(tmp_path: Path) -> Any:
    sb = Sandbox(tmp_path / "sb")
    install_scenarios(sb, ["format"])
    sb.serve(auto_ci=False)
    sb.settle()
    yield Checker(sb)
    sb.close()


def test_every_endpoint_conforms(checker: Checker) -> None:
    c, r = checker, "/repos/demo/format-check"
    c.call("GET", "/rate_limit", 200)
    private, public = app_keys()
    c.sandbox.register_app("99", public, 5)
    app_jwt = jwt.encode(
        {"iat": int(time.time()) - 30, "exp": int(time.time()) + 300, "iss": "99"}, private, algorithm="RS256"
    )
    c.session.headers["Authorization"] = f"Bearer {app_jwt}"
    bot_token = c.call("POST", "/app/installations/5/access_tokens", 201, {})["token"]
    c.call("POST", "/app/installations/6/access_tokens", 404, {})
    assert c.call("GET", "/app", 200)["slug"] == "cicd-agent"
    c.sandbox.add_repo("demo/archived-thing", {"README.md": b"old\n"}, archived=True)
    c.sandbox.webhooks.configure(f"http://127.0.0.1:{free_port()}/nobody-listens", "secret")
    c.sandbox.webhooks.send("workflow_run", {"action": "completed"})
    c.sandbox.webhooks.send("workflow_run", {"action": "completed"})
    deliveries = c.call("GET", "/app/hook/deliveries", 200, per_page=1)
    assert deliveries[0]["status"] == "failed to connect"
    c.call("POST", f"/app/hook/deliveries/{deliveries[0]['id']}/attempts", 202, {})
    c.call("POST", "/app/hook/deliveries/424242/attempts", 404, {})
    c.session.headers["Authorization"] = f"token {bot_token}"
    c.call("GET", "/app", 401)  # an installation token is no JWT
    c.call("GET", "/app/hook/deliveries", 401)
    c.call("GET", "/user", 403)  # and has no user
    listed = c.call("GET", "/installation/repositories", 200, per_page=1)
    assert listed["total_count"] == 2 and [r["full_name"] for r in listed["repositories"]] == ["demo/format-check"]
    org = c.call("GET", "/orgs/demo/repos", 200)
    assert [(r["full_name"], r["archived"], r["fork"]) for r in org] == [
        ("demo/format-check", False, False),
        ("demo/archived-thing", True, False),
    ]
    c.call("GET", "/orgs/nobody/repos", 404)
    c.session.headers["Authorization"] = f"token {c.sandbox.token}"
    c.call("GET", "/installation/repositories", 403)  # a personal token has no installation
    assert c.call("GET", "/user", 200)["login"] == "cicd-agent-bot"
    repo = c.call("GET", r, 200)
    c.call("GET", "/repos/demo/nope", 404)
    runs = c.call("GET", f"{r}/actions/runs", 200, status="failure", branch="main", per_page=1)
    run_id = runs["workflow_runs"][0]["id"]
    c.call("GET", f"{r}/actions/runs/{run_id}", 200)
    c.call("GET", f"{r}/actions/runs/999999", 404)
    c.call("GET", f"{r}/actions/runs/{run_id}/attempts/1", 200)
    c.call("GET", f"{r}/actions/runs/{run_id}/attempts/1/jobs", 200)
    jobs = c.call("GET", f"{r}/actions/runs/{run_id}/jobs", 200)
    job_id = jobs["jobs"][0]["id"]
    c.call("GET", f"{r}/actions/jobs/{job_id}", 200)
    c.call("GET", f"{r}/actions/jobs/{job_id}/logs", 302)
    check = c.call("GET", f"{r}/check-runs/{job_id}", 200)
    notes = c.call("GET", f"{r}/check-runs/{job_id}/annotations", 200)
    assert check["output"]["annotations_count"] == len(notes) > 0
    assert "Process completed with exit code 1." in [n["message"] for n in notes]
    c.call("GET", f"{r}/check-runs/424242", 404)
    flows = c.call("GET", f"{r}/actions/workflows", 200)
    wf_id = flows["workflows"][0]["id"]
    c.call("GET", f"{r}/actions/workflows/{wf_id}", 200)
    c.call("GET", f"{r}/actions/workflows/{wf_id}/runs", 200)
    c.call("POST", f"{r}/actions/runs/{run_id}/rerun-failed-jobs", 201, {})
    c.sandbox.settle()
    c.call("POST", f"{r}/actions/runs/{run_id}/rerun", 201, {})
    c.sandbox.settle()

    c.call("GET", f"{r}/contents/app.py", 200, ref="main")
    c.call("GET", f"{r}/contents/missing.txt", 404)
    main_sha = c.call("GET", f"{r}/git/ref/heads/main", 200)["object"]["sha"]
    c.call("POST", f"{r}/git/refs", 201, {"ref": "refs/heads/fix", "sha": main_sha})
    c.call("POST", f"{r}/git/refs", 422, {"ref": "refs/heads/fix", "sha": main_sha})
    text = base64.b64encode(b"hello\n").decode()
    created = c.call("PUT", f"{r}/contents/notes/new.txt", 201, {"message": "add", "content": text, "branch": "fix"})
    sha = created["content"]["sha"]
    updated = c.call(
        "PUT",
        f"{r}/contents/notes/new.txt",
        200,
        {"message": "edit", "content": base64.b64encode(b"bye\n").decode(), "sha": sha, "branch": "fix"},
    )
    c.call("PUT", f"{r}/contents/notes/new.txt", 409, {"message": "x", "content": text, "sha": sha, "branch": "fix"})
    c.call(
        "DELETE",
        f"{r}/contents/notes/new.txt",
        200,
        {"message": "rm", "sha": updated["content"]["sha"], "branch": "fix"},
    )
    head = c.call("GET", f"{r}/git/ref/heads/fix", 200)["object"]["sha"]
    c.call("PATCH", f"{r}/git/refs/heads/fix", 200, {"sha": head, "force": False})
    c.call(
        "PUT",
        f"{r}/contents/app.py",
        200,
        {
            "message": "fmt",
            "content": base64.b64encode(b"def add(a, b):\n    return a + b\n").decode(),
            "sha": c.call("GET", f"{r}/contents/app.py", 200, ref="fix")["sha"],
            "branch": "fix",
        },
    )

    pull = c.call("POST", f"{r}/pulls", 201, {"title": "Fix", "head": "fix", "base": "main", "body": "b"})
    c.call("POST", f"{r}/pulls", 422, {"title": "Fix", "head": "fix", "base": "main"})
    number = pull["number"]
    c.call("GET", f"{r}/pulls", 200, state="open", head="demo:fix")
    c.call("GET", f"{r}/pulls/{number}", 200)
    c.call("PATCH", f"{r}/pulls/{number}", 200, {"body": "edited"})
    c.call("POST", f"{r}/issues/{number}/comments", 201, {"body": "hello"})
    c.call("GET", f"{r}/issues/{number}/comments", 200)
    c.call("POST", f"{r}/issues/{number}/labels", 200, {"labels": ["cicd-agent"]})
    c.call("GET", f"{r}/issues/{number}/labels", 200)
    c.call("GET", f"{r}/issues/{number}", 200)
    issue = c.call("POST", f"{r}/issues", 201, {"title": "Report", "body": "text", "labels": ["cicd-agent"]})
    c.call("GET", f"{r}/issues", 200, state="all", labels="cicd-agent")
    c.call("PATCH", f"{r}/issues/{issue['number']}", 200, {"state": "closed"})
    c.sandbox.settle()
    c.call("GET", f"{r}/commits/{head}/check-runs", 200)
    c.call("GET", f"{r}/commits/{head}/status", 200)
    c.call("PUT", f"{r}/pulls/{number}/merge", 200, {"commit_message": "merge"})
    c.call("PUT", f"{r}/pulls/{number}/merge", 405, {})
    merge = c.call("GET", f"{r}/commits/main", 200)
    assert [f["filename"] for f in merge["files"]] == ["app.py"] and len(merge["parents"]) == 2
    c.call("GET", f"{r}/commits/{'0' * 40}", 422)
    compared = c.call("GET", f"{r}/compare/{main_sha}...main", 200)
    assert compared["status"] == "ahead" and compared["files"][0]["patch"].startswith("@@ ")
    c.call("DELETE", f"{r}/issues/{number}/labels/cicd-agent", 200)
    c.call("DELETE", f"{r}/issues/{number}/labels/cicd-agent", 404)
    events = c.call("GET", f"{r}/issues/{number}/events", 200)
    assert [e["event"] for e in events] == ["labeled", "merged", "closed", "unlabeled"]
    c.call("DELETE", f"{r}/git/refs/heads/fix", 204)
    c.call("DELETE", f"{r}/git/refs/heads/fix", 422)
    c.call("GET", f"{r}/git/ref/heads/fix", 404)

    stranger = c.sandbox.add_person("stranger", "read")
    assert c.call("GET", f"{r}/collaborators/stranger/permission", 200)["permission"] == "read"
    c.call("GET", f"{r}/collaborators/nobody/permission", 404)
    c.session.headers["Authorization"] = f"token {stranger}"
    c.call("POST", f"{r}/pulls", 403, {"title": "Mine", "head": "main", "base": "main"})
    c.call("POST", f"{r}/issues/{issue['number']}/labels", 403, {"labels": ["x"]})
    c.call("POST", f"{r}/issues/{issue['number']}/comments", 201, {"body": "me too"})
    c.session.headers["Authorization"] = f"token {c.sandbox.token}"

    install_action_repos(c.sandbox, ["actions/checkout"])
    a = "/repos/actions/checkout"
    assert c.call("GET", f"{a}/releases/latest", 200)["tag_name"] == "v7.0.1"
    c.call("GET", f"{r}/releases/latest", 404)
    assert c.call("GET", f"{a}/tags", 200, per_page=2)[0]["name"] == "v7.0.1"
    v4 = c.call("GET", f"{a}/git/ref/tags/v4", 200)["object"]["sha"]
    matching = c.call("GET", f"{a}/git/matching-refs/tags/v4.4", 200)
    assert [(m["ref"], m["object"]["sha"]) for m in matching] == [("refs/tags/v4.4.0", v4)]

    assert repo["clone_url"].startswith("file://")
    documented = {(m, t) for t, methods in SPEC["paths"].items() for m in methods}
    exercised = {(m, t) for m, t, _ in c.seen}
    assert documented - exercised == set(), "endpoints never exercised"


def test_the_reads_the_agent_repeats_are_answered_304_when_nothing_changed(checker: Checker) -> None:
    """As GitHub answers conditional requests: an `ETag` on every 200, `304 Not Modified` with no body (and no
    rate limit spent) to `If-None-Match` with it, 200 again once the resource changed. Where GitHub's
    description documents the 304 (pull requests, issues, contents), it documents no body."""
    c, r = checker, "/repos/demo/format-check"
    run_id = c.call("GET", f"{r}/actions/runs", 200)["workflow_runs"][0]["id"]
    pull = c.call("POST", f"{r}/pulls", 201, {"title": "t", "head": "main", "base": "main", "body": ""})["number"]
    reads = [
        (r, {}),
        (f"{r}/actions/runs", {"head_sha": c.sandbox.repo("demo/format-check").runs[0].head_sha}),
        (f"{r}/actions/runs/{run_id}", {}),
        (f"{r}/actions/runs/{run_id}/jobs", {"per_page": 100}),
        (f"{r}/pulls/{pull}", {}),
        (f"{r}/issues/{pull}/comments", {"per_page": 100}),
        (f"{r}/issues/{pull}/events", {"per_page": 100}),
    ]
    etags = {}
    for path, params in reads:
        first = c.session.get(c.sandbox.base_url + path, params=params)
        etags[path] = first.headers["ETag"]
        assert first.status_code == 200 and first.headers["ETag"].startswith('"'), path
        used = c.sandbox.rate()["used"]
        again = c.session.get(
            c.sandbox.base_url + path, params=params, headers={"If-None-Match": first.headers["ETag"]}
        )
        assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", first.headers["ETag"]), path
        assert c.sandbox.rate()["used"] == used, f"{path}: a 304 spent rate limit"
        documented = SPEC["paths"][_template_for(path)]["get"]["responses"]
        assert documented.get("304") is None, f"{path}: GitHub documents its 304 without a body"
    c.call("POST", f"{r}/issues/{pull}/comments", 201, {"body": "a change"})
    comments = c.sandbox.base_url + f"{r}/issues/{pull}/comments"
    changed = c.session.get(comments, params={"per_page": 100}, headers={"If-None-Match": etags[reads[-2][0]]})
    assert changed.status_code == 200 and len(changed.json()) == 1 and changed.headers["ETag"] != etags[reads[-2][0]]
