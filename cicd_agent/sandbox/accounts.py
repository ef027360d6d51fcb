"""Who is asking: the sandbox's accounts, their tokens and permissions, GitHub Apps and their tokens.

The sandbox's own token is the agent's identity (`AGENT_LOGIN`, admin). Tests add people with
`add_person(login, permission)` and act as them with the token it returns. A registered App signs JWTs;
its installation tokens act as its bot, `<slug>[bot]`. Writes are checked as GitHub checks a person's
role on a repository: `read` (and `none`) may open issues and comment, not push, label, close or merge.
"""

from __future__ import annotations

import itertools
import secrets
import time

from cicd_agent.sandbox.model import ApiError, App, Person

AGENT_LOGIN = "cicd-agent-bot"
PERMISSIONS = ("none", "read", "write", "admin")  # what the collaborator-permission endpoint answers


class Accounts:
    """Accounts, tokens, apps. Mixed into `Sandbox`; every lookup takes a token or a login."""

    def __init__(self) -> None:
        self.token = "sandbox-" + secrets.token_hex(8)
        self._account_ids = itertools.count(5000)
        self.agent = Person(AGENT_LOGIN, 2)
        self.people: dict[str, Person] = {AGENT_LOGIN: self.agent}  # by lower-case login
        self.permissions: dict[str, str] = {AGENT_LOGIN: "admin"}  # by lower-case login
        self.tokens: dict[str, Person] = {self.token: self.agent}  # personal tokens
        self.apps: dict[str, App] = {}  # by app id
        self.app_token_ttl = 3600.0
        self.issued: dict[str, float] = {}  # installation token -> expiry
        self._token_apps: dict[str, App] = {}  # installation token -> its app
        self.installations: dict[str, set[str] | None] = {}  # app id -> the repositories it sees (None: all)

    def add_person(self, login: str, permission: str = "write") -> str:
        """A person with this role on every repository; returns a token that acts as them."""
        if permission not in PERMISSIONS:
            raise ValueError(f"permission must be one of {', '.join(PERMISSIONS)}, not {permission!r}")
        person = self.people.get(login.lower()) or Person(login, next(self._account_ids))
        self.people[login.lower()] = person
        self.permissions[login.lower()] = permission
        token = "ghp_" + secrets.token_hex(18)
        self.tokens[token] = person
        return token

    def person(self, login: str) -> Person | None:
        return self.people.get(login.lower())

    def permission(self, login: str) -> str:
        return self.permissions.get(login.lower(), "none")

    def require(self, actor: Person | None, level: str = "write", *, owner: Person | None = None) -> Person:
        """The actor, if it has `level` on the repository or is `owner` (say, the issue's author); else 403
        (401 when anonymous)."""
        if actor is None:
            raise ApiError(401, "Requires authentication")
        if owner is not None and actor.login == owner.login:
            return actor
        if PERMISSIONS.index(self.permission(actor.login)) < PERMISSIONS.index(level):
            raise ApiError(403, f"Must have {'admin' if level == 'admin' else 'push'} access to repository")
        return actor

    def git_identity(self, who: Person) -> tuple[str, str]:
        """The name and e-mail GitHub writes a commit made through the API by `who` with (its no-reply address)."""
        return who.login, f"{who.id}+{who.login}@users.noreply.github.com"

    def by_email(self, email: str) -> Person | None:
        """The account a commit's e-mail belongs to (GitHub links a commit to its author's account so)."""
        for person in self.people.values():
            if self.git_identity(person)[1].lower() == email.lower():
                return person
        return None

    def may(self, actor: Person | None, level: str = "write") -> bool:
        return actor is not None and PERMISSIONS.index(self.permission(actor.login)) >= PERMISSIONS.index(level)

    def register_app(self, app_id: str, public_key_pem: str, installation_id: int, slug: str = "cicd-agent") -> App:
        """A GitHub App whose JWTs (signed with the matching private key) mint installation tokens that act
        as `<slug>[bot]`, with write access (as an app granted contents, issues and pull requests: write)."""
        bot = self.people.get(f"{slug}[bot]".lower()) or Person(f"{slug}[bot]", next(self._account_ids), "Bot")
        self.people[bot.login.lower()] = bot
        self.permissions[bot.login.lower()] = "write"
        app = App(str(app_id), public_key_pem, installation_id, slug, bot)
        self.apps[app.id] = app
        self.installations.setdefault(app.id, None)
        return app

    def installation_sees(self, app: App, full_name: str) -> bool:
        selected = self.installations.get(app.id)
        return selected is None or full_name.lower() in selected

    def issue_token(self, app: App) -> tuple[str, float]:
        token = "ghs_" + secrets.token_hex(18)
        expires = time.time() + self.app_token_ttl
        self.issued[token] = expires
        self._token_apps[token] = app
        return token, expires

    def who(self, token: str) -> Person | None:
        """The account a token acts as: a personal token's owner, or an unexpired installation token's bot."""
        if token in self.tokens:
            return self.tokens[token]
        expires = self.issued.get(token)
        return self._token_apps[token].bot if expires is not None and expires > time.time() else None

    def installation_token(self, token: str) -> bool:
        return token in self._token_apps

    def accepts(self, token: str) -> bool:
        return self.who(token) is not None

    def app_from_jwt(self, authorization: str) -> App:
        """The app of a valid RS256 JWT in an `Authorization: Bearer` value, as GitHub checks it."""
        import jwt

        scheme, _, value = authorization.partition(" ")
        try:
            claims = jwt.decode(value, options={"verify_signature": False}) if scheme.lower() == "bearer" else {}
            app = self.apps.get(str(claims.get("iss", "")))
            if app is None:
                raise jwt.InvalidTokenError("unknown app")
            jwt.decode(value, app.public_key, algorithms=["RS256"], options={"require": ["exp", "iat", "iss"]})
        except jwt.PyJWTError:
            raise ApiError(401, "A JSON web token could not be decoded") from None
        return app
