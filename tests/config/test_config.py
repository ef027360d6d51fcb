from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cicd_agent.config.parse import find_line, parse_config
from cicd_agent.config.settings import parse_duration
from cicd_agent.config.starter import starter_config


def test_starter_config_is_valid_and_typed() -> None:
    config, problems = parse_config(starter_config())
    assert problems == []
    assert config.repos[0].name == "octo-org/octo-repo"
    assert config.repos[0].branches == ["main", "release/*"]
    assert config.breaker.reset_after == 24 * 3600
    assert config.health.delay == 300
    assert config.policy.max_open_prs == 5
    assert (config.storm.min_repos, config.storm.window) == (5, 3600)


@pytest.mark.parametrize(
    ("text", "key", "line", "words"),
    [
        ("[policy]\nmax_files = 3\nmax_filez = 4\n", "policy.max_filez", 3, "unknown key"),
        ('[breaker]\nfailure_threshold = "three"\n', "breaker.failure_threshold", 2, "expected an integer"),
        ('[health]\n\ndelay = "soon"\n', "health.delay", 3, "duration"),
        ('[[repos]]\nname = "not a repo"\n', "repos[0].name", 2, "OWNER/NAME"),
        ('[[repos]]\nname = "a/b"\n[[repos]]\nname = "a/b"\n', "repos[1].name", 4, "listed twice"),
        ('[[rules]]\nname = "x"\nstrategy = "explode"\n', "rules[0].strategy", 3, "expected one of"),
        ('[[rules]]\nstrategy = "fix"\n', "rules[0].fixer", None, "needs a fixer"),
        ('[[rules]]\nstrategy = "report"\nexcerpt_regex = "("\n', "rules[0].excerpt_regex", 3, "regular expression"),
        ('[github]\ntoken_env = "MY TOKEN"\n', "github.token_env", 2, "NAME of an environment variable"),
        ('[github]\ntoken_env = "ghp_abc def"\n', "github.token_env", 2, "looks like a secret"),
        ("[polcy]\nmax_files = 1\n", "polcy", 1, "unknown section; did you mean `policy`?"),
        ("[policy]\nmax_file = 1\n", "policy.max_file", 2, "did you mean `max_files`?"),
        ('[[rules]]\nname = "x"\nstrategy = "fix"\nfixer = "formater"\n', "rules[0].fixer", 4, "unknown fixer"),
        ('[health]\ndelay = "10m"\nmax_wait = "5m"\n', "health.max_wait", 3, "shorter than health.delay"),
        ('[github]\napi_url = "ftp://ghe.example/api"\n', "github.api_url", 2, "https://"),
        (
            '[github]\napi_url = "http://ghe.example/api/v3"\n',
            "github.api_url",
            2,
            "plain http is only allowed to 127.0.0.1",
        ),
        ('[notifications]\nwebhook_url = "file:///etc/passwd"\n', "notifications.webhook_url", 2, "https://"),
        ('[github]\napp_id = "my-app"\n', "github.app_id", 2, "numeric id"),
        ("[metrics]\nunhealthy_after = 0\n", "metrics.unhealthy_after", 2, "0 is out of range: expected 1 to 1000"),
        ("[github]\nmax_retries = 1000000000000000000000000000000\n", "github.max_retries", 2, "1e+30 is out of range"),
        ("[github]\ntimeout = inf\n", "github.timeout", 2, "inf is out of range: expected 0 to 600 seconds"),
        ("[policy]\nmax_files = nan\n", "policy.max_files", 2, "expected an integer"),
        ('[state]\nlease = "10000d"\n', "state.lease", 2, "out of range: expected 0 to 86400 seconds"),
        ("[webhook]\nport = 99999\n", "webhook.port", 2, "99999 is out of range: expected 1 to 65535"),
        ('[[repos]]\nname = "o/r"\nbranches = ["["]\n', "repos[0].branches[0]", 3, "can never match a branch"),
        ('[[rules]]\nname = "x"\nbranches = ["re lease/*"]\n', "rules[0].branches[0]", 3, "git allows no ' '"),
        ("surprise = 1\n", "surprise", 1, "unknown key"),
        ('[policy]\nallow_workflow_changes = "yes"\n', "policy.allow_workflow_changes", 2, "true or false"),
        ("[storm]\nmin_repos = 1\n", "storm.min_repos", 2, "one repository is not a storm"),
        ('[storm]\nissue_repo = "incidents"\n', "storm.issue_repo", 2, "OWNER/NAME"),
    ],
)
def test_each_problem_names_key_and_line(text: str, key: str, line: int | None, words: str) -> None:
    _, problems = parse_config(text)
    assert [p.key for p in problems] == [key]
    assert problems[0].line == line
    assert words in problems[0].message


def test_invalid_toml_reports_its_line() -> None:
    _, problems = parse_config("[policy]\nmax_files = = 3\n")
    assert problems[0].key == "(syntax)"
    assert problems[0].line == 2


def test_all_problems_are_reported_at_once() -> None:
    _, problems = parse_config('[policy]\nmax_files = "x"\nnope = 1\n[breaker]\nreset_after = []\n')
    assert {p.key for p in problems} == {"policy.max_files", "policy.nope", "breaker.reset_after"}


