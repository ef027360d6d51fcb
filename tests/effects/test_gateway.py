from __future__ import annotations

import json
from pathlib import Path

from cicd_agent.effects.dryrun import Action, DryRunRecorder
from cicd_agent.effects.gateway import Effects, file_diff
from cicd_agent.effects.notify import Notifier
from cicd_agent.github.client import GitHubClient
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import install_scenarios


def test_file_diff_covers_create_edit_delete() -> None:
    assert "+++ b/x.txt" in file_diff("x.txt", None, "new\n") and "--- /dev/null" in file_diff("x.txt", None, "n\n")
    assert "-old\n+new\n" in file_diff("x.txt", "old\n", "new\n")
    assert "+++ /dev/null" in file_diff("x.txt", "gone\n", None)


def test_dry_run_effects_perform_nothing_and_report_everything(sandbox: Sandbox, tmp_path: Path) -> None:
    install_scenarios(sandbox, ["format"])
    gh = GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0)
    printed: list[str] = []
    recorder = DryRunRecorder(echo=printed.append)
    notes = Notifier([], echo=printed.append)
    effects = Effects(gh, notifier=notes, recorder=recorder)
    sandbox.requests.clear()
    effects.delete_branch("demo/format-check", "cicd-agent/fix/abc/main")
    effects.put_file("demo/format-check", "app.py", "x = 1\n", branch="b", message="m", sha="s", previous="x=1\n")
    pull = effects.open_pull("demo/format-check", head="b", base="main", title="t", body="body", labels=["cicd-agent"])
    effects.notify("breaker_opened", "o/r main abc", repo="o/r")
    assert pull.number == 0
    assert sandbox.requests == []
    assert notes.log == []
    assert printed == [
        "[DRY-RUN] github.delete_branch demo/format-check:cicd-agent/fix/abc/main",
        "[DRY-RUN] github.put_file demo/format-check:b:app.py",
        "[DRY-RUN] github.open_pull demo/format-check:b->main",
        "[DRY-RUN] notify breaker_opened",
    ]
    recorder.skip_store_write("store.decision", "o/r fix_opened")
    recorder.skip_store_write("store.decision", "o/r rerun")
    recorder.suggest("policy.allow_workflow_changes", True, "o/r run 1#1: the fix edits .github/workflows/")
    assert recorder.summary() == (
        "4 write(s) skipped (3 to GitHub, 1 notification); 2 state-database write(s) made on an in-memory copy only"
    )
    recorder.write_report(tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert [a["kind"] for a in data["writes"]] == [
        "github.delete_branch",
        "github.put_file",
        "github.open_pull",
        "notify",
    ]
    assert "-x=1\n+x = 1\n" in data["writes"][1]["diff"]
    assert data["state_database_writes"] == {"store.decision": 2}
    assert data["settings"][0]["key"] == "policy.allow_workflow_changes"
    recorder.write_report(tmp_path / "r.md")
    markdown = (tmp_path / "r.md").read_text()
    assert "4 write(s) skipped" in markdown and "```diff\n--- a/app.py" in markdown
    # the writes lead; the settings that refused plans come with the patch; the store is one summary line
    assert markdown.index("github.delete_branch") < markdown.index("## Settings") < markdown.index("## State database")
    assert "```toml\n[policy]\nallow_workflow_changes = true\n```" in markdown
    assert markdown.count("store.decision") == 1


def test_real_effects_write_through_the_api(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    gh = GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0)
    effects = Effects(gh, notifier=Notifier([], echo=lambda _: None))
    main = gh.branch_sha("demo/format-check", "main")
    assert main is not None
    gh.gh.get_repo("demo/format-check").create_git_ref("refs/heads/fix", main)  # a branch, as a person makes one
    current = gh.file("demo/format-check", "app.py", "fix")
    assert current is not None
    effects.put_file(
        "demo/format-check",
        "app.py",
        "def add(a, b):\n    return a + b\n",
        branch="fix",
        message="format",
        sha=current.sha,
        previous=current.text,
    )
    pull = effects.open_pull("demo/format-check", head="fix", base="main", title="Fix", body="b", labels=["cicd-agent"])
    assert pull.number == 1
    assert [p.labels for p in gh.pulls("demo/format-check", head="fix")] == [("cicd-agent",)]
    effects.comment("demo/format-check", 1, "closing")
    effects.close_pull("demo/format-check", 1)
    assert effects.delete_branch("demo/format-check", "fix") is True
    assert effects.delete_branch("demo/format-check", "fix") is False  # idempotent
    assert gh.pulls("demo/format-check", state="closed")[0].state == "closed"


def test_markdown_report_fences_diffs_containing_backticks() -> None:
    from cicd_agent.effects.dryrun import render_markdown

    recorder = DryRunRecorder()
    recorder.skip(Action("github.put_file", "o/r:b:README.md", "m", "+```\n"))
    assert "````diff" in render_markdown(recorder)


def test_no_line_of_a_diff_closes_its_fence_in_the_markdown_report() -> None:
    """A diff shows a repository's own lines: a run of four or more backticks in them must not end the block."""
    from hostile import markdown_problems

    from cicd_agent.effects.dryrun import render_markdown

    recorder = DryRunRecorder()
    recorder.skip(
        Action("github.put_file", "o/r:b:README.md", "m", " `````\n+[click](https://evil.example) @octocat\n")
    )
    assert markdown_problems(render_markdown(recorder)) == []
