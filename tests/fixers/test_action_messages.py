# ruff: noqa: E501  (real log lines and API payloads are kept whole)
"""GitHub's wordings about deprecated actions and workflow commands, as real logs print them."""

from __future__ import annotations

from cicd_agent.fixers.action_messages import Named, deprecated_commands, named_actions

URL = "https://github.blog/changelog/2022-09-22-github-actions-all-actions-will-begin-running-on-node16-instead-of-node12/"


def test_automatically_failed_names_tags_and_shas_and_is_fatal() -> None:
    text = (
        "Error: This request has been automatically failed because it uses a deprecated version of "
        "`actions/cache: v2`. Please update your workflow to use v3/v4 of actions/cache to avoid interruptions. "
        "This request has been automatically failed because it uses a deprecated version of "
        "`actions/upload-artifact: 0c45773b623bea8c8e75f6c82b208c3cf94ea4f9`. Learn more: https://x/"
    )
    assert named_actions(text) == [
        Named("actions/cache", "v2", fatal=True),
        Named("actions/upload-artifact", "0c45773b623bea8c8e75f6c82b208c3cf94ea4f9", fatal=True),
    ]


def test_node_warnings_of_every_generation() -> None:
    node12 = f"Node.js 12 actions are deprecated. Please update the following actions to use Node.js 16: actions/checkout@v2, actions/setup-node@v2. For more information see: {URL}."
    node12_old = f"Node.js 12 actions are deprecated. For more information see: {URL}. Please update the following actions to use Node.js 16: aws-actions/configure-aws-credentials"
    node16 = "Node.js 16 actions are deprecated. Please update the following actions to use Node.js 20: realm/aws-devicefarm/create-upload@v1. For more information see: https://github.blog/x/."
    node20 = "Node.js 20 actions are deprecated. The following actions are running on Node.js 20 and may not work as expected: actions/checkout@v4, cachix/cachix-action@v15. Actions will be forced to run with Node.js 24 by default starting June 2nd, 2026."
    assert named_actions(node12) == [Named("actions/checkout", "v2"), Named("actions/setup-node", "v2")]
    assert named_actions(node12_old) == [Named("aws-actions/configure-aws-credentials", None)]
    assert named_actions(node16) == [Named("realm/aws-devicefarm/create-upload", "v1")]
    assert named_actions(node20) == [Named("actions/checkout", "v4"), Named("cachix/cachix-action", "v15")]


def test_workflow_commands() -> None:
    text = (
        "Warning: The `set-output` command is deprecated and will be disabled soon.\n"
        "Error: The `set-env` command is disabled. Please upgrade to using Environment Files"
    )
    assert deprecated_commands(text) == {"set-output", "set-env"}
    assert named_actions(text) == []
