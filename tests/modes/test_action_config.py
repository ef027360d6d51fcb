"""The Action mode's config: a repository the config covers (by name or glob) keeps its entry's settings."""

from __future__ import annotations

from cicd_agent.config.parse import parse_config
from cicd_agent.modes.action import watching


def test_the_action_uses_a_glob_entry_for_a_repository_it_matches() -> None:
    config, _ = parse_config('[[repos]]\nname = "octo-org/*"\nbranches = ["trunk"]\n')
    assert watching(config, "octo-org/web", "main").repo("octo-org/web").branches == ["trunk"]
    assert watching(config, "other/web", "main").repo("other/web").branches == ["main"]
