"""Who edited what on GitHub (a mixin of `GitHubClient`): GraphQL says who last edited an issue's body, which REST
does not. The dashboard issue trusts a ticked box only when that person has write access."""

from __future__ import annotations

from github import Github

from cicd_agent.github.errors import api

EDITOR_QUERY = (
    "query($owner: String!, $name: String!, $number: Int!) "
    "{ repository(owner: $owner, name: $name) { issue(number: $number) { editor { login } } } }"
)


class EditReads:
    gh: Github

    @api("asking who last edited issue #{number} of {repo}")
    def issue_editor(self, repo: str, number: int) -> str | None:
        """Who last edited an issue's body; None when nobody did since it was opened."""
        owner, name = repo.split("/", 1)
        _, data = self.gh.requester.graphql_query(EDITOR_QUERY, {"owner": owner, "name": name, "number": number})
        editor = ((data.get("data") or {}).get("repository") or {}).get("issue", {}).get("editor")
        return str(editor["login"]) if editor else None
