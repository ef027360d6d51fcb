"""`[[repos]]` globs: which entry a repository takes its settings from, what `config check` refuses and explains."""

from __future__ import annotations

import pytest

from cicd_agent.config.parse import parse_config
from cicd_agent.config.repos import describe, entry_for, is_glob, skip_reason, unmatchable
from cicd_agent.config.settings import Config, RepoConfig

GLOBS = """
[[repos]]
name = "octo-org/api-*"
branches = ["main", "release/*"]
failure_threshold = 5

[[repos]]
name = "octo-org/*"
include_forks = true

[[repos]]
name = "Octo-Org/api-gateway"
branches = ["trunk"]
"""


def _config(text: str) -> Config:
    config, problems = parse_config(text)
    assert problems == []
    return config


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        ("octo-org/api-gateway", "Octo-Org/api-gateway"),  # an exact name wins over the globs before it
        ("OCTO-ORG/API-GATEWAY", "Octo-Org/api-gateway"),  # names are case-insensitive, as GitHub's are
        ("octo-org/api-users", "octo-org/api-*"),  # among globs, the first that matches
        ("octo-org/web", "octo-org/*"),
        ("other-org/web", None),
    ],
)
def test_an_exact_name_wins_then_the_first_matching_glob(name: str, entry: str | None) -> None:
    config = _config(GLOBS)
    found = entry_for(config.repos, name)
    assert (found.name if found else None) == entry
    if entry is None:  # no entry: the defaults, named for the repository
        assert config.repo(name) == RepoConfig(name=name)
    else:
        assert config.repo(name) is found


def test_settings_apply_by_glob() -> None:
    config = _config(GLOBS)
    assert config.repo("octo-org/api-users").failure_threshold == 5
    assert config.repo("octo-org/api-users").branches == ["main", "release/*"]
    assert config.repo("octo-org/web").branches == ["main"]
    assert config.repo("octo-org/api-gateway").branches == ["trunk"]


def test_what_a_glob_skips() -> None:
    default, forks = RepoConfig(name="o/*"), RepoConfig(name="o/*", include_forks=True)
    assert skip_reason(default, archived=False, fork=False) == ""
    assert skip_reason(default, archived=True, fork=False) == "archived"
    assert skip_reason(default, archived=False, fork=True) == "fork"
    assert skip_reason(forks, archived=False, fork=True) == ""
    assert skip_reason(forks, archived=True, fork=True) == "archived"
    assert skip_reason(RepoConfig(name="o/*", include_archived=True), archived=True, fork=False) == ""


@pytest.mark.parametrize("name", ["octo/*", "octo/api-?", "octo/[ab]pp", "*/*"])
def test_globs_are_told_from_names(name: str) -> None:
    assert is_glob(name) and not is_glob("octo/app")


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ('[[repos]]\nname = "octo/*"\n[[repos]]\nname = "octo/api-*"\n', "repos[1].name", "never applies: repos[0]"),
        (
            '[github]\ndiscover = "installation"\n[[repos]]\nname = "*/*"\n[[repos]]\nname = "octo/api-*"\n',
            "repos[1].name",
            "never applies: repos[0]",
        ),
        ('[[repos]]\nname = "octo/*"\n[[repos]]\nname = "OCTO/*"\n', "repos[1].name", "listed twice"),
        ('[[repos]]\nname = "*/api"\n', "repos[0].name", 'github.discover = "installation"'),
        ('[[repos]]\nname = "octo/app"\ninclude_forks = true\n', "repos[0].include_forks", "applies to a glob only"),
        ('[github]\ndiscover = "org"\n', "github.discover", "expected one of orgs, installation"),
        ('[[repos]]\nname = "octo/a b*"\n', "repos[0].name", "expected OWNER/NAME or a glob"),
        ("[schedule]\ndiscover_interval = 0\n", "schedule.discover_interval", "must be positive"),
        ('[[repos]]\nname = "octo/api-[ab"\n', "repos[0].name", "can match no repository: the [ at 'api-[ab'"),
        ('[[repos]]\nname = "octo/[]a"\n', "repos[0].name", "is never closed"),
    ],
)
def test_config_check_refuses_globs_that_cannot_work(text: str, key: str, message: str) -> None:
    _, problems = parse_config(text)
    assert [(p.key, message in p.message) for p in problems] == [(key, True)], problems


@pytest.mark.parametrize("pattern", ["octo/api-[ab]*", "octo/[!x]*", "octo/[]]x", "octo/*", "octo/a?c"])
def test_a_closed_set_can_match(pattern: str) -> None:
    assert unmatchable(pattern) is None


def test_narrower_globs_first_and_owner_globs_with_the_installation_are_fine() -> None:
    _config('[[repos]]\nname = "octo/api-*"\n[[repos]]\nname = "octo/*"\n[[repos]]\nname = "other/*"\n')
    _config('[github]\ndiscover = "installation"\n[[repos]]\nname = "*/api-*"\n[[repos]]\nname = "*/*"\n')


def test_config_check_explains_each_glob() -> None:
    config = _config(GLOBS)
    lines = describe(config.repos, config.github.discover)
    assert lines == [
        "repos[0] octo-org/api-*: the ones it matches among the repositories of octo-org (GET /orgs/octo-org/repos);"
        " archived and forks skipped",
        "repos[1] octo-org/*: the ones it matches among the repositories of octo-org (GET /orgs/octo-org/repos);"
        " archived skipped",
        "an exact name wins over every glob; among globs the first in the file wins",
    ]
    installation = _config('[github]\ndiscover = "installation"\n')
    assert describe(installation.repos, "installation") == [
        "every repository the GitHub App installation can see (no [[repos]] entry): archived and forks skipped"
    ]
    assert describe(_config('[[repos]]\nname = "octo/app"\n').repos, "orgs") == []


def test_the_readme_organisation_example_is_valid_and_means_what_it_says() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    (example,) = [b for b in readme.split("```toml\n")[1:] if "octo-org/api-*" in b]
    config = _config(example.split("```")[0])
    assert config.github.discover == "installation"
    assert config.repo("octo-org/api-users").failure_threshold == 5
    assert config.repo("octo-org/legacy-monolith").branches == ["master"]
    assert config.repo("octo-org/web").include_forks and not config.repo("octo-org/web").include_archived
