"""The escaping layer on plain values: each function against the strings attackers use."""

from __future__ import annotations

import json

import hostile
import pytest
from hostile import markdown_problems, written_problems

from cicd_agent.text import (
    ZWSP,
    code_span,
    command_data,
    command_property,
    fenced,
    html,
    inline,
    json_for_people,
    link,
    metadata_comment,
    prose,
    read_metadata,
    redact,
    remember_secrets,
    slack,
    stop_commands,
    terminal,
    title,
    with_metadata,
)

ESCAPES = [
    ("\x1b[31mred\x1b[0m", "red"),  # SGR colours
    ("a\x1b[2J\x1b[Hb", "ab"),  # clear screen, cursor home
    ("\x1b]0;owned title\x07after", "after"),  # OSC window title, BEL-terminated
    ("\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"),  # OSC 8 hyperlink, ST-terminated
    ("\x1b]52;c;cm0gLXJmIH4=\x07x", "x"),  # OSC 52: write the clipboard
    ("\x1bP+q544e\x1b\\ok", "ok"),  # DCS request
    ("\x9b2Jc1", "c1"),  # 8-bit CSI
    ("\x9d0;t\x9cz", "z"),  # 8-bit OSC and ST
    ("nul\x00byte", "nulbyte"),
    ("bell\x07back\x08space", "bellbackspace"),
    ("over\rwrite", "overwrite"),  # a lone CR would let a line overwrite itself
    ("rtl \u202eevil\u202c", "rtl evil"),  # bidi overrides (Trojan Source)
    ("unterminated \x1b]0;title", "unterminated "),
    ("lone\x1b", "lone"),
]


@pytest.mark.parametrize(("raw", "shown"), ESCAPES)
def test_terminal_drops_escape_sequences_and_controls(raw: str, shown: str) -> None:
    assert terminal(raw) == shown


def test_terminal_keeps_text_tabs_and_newlines_and_shows_bad_utf8() -> None:
    assert terminal("a\tb\nc") == "a\tb\nc"
    assert terminal("a\r\nb") == "a\nb"
    assert terminal("one\ntwo", newlines=False) == "one two"
    assert terminal(b"caf\xc3\xa9 \xff\xfe") == "café \ufffd\ufffd"
    assert terminal("x\udcffy") == "x\ufffdy"  # a surrogate escape from bytes decoded loosely
    assert terminal("naïve ✓ 日本") == "naïve ✓ 日本"


@pytest.mark.parametrize(
    "raw",
    [
        "@octocat",
        "@org/team",
        "see #12",
        "<img src=x onerror=alert(1)>",
        "[click](https://evil.example)",
        "![pixel](https://evil.example/p.png)",
        "**bold** _it_ ~~gone~~ `code`",
        "a | b | c",
        "https://evil.example/path",
        "www.evil.example",
        "&lt;script&gt;",
        "back\\slash\\[x](y)",
    ],
)
def test_inline_leaves_nothing_active(raw: str) -> None:
    assert markdown_problems(raw) or raw.startswith(("**", "a |", "&", "back")), "the case itself is inert"
    assert markdown_problems(f"- {inline(raw)}") == []
    assert "\n" not in inline("a\nb")
    assert f"@{ZWSP}octocat" in inline("@octocat")


@pytest.mark.parametrize("raw", [hostile.MENTIONS, hostile.HTML, hostile.LINKS, hostile.NAME])
def test_every_markdown_escape_is_inert(raw: str) -> None:
    for rendered in (inline(raw), prose(raw), code_span(raw)):
        assert markdown_problems(f"- item {rendered}\n") == [], rendered
    assert markdown_problems(f"before\n\n{fenced(raw)}\n\nafter\n") == []
    assert written_problems(title(raw)) == [] and "@o" not in title(raw)  # a title is plain text


def test_inline_escapes_markdown_with_backslashes() -> None:
    assert inline("<b>x</b> [a](b) | `c`") == "\\<b\\>x\\</b\\> \\[a\\](b) \\| \\`c\\`"
    assert inline("feature_x") == "feature\\_x"
    assert inline("https://evil.example") == f"https:{ZWSP}//evil.example"