@pytest.mark.parametrize(("value", "seconds"), [(30, 30), ("30s", 30), ("5m", 300), ("24h", 86400), ("7d", 604800)])
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", [-1, "5 weeks", True, "m"])
def test_bad_durations(value: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(value)


def test_find_line_picks_the_right_array_table() -> None:
    text = '[[repos]]\nname = "a/b"\n\n[[repos]]\nname = "c/d"\n'
    assert find_line(text, "repos[1].name") == 5


def test_api_url_prefers_file_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config, _ = parse_config("")
    assert config.api_url() == "https://api.github.com"
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9/")
    assert config.api_url() == "http://127.0.0.1:9"
    config, _ = parse_config('[github]\napi_url = "https://ghe.example/api/v3"\n')
    assert config.api_url() == "https://ghe.example/api/v3"


def test_token_comes_from_the_named_variable_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from cicd_agent.config.settings import token_for

    config, _ = parse_config('[github]\ntoken_env = "MY_TOKEN"\n[[repos]]\nname = "a/b"\ntoken_env = "B_TOKEN"\n')
    assert token_for(config) is None
    monkeypatch.setenv("MY_TOKEN", "t1")
    assert token_for(config) == "t1"
    monkeypatch.setenv("B_TOKEN", "t2")
    assert token_for(config, "a/b") == "t2"


@pytest.mark.parametrize(
    "secret",
    [
        "ghp_" + "a1B2" * 9,
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
        "0123456789abcdef0123456789abcdef01234567",
        "xoxb-1234-5678-abcdefgh",
        "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
        "Zq8Lm2Np4Rt6Vx8Bz0Cd2Ef4Gh6Jk8Mn",
    ],
)
def test_a_secret_pasted_into_an_env_key_is_refused_and_never_repeated(secret: str) -> None:
    text = f'[notifications]\nslack_webhook_env = "{secret}"\n[[repos]]\nname = "a/b"\ntoken_env = "{secret}"\n'
    _, problems = parse_config(text)
    assert [(p.key, p.line) for p in problems] == [("notifications.slack_webhook_env", 2), ("repos[0].token_env", 5)]
    assert all("looks like a secret" in p.message and secret not in str(p) for p in problems)


@pytest.mark.parametrize("name", ["GITHUB_TOKEN", "MY_ORG_BOT_TOKEN_2", "gh_token", "SLACK_WEBHOOK_URL"])
def test_ordinary_variable_names_are_fine(name: str) -> None:
    _, problems = parse_config(f'[github]\ntoken_env = "{name}"\n')
    assert problems == []


def test_numeric_ids_are_numbers_or_digit_strings() -> None:
    config, problems = parse_config(
        '[github]\napp_id = 12345\napp_private_key_env = "APP_KEY"\ninstallation_id = "678"\n'
        "[notifications]\ntelegram_chat_id = -1001234\n"
    )
    assert problems == []
    assert (config.github.app_id, config.github.installation_id) == ("12345", "678")
    assert config.notifications.telegram_chat_id == "-1001234"


@pytest.mark.parametrize("url", ["https://ghe.example/api/v3", "http://127.0.0.1:8080", "http://localhost:9/api"])
def test_api_urls_that_are_allowed(url: str) -> None:
    _, problems = parse_config(f'[github]\napi_url = "{url}"\n')
    assert problems == []


def test_the_published_schema_is_generated_from_the_dataclasses() -> None:
    import json

    from cicd_agent.config.schema import config_schema

    published = json.loads((Path(__file__).parents[2] / "docs" / "config.schema.json").read_text())
    assert published == config_schema(), "regenerate it: agent config schema > docs/config.schema.json"


def test_the_schema_accepts_the_starter_config_and_refuses_what_the_loader_refuses() -> None:
    import tomllib

    import jsonschema

    from cicd_agent.config.schema import config_schema

    validator = jsonschema.Draft202012Validator(config_schema())
    assert list(validator.iter_errors(tomllib.loads(starter_config()))) == []
    for text in ("[polcy]\nmax_files = 1\n", '[policy]\nmax_files = "3"\n', '[[rules]]\nstrategy = "explode"\n'):
        assert list(validator.iter_errors(tomllib.loads(text))), text
        assert parse_config(text)[1], text


def test_the_fixer_names_the_config_accepts_are_the_fixers_there_are() -> None:
    from cicd_agent.fixers import FIXERS
    from cicd_agent.model import FIXER_NAMES

    assert sorted(FIXER_NAMES) == sorted(FIXERS)


def test_every_number_of_the_config_is_bounded_and_the_defaults_are_within() -> None:
    from cicd_agent.config.checks import BOUNDS

    config, problems = parse_config("")
    assert problems == []
    numbers: list[str] = []

    def walk(value: object, key: str) -> None:
        if dataclasses.is_dataclass(value):
            for item in dataclasses.fields(value):
                walk(getattr(value, item.name), f"{key}.{item.name}".lstrip("."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            numbers.append(key)

    walk(config, "")
    assert len(numbers) >= 30 and set(BOUNDS) - set(numbers) <= {"rules.priority", "rules.max_reruns"}  # no stale name
    for key in numbers:  # any number beyond every bound is refused, named by its key
        section, name = key.split(".")
        _, refused = parse_config(f"[{section}]\n{name} = {10**30}\n")
        assert any(p.key == key and "1e+30 is out of range" in p.message for p in refused), (key, refused)
