"""Which strategy a failure gets: ordered rules matching category, signature, excerpt, repo and branch.

User rules (from the config, by priority) come first, then the built-in defaults. The first rule that
matches, is enabled, is out of cooldown and still has budget fires. A rerun rule whose reruns are used up
is passed over, so a failure climbs the ladder: rerun, then fix, then report.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from cicd_agent.analysis import Analysis
from cicd_agent.config.settings import Config, RuleConfig
from cicd_agent.model import Strategy


@dataclass(frozen=True)
class Rule:
    name: str
    strategy: Strategy
    priority: int = 100
    category: str = ""
    signature: str = ""
    excerpt_regex: str = ""
    repos: tuple[str, ...] = ("*",)
    branches: tuple[str, ...] = ("*",)
    fixer: str = ""
    command: tuple[str, ...] = ()
    max_reruns: int = 1
    cooldown: float = 0.0
    enabled: bool = True


DEFAULT_RULES: list[Rule] = [
    Rule("transient-rerun", Strategy.RERUN, 10_000, category="network.transient", max_reruns=1),
    Rule("runner-rerun", Strategy.RERUN, 10_001, category="infra.runner", max_reruns=1),
    Rule("deprecated-action", Strategy.FIX, 10_010, category="actions.deprecated-version", fixer="deprecated-action"),
    Rule("missing-dependency", Strategy.FIX, 10_011, category="dependency.missing-module", fixer="missing-dependency"),
    Rule("format", Strategy.FIX, 10_012, category="format.check", fixer="formatter"),
    Rule("timeout", Strategy.FIX, 10_013, category="timeout", fixer="timeout"),
    Rule("lockfile", Strategy.FIX, 10_014, category="dependency.lockfile", fixer="lockfile"),
    Rule("report", Strategy.REPORT, 99_999),
]


def from_config(config: Config) -> list[Rule]:
    users = [_rule(index, r) for index, r in enumerate(config.rules)]
    return sorted(users, key=lambda r: r.priority) + DEFAULT_RULES


def _rule(index: int, r: RuleConfig) -> Rule:
    fixer = r.fixer or ("command" if r.command else "")
    return Rule(
        name=r.name or f"rule-{index + 1}",
        strategy=Strategy(r.strategy),
        priority=r.priority,
        category=r.category,
        signature=r.signature,
        excerpt_regex=r.excerpt_regex,
        repos=tuple(r.repos),
        branches=tuple(r.branches),
        fixer=fixer,
        command=tuple(r.command),
        max_reruns=r.max_reruns,
        cooldown=float(r.cooldown),
        enabled=r.enabled,
    )


def matches(rule: Rule, analysis: Analysis, repo: str, branch: str) -> bool:
    if not rule.enabled:
        return False
    if rule.category and not fnmatch.fnmatchcase(analysis.category, rule.category):
        return False
    if rule.signature and not analysis.signature.startswith(rule.signature.lower()):
        return False
    if rule.excerpt_regex and not any(re.search(rule.excerpt_regex, e.text) for e in analysis.excerpt):
        return False
    if not any(fnmatch.fnmatchcase(repo.lower(), p.lower()) for p in rule.repos):
        return False
    return any(fnmatch.fnmatchcase(branch, p) for p in rule.branches)


def candidates(
    rules: list[Rule],
    analysis: Analysis,
    repo: str,
    branch: str,
    *,
    reruns_done: int,
    last_fired: dict[str, float],
    now: float,
) -> list[Rule]:
    """The rules that may fire, best first: the pipeline tries them in order (a fixer may decline)."""
    chosen = []
    for rule in rules:
        if not matches(rule, analysis, repo, branch):
            continue
        if rule.strategy is Strategy.RERUN and reruns_done >= rule.max_reruns:
            continue
        if rule.cooldown and now - last_fired.get(rule.name, float("-inf")) < rule.cooldown:
            continue
        chosen.append(rule)
    return chosen