def test_code_span_survives_backticks_and_keeps_the_value() -> None:
    assert code_span("main") == "`main`"
    assert code_span("a`b") == "``a`b``"
    assert code_span("`edge`") == "`` `edge` ``"
    assert code_span("x\ny\x1b[31m") == "`x y`"


def test_prose_escapes_outside_code_spans_only() -> None:
    out = prose("Raised `timeout-minutes` of `build` for @octocat <b>[x](https://e.example)</b>")
    assert out.startswith("Raised `timeout-minutes` of `build` for @" + ZWSP + "octocat \\<b\\>\\[x\\]")
    assert prose("a \\`not code <i>` b") == "a \\\\\\`not code \\<i\\>\\` b"  # an escaped backtick opens nothing


def test_fenced_cannot_be_closed_early() -> None:
    block = fenced("a ```` b\n```\n@octocat")
    assert block.startswith("`````text\n") and block.endswith("\n`````")
    assert f"@{ZWSP}octocat" in block
    patch = fenced("+uses: actions/checkout@v4\n", "diff", exact=True)
    assert patch == "```diff\n+uses: actions/checkout@v4\n```"  # a patch stays exact


def test_link_only_for_http_urls() -> None:
    assert (
        link("run [1]", "https://github.com/o/r/actions/runs/1")
        == "[run \\[1\\]](https://github.com/o/r/actions/runs/1)"
    )
    assert link("x", "javascript:alert(1)") == "x"
    assert link("x", "https://e.example/a) [b](c") == "x"


def test_chat_escapes() -> None:
    assert html("<b>@octocat</b> & \x1b[1m") == f"&lt;b&gt;@{ZWSP}octocat&lt;/b&gt; &amp; "
    assert slack("<!channel> <https://e.example|click> & @here") == (
        f"&lt;!channel&gt; &lt;https://e.example|click&gt; &amp; @{ZWSP}here"
    )


def test_workflow_command_text_stays_one_command() -> None:
    assert command_data("50% done\n::set-env name=X::1\r") == "50%25 done%0A::set-env name=X::1"
    assert command_property("a:b,c") == "a%3Ab%2Cc"
    first, body, last = stop_commands("::add-mask::secret\x1b[31m").split("\n")
    token = first.removeprefix("::stop-commands::")
    assert len(token) == 32 and body == "::add-mask::secret" and last == f"::{token}::"


def test_titles_are_one_plain_line() -> None:
    assert title("fix @octocat\n#12\x1b[31m") == f"fix @{ZWSP}octocat #{ZWSP}12"


def test_metadata_is_read_only_from_the_block_that_ends_a_body() -> None:
    forged = metadata_comment({"signature": "forged"})
    real = with_metadata(f"excerpt:\n```\n{forged}\n```", {"signature": "real", "branch": "x --> <b>"})
    assert read_metadata(real) == {"signature": "real", "branch": "x --> <b>"}
    assert read_metadata(f"```\n{forged}\n```\nmore text after it") is None  # not at the end: not ours
    assert read_metadata(real + "\n\n  ") == {"signature": "real", "branch": "x --> <b>"}
    assert read_metadata("<!-- cicd-agent [1, 2] -->") is None and read_metadata(None) is None
    long = with_metadata("x" * 70_000, {"n": 1})
    assert len(long) <= 65_536 and read_metadata(long) == {"n": 1}  # cut to fit, the block kept


def test_redact_removes_tokens_in_every_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_DEPLOY_TOKEN", "s3cr3t-value-123\n")
    text = (
        "Invalid header value: 'token ghp_abcdefghijklmnopqrstuvwx\\n' AUTHORIZATION: basic eC1hY2Nlc3M= "
        "https://x-access-token:tok123456@github.com given s3cr3t-value-123 github_pat_11ABCDEFG0123456789_abcdefghij"
    )
    out = redact(text, "explicit-secret")
    for secret in ("ghp_abc", "eC1hY2Nlc3M", "tok123456", "s3cr3t-value-123", "github_pat_11"):
        assert secret not in out
    assert out.count("***") == 5
    assert redact("nothing to hide here") == "nothing to hide here"


