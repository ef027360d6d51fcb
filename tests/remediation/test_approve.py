"""Who said what on a draft fix, on plain values: the approved label, `/cicd-agent approve|reject` comments, and
only the latest word of someone trusted counts."""

from __future__ import annotations

from cicd_agent.github.values import Comment, IssueEvent
from cicd_agent.remediation.approve import Signal, Verb, decide, signals


def _comment(body: str, who: str = "maintainer", at: float = 10.0) -> Comment:
    return Comment(body, who, at, int(at))


def test_commands_are_read_from_the_start_of_a_line() -> None:
    said = signals(
        [],
        [
            _comment("/cicd-agent approve", at=1.0),
            _comment("Looks good.\n/CICD-AGENT Approve please", at=2.0),
            _comment("> /cicd-agent approve\nquoting someone", at=3.0),  # a quote is not a command
            _comment("do not /cicd-agent reject this", at=4.0),  # not at the start of a line
            _comment("/cicd-agent approved", at=5.0),  # not the command word
            _comment("/cicd-agent approve\n/cicd-agent reject", at=6.0),  # says both: says nothing
            _comment("  /cicd-agent reject", at=7.0),
        ],
    )
    assert [(s.verb, s.at) for s in said] == [(Verb.APPROVE, 1.0), (Verb.APPROVE, 2.0), (Verb.REJECT, 7.0)]


def test_the_approved_label_is_an_approval_other_labels_are_not() -> None:
    events = [
        IssueEvent("labeled", "maintainer", "cicd-agent:approved", 3.0),
        IssueEvent("labeled", "maintainer", "bug", 4.0),
        IssueEvent("closed", "maintainer", None, 5.0),
    ]
    (signal,) = signals(events, [_comment("/cicd-agent reject", at=1.0)])[1:]
    assert (signal.verb, signal.who, signal.at) == (Verb.APPROVE, "maintainer", 3.0)
    assert "label" in signal.how


def test_the_latest_trusted_word_wins() -> None:
    said = [
        Signal(Verb.APPROVE, "maintainer", 1.0, "label"),
        Signal(Verb.REJECT, "admin", 2.0, "comment"),
        Signal(Verb.APPROVE, "stranger", 3.0, "comment"),  # no write access: ignored
        Signal(Verb.APPROVE, "", 4.0, "comment"),  # a deleted account: nobody to trust
    ]
    asked: list[str] = []

    def trusted(login: str) -> bool:
        asked.append(login)
        return login in {"maintainer", "admin"}

    chosen = decide(said, trusted)
    assert chosen is not None and (chosen.verb, chosen.who) == (Verb.REJECT, "admin")
    assert asked == ["stranger", "admin"]  # asked from the latest back, no further than needed
    assert decide(said[2:], trusted) is None
