"""Extract the GitHub REST operations the sandbox serves from GitHub's official OpenAPI description.

Usage (the npm package @octokit/openapi carries the description):
    npm pack @octokit/openapi && tar xzf octokit-openapi-*.tgz
    python tools/vendor_openapi.py package/generated/api.github.com.deref.json tests/data/github-openapi/subset.json

Only the JSON response schemas of the listed operations are kept, dereferenced, so the conformance test
(tests/sandbox/test_openapi.py) needs neither network nor the 10 MB original.
"""

from __future__ import annotations

import json
import sys

OPERATIONS = [
    ("get", "/rate_limit"),
    ("post", "/app/installations/{installation_id}/access_tokens"),
    ("get", "/repos/{owner}/{repo}"),
    ("get", "/repos/{owner}/{repo}/actions/runs"),
    ("get", "/repos/{owner}/{repo}/actions/runs/{run_id}"),
    ("get", "/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}"),
    ("get", "/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs"),
    ("post", "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs"),
    ("post", "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun"),
    ("get", "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs"),
    ("get", "/repos/{owner}/{repo}/actions/jobs/{job_id}"),
    ("get", "/repos/{owner}/{repo}/actions/jobs/{job_id}/logs"),
    ("get", "/repos/{owner}/{repo}/actions/workflows"),
    ("get", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}"),
    ("get", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs"),
    ("get", "/repos/{owner}/{repo}/contents/{path}"),
    ("put", "/repos/{owner}/{repo}/contents/{path}"),
    ("delete", "/repos/{owner}/{repo}/contents/{path}"),
    ("get", "/repos/{owner}/{repo}/git/ref/{ref}"),
    ("post", "/repos/{owner}/{repo}/git/refs"),
    ("patch", "/repos/{owner}/{repo}/git/refs/{ref}"),
    ("delete", "/repos/{owner}/{repo}/git/refs/{ref}"),
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("post", "/repos/{owner}/{repo}/pulls"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("patch", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("put", "/repos/{owner}/{repo}/pulls/{pull_number}/merge"),
    ("get", "/repos/{owner}/{repo}/issues"),
    ("post", "/repos/{owner}/{repo}/issues"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("patch", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/check-runs"),
    ("get", "/repos/{owner}/{repo}/check-runs/{check_run_id}"),
    ("get", "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/status"),
    # who the agent is, and who people are: identity, permissions, issue events (who closed, who labelled)
    ("get", "/user"),
    ("get", "/app"),
    ("get", "/repos/{owner}/{repo}/collaborators/{username}/permission"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/events"),
    ("delete", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"),
    # action versions looked up from the action's own repository
    ("get", "/repos/{owner}/{repo}/releases/latest"),
    ("get", "/repos/{owner}/{repo}/tags"),
    ("get", "/repos/{owner}/{repo}/git/matching-refs/{ref}"),
    # reverting a merged fix
    ("get", "/repos/{owner}/{repo}/commits/{ref}"),
    ("get", "/repos/{owner}/{repo}/compare/{basehead}"),
    # discovery: the repositories an App installation, or an organisation, holds
    ("get", "/installation/repositories"),
    ("get", "/orgs/{org}/repos"),
    # the App's webhook deliveries, redelivered after downtime
    ("get", "/app/hook/deliveries"),
    ("post", "/app/hook/deliveries/{delivery_id}/attempts"),
]


def main(source: str, target: str) -> None:
    with open(source, encoding="utf-8") as handle:
        spec = json.load(handle)
    out: dict[str, dict[str, dict[str, object]]] = {}
    for method, path in OPERATIONS:
        operation = spec["paths"][path][method]
        responses = {}
        for status, response in operation["responses"].items():
            schema = (response.get("content") or {}).get("application/json", {}).get("schema")
            responses[status] = schema
        out.setdefault(path, {})[method] = {"operationId": operation["operationId"], "responses": responses}
    info = {"title": spec["info"]["title"], "version": spec["info"]["version"], "source": "@octokit/openapi"}
    with open(target, "w", encoding="utf-8") as handle:
        json.dump({"info": info, "paths": out}, handle, separators=(",", ":"), sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
