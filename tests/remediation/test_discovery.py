"""Discovery's selection on plain values: exact names first, globs over what was listed, archived and forks
skipped unless asked, and a repository new since the listing watched from its first delivery."""

from __future__ import annotations

from cicd_agent.config.parse import parse_config
from cicd_agent.config.settings import Config
from cicd_agent.github.values import ListedRepo
from cicd_agent.remediation.discovery import Fleet, discovers, select, summary

LISTED = [
    ListedRepo("octo-org/web"),
    ListedRepo("octo-org/api-users"),
    ListedRepo("octo-org/old-site", archived=True),
    ListedRepo("octo-org/forked-lib", fork=True),
    ListedRepo("octo-org/api-legacy", archived=True),
    ListedRepo("other-org/tool"),
    ListedRepo("Octo-Org/Named"),
]


def _config(text: str) -> Config:
    config, problems = parse_config(text)
    assert problems == []
    return config


def test_a_glob_selects_what_it_matches_and_skips_archived_and_forks() -> None:
    config = _config('[[repos]]\nname = "octo-org/named"\n[[repos]]\nname = "octo-org/*"\n')
    selection = select(config, LISTED, "orgs octo-org")
    assert selection.watched == ("octo-org/named", "octo-org/api-users", "octo-org/web")
    assert selection.listed == 7
    assert selection.skipped == {"archived": 2, "fork": 1, "unmatched": 1}


def test_the_first_matching_glob_decides_what_is_skipped() -> None:
    config = _config(
        '[[repos]]\nname = "octo-org/api-*"\ninclude_archived = true\n'
        '[[repos]]\nname = "octo-org/*"\ninclude_forks = true\n'
    )
    selection = select(config, LISTED, "orgs octo-org")
    assert selection.watched == (
        "octo-org/api-legacy",
        "octo-org/api-users",
        "octo-org/forked-lib",
        "Octo-Org/Named",
        "octo-org/web",
    )
    assert selection.skipped == {"archived": 1, "unmatched": 1}


def test_an_installation_without_entries_watches_everything_it_sees_but_archived_and_forks() -> None:
    config = _config('[github]\ndiscover = "installation"\n')
    assert discovers(config)
    selection = select(config, LISTED, "installation")
    assert selection.watched == ("octo-org/api-users", "Octo-Org/Named", "octo-org/web", "other-org/tool")
    assert selection.skipped == {"archived": 2, "fork": 1}


def test_exact_names_only_discover_nothing() -> None:
    config = _config('[[repos]]\nname = "octo-org/web"\n')
    assert not discovers(config)
    assert not Fleet(config).discovers
    assert Fleet(config).names() == ["octo-org/web"]


def test_repo_options_watch_exactly_those() -> None:
    fleet = Fleet(_config('[[repos]]\nname = "octo-org/*"\n'), ["octo-org/one"])
    assert not fleet.discovers and fleet.names() == ["octo-org/one"]
    assert not fleet.admits("octo-org/two", archived=False, fork=False)


def test_a_delivery_for_a_repository_not_listed_yet_is_admitted_when_a_glob_selects_it() -> None:
    fleet = Fleet(_config('[[repos]]\nname = "octo-org/app"\n[[repos]]\nname = "octo-org/api-*"\n'))
    assert fleet.admits("OCTO-ORG/APP", archived=False, fork=False)
    assert fleet.spelled("OCTO-ORG/APP") == "octo-org/app"
    assert not fleet.admits("octo-org/api-fork", archived=False, fork=True)
    assert not fleet.admits("octo-org/web", archived=False, fork=False)
    assert not fleet.watches("octo-org/api-new")
    assert fleet.admits("octo-org/api-new", archived=False, fork=False)
    assert fleet.names() == ["octo-org/app", "octo-org/api-new"]  # watched from now on


def test_a_discovery_is_said_once_then_only_when_the_list_changes() -> None:
    config = _config('[[repos]]\nname = "octo-org/*"\n')
    first = select(config, LISTED, "orgs octo-org")
    assert summary(first, set(), first=True) == (
        "discovered 7 repositories (orgs octo-org): watching 3, skipped 2 archived, 1 fork, 1 unmatched"
    )
    watched = {n.lower() for n in first.watched}
    assert summary(first, watched, first=False) == ""
    later = select(config, [*LISTED[:1], ListedRepo("octo-org/new")], "orgs octo-org")
    assert summary(later, watched, first=False) == (
        "discovered 2 repositories (orgs octo-org): watching 2; new: octo-org/new; 2 no longer listed"
    )


def test_a_listed_name_github_never_gives_a_repository_is_never_watched() -> None:
    config = _config('[github]\ndiscover = "installation"\n')
    hostile = ["octo/..", "../octo", "octo/a/b", "octo/x\x1b[2J", "octo/<b>", "octo/@ghost #1", "octo/" + "a" * 101]
    selection = select(config, [ListedRepo("octo/web"), *(ListedRepo(name) for name in hostile)], "installation")
    assert selection.watched == ("octo/web",) and selection.skipped == {"not a repository name": len(hostile)}