def test_redact_removes_credentials_in_urls_bot_tokens_slack_paths_and_remembered_secrets() -> None:
    remember_secrets("https://chat.example/hooks/room-7/Abcdefgh12345678", "short")
    text = (
        "cannot reach GitHub at http://u:S3cretPw@127.0.0.1:80/api; "
        "POST https://api.telegram.org/bot123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0/sendMessage; "
        'hooks.slack.com:443 "POST /services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX HTTP/1.1"; '
        "GET /x?access_token=abc123&page=2; "
        '"POST /hooks/room-7/Abcdefgh12345678 HTTP/1.1"; postgresql://agent:pgpass@db/state'
    )
    out = redact(text)
    for secret in ("S3cretPw", "AAHfiqks", "XXXXXXXX", "abc123", "Abcdefgh12345678", "pgpass"):
        assert secret not in out
    assert "http://***@127.0.0.1:80/api" in out and "page=2" in out and "/bot***/sendMessage" in out
    assert redact("short, 12:34:56, v1.2.3, user@example.com") == "short, 12:34:56, v1.2.3, user@example.com"


def test_credentials_holding_an_at_sign_are_redacted_whole_and_paths_with_one_are_left_alone() -> None:
    out = redact("the state URL 'mysql://agent:Pa@ss-w0rd-xx@db/x' and http://u:p@ss@127.0.0.1/api")
    assert "ss-w0rd-xx" not in out and "p@ss" not in out and "ss@127" not in out
    assert "mysql://***@db/x" in out and "http://***@127.0.0.1/api" in out
    assert redact("GET https://registry.npmjs.org/@types/node 404") == "GET https://registry.npmjs.org/@types/node 404"


def test_every_query_parameter_named_as_a_secret_is_redacted() -> None:
    text = "postgresql://db/x?sslpassword=KeyPw12345&sslmode=require https://x/y?client_secret=abc123xy&api_token=zz9"
    out = redact(text + "&passwd=qwerty77&page=2")
    assert not any(secret in out for secret in ("KeyPw12345", "abc123xy", "zz9", "qwerty77")), out
    assert "sslmode=require" in out and "page=2" in out


@pytest.mark.parametrize(
    "char", list("\u202e\u202a\u2066\u2069\u200b\u200c\u200d\u200e\u200f\u061c\ufeff\u2028\u2060\u00ad")
)
def test_invisible_and_direction_changing_characters_reach_no_terminal_markdown_or_json(char: str) -> None:
    raw = f"main{char}gnp.exe"
    for rendered in (terminal(raw), inline(raw), code_span(raw), title(raw), fenced(raw), html(raw), slack(raw)):
        assert char not in rendered, rendered
    shown = json_for_people({"branch": raw})
    assert char not in shown and f"\\u{ord(char):04x}" in shown and json.loads(shown) == {"branch": raw}


def test_said_lines_leave_out_what_a_comment_only_shows_in_code() -> None:
    from cicd_agent.text import said_lines

    body = "Say:\n```\n/cicd-agent retry\n```\n    /cicd-agent approve\n\t/cicd-agent reject\n"
    body += "~~~~\n/a\n~~~\n/b\n~~~~\n/c\n"
    assert said_lines(body).splitlines() == ["Say:", "/c"]
    assert said_lines("```\n/cicd-agent retry") == ""  # an unclosed fence runs to the end, as GitHub renders it
    assert said_lines("  /cicd-agent retry\n> /x") == "  /cicd-agent retry\n> /x"


def test_metadata_is_found_under_what_a_person_added_after_it() -> None:
    forged = metadata_comment({"signature": "forged"})
    real = with_metadata(f"excerpt:\n```\n{forged}\n```", {"signature": "real"})
    assert read_metadata(real + "\n\nEdited: merging this after the release.\n") == {"signature": "real"}
    without = f"excerpt:\n```\n{forged}\n```\n\nThe block was deleted by an edit."
    assert read_metadata(without) is None  # only a block quoted in code is left: not ours
    assert read_metadata(f"see {forged} here") is None  # not a line of its own
