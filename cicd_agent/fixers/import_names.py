"""From an import name to the distribution that provides it: a maintained mapping, then the name itself.

Every candidate is verified against the package index before anything is written (see
missing_dependency); this table only says which name to ask about first. `POPULAR` guards against
typosquatting: an import one or two letters away from a well-known name (`reqeusts`) is treated as a typo
in the code, never as a dependency, even when someone registered that name on the index.
"""

from __future__ import annotations

# import name (or dotted prefix) -> distribution, where they differ. Sources: the projects' own docs.
DISTRIBUTIONS: dict[str, str] = {
    "yaml": "PyYAML",
    "PIL": "Pillow",
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "cv2": "opencv-python",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jwt": "PyJWT",
    "attr": "attrs",
    "Crypto": "pycryptodome",
    "Cryptodome": "pycryptodomex",
    "OpenSSL": "pyOpenSSL",
    "serial": "pyserial",
    "usb": "pyusb",
    "magic": "python-magic",
    "git": "GitPython",
    "github": "PyGithub",
    "gitlab": "python-gitlab",
    "google.protobuf": "protobuf",
    "google.cloud.storage": "google-cloud-storage",
    "google.cloud.bigquery": "google-cloud-bigquery",
    "google.auth": "google-auth",
    "googleapiclient": "google-api-python-client",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "Levenshtein": "python-Levenshtein",
    "slugify": "python-slugify",
    "jose": "python-jose",
    "multipart": "python-multipart",
    "socks": "PySocks",
    "zmq": "pyzmq",
    "psycopg2": "psycopg2-binary",
    "MySQLdb": "mysqlclient",
    "pymysql": "PyMySQL",
    "win32api": "pywin32",
    "telegram": "python-telegram-bot",
    "discord": "discord.py",
    "dns": "dnspython",
    "ldap": "python-ldap",
    "kafka": "kafka-python",
    "Bio": "biopython",
    "fitz": "PyMuPDF",
    "gi": "PyGObject",
    "wx": "wxPython",
    "OpenGL": "PyOpenGL",
    "pkg_resources": "setuptools",
    "setuptools_scm": "setuptools-scm",
    "tomli_w": "tomli-w",
    "typing_extensions": "typing-extensions",
    "google_crc32c": "google-crc32c",
    "ruamel": "ruamel.yaml",
    "ruamel.yaml": "ruamel.yaml",
    "markdown": "Markdown",
    "jinja2": "Jinja2",
    "markupsafe": "MarkupSafe",
    "pytest_mock": "pytest-mock",
    "pytest_asyncio": "pytest-asyncio",
    "pytest_cov": "pytest-cov",
    "pytest_httpserver": "pytest-httpserver",
    "xdist": "pytest-xdist",
    "pytest_benchmark": "pytest-benchmark",
    "hypothesis": "hypothesis",
    "freezegun": "freezegun",
    "faker": "Faker",
    "factory": "factory-boy",
    "dateparser": "dateparser",
    "lxml": "lxml",
    "msgpack": "msgpack",
    "nacl": "PyNaCl",
    "Xlib": "python-xlib",
    "sentry_sdk": "sentry-sdk",
    "grpc": "grpcio",
    "grpc_tools": "grpcio-tools",
    "websocket": "websocket-client",
    "engineio": "python-engineio",
    "socketio": "python-socketio",
    "json_logging": "json-logging",
    "pythonjsonlogger": "python-json-logger",
    "flask_cors": "Flask-Cors",
    "flask_sqlalchemy": "Flask-SQLAlchemy",
    "flask_login": "Flask-Login",
    "flask_wtf": "Flask-WTF",
    "rest_framework": "djangorestframework",
    "corsheaders": "django-cors-headers",
    "debug_toolbar": "django-debug-toolbar",
    "environ": "django-environ",
    "mpl_toolkits": "matplotlib",
    "IPython": "ipython",
    "ipykernel": "ipykernel",
    "nbformat": "nbformat",
    "pydantic_settings": "pydantic-settings",
    "sqlalchemy": "SQLAlchemy",
    "alembic": "alembic",
    "boto3": "boto3",
    "botocore": "botocore",
    "azure.storage.blob": "azure-storage-blob",
    "azure.identity": "azure-identity",
    "tree_sitter": "tree-sitter",
    "Image": "Pillow",
    "toml": "toml",
    "tomli": "tomli",
    "importlib_metadata": "importlib-metadata",
    "importlib_resources": "importlib-resources",
    "annotated_types": "annotated-types",
    "charset_normalizer": "charset-normalizer",
    "email_validator": "email-validator",
    # modules the standard library dropped (3.12, 3.13), and the distributions that provide them since
    "distutils": "setuptools",
    "asyncore": "pyasyncore",
    "asynchat": "pyasynchat",
    "imghdr": "standard-imghdr",
    "cgi": "legacy-cgi",
    "cgitb": "legacy-cgi",
    "telnetlib": "standard-telnetlib",
    "audioop": "audioop-lts",
    "pipes": "standard-pipes",
    "sndhdr": "standard-sndhdr",
    "uu": "standard-uu",
    "nntplib": "standard-nntplib",
    "xdrlib": "standard-xdrlib",
    "mailcap": "standard-mailcap",
    "chunk": "standard-chunk",
    "aifc": "standard-aifc",
    "sunau": "standard-sunau",
}
# a module a distribution provides without shipping it under that name (setuptools' distutils shim)
SHIPPED_AS: dict[str, str] = {"distutils": "_distutils_hack"}
# well-known distributions whose import name is the distribution's own, for the typo guard
POPULAR: frozenset[str] = frozenset(
    name.lower()
    for name in [
        *DISTRIBUTIONS,
        "requests",
        "numpy",
        "pandas",
        "scipy",
        "matplotlib",
        "flask",
        "django",
        "fastapi",
        "pytest",
        "click",
        "rich",
        "httpx",
        "aiohttp",
        "urllib3",
        "certifi",
        "idna",
        "six",
        "packaging",
        "setuptools",
        "wheel",
        "pip",
        "boto3",
        "botocore",
        "pydantic",
        "typer",
        "jinja2",
        "sqlalchemy",
        "redis",
        "celery",
        "tornado",
        "twisted",
        "gevent",
        "greenlet",
        "psutil",
        "tqdm",
        "colorama",
        "tabulate",
        "toml",
        "simplejson",
        "ujson",
        "orjson",
        "cryptography",
        "paramiko",
        "fabric",
        "invoke",
        "docker",
        "kubernetes",
        "tensorflow",
        "torch",
        "keras",
        "transformers",
        "sympy",
        "networkx",
        "seaborn",
        "plotly",
        "bokeh",
        "dash",
        "streamlit",
        "gradio",
        "openai",
        "anthropic",
        "langchain",
        "nltk",
        "spacy",
        "gensim",
        "xgboost",
        "lightgbm",
        "catboost",
        "statsmodels",
        "pyarrow",
        "polars",
        "dask",
        "numba",
        "cython",
        "sphinx",
        "mkdocs",
        "black",
        "ruff",
        "mypy",
        "flake8",
        "pylint",
        "isort",
        "coverage",
        "tox",
        "nox",
        "responses",
        "mock",
        "pytz",
        "tzdata",
        "arrow",
        "pendulum",
        "marshmallow",
        "jsonschema",
        "uvicorn",
        "gunicorn",
        "starlette",
        "websockets",
        "pymongo",
        "psycopg",
        "asyncpg",
        "elasticsearch",
        "pika",
        "grpcio",
        "protobuf",
        "regex",
        "chardet",
        "filelock",
        "platformdirs",
        "pluggy",
        "attrs",
        "cattrs",
        "structlog",
        "loguru",
        "sentry_sdk",
        "pyyaml",
        "pillow",
        "scrapy",
        "selenium",
        "playwright",
        "beautifulsoup4",
        "httplib2",
        "oauthlib",
        "zope",
        "tomlkit",
        "semver",
        "deprecated",
        "wrapt",
        "decorator",
        "cachetools",
    ]
)


def candidates(module: str) -> list[str]:
    """Distributions to ask the index about, best first: the mapped name (longest dotted prefix), the top name."""
    parts = module.split(".")
    found = [
        DISTRIBUTIONS[".".join(parts[:n])] for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in DISTRIBUTIONS
    ]
    found.append(parts[0])
    if "_" in parts[0]:
        found.append(parts[0].replace("_", "-"))
    return list(dict.fromkeys(found))


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def looks_like_typo(module: str) -> str | None:
    """The well-known name `module` is probably a misspelling of, if any."""
    top = module.split(".")[0].lower()
    if top in POPULAR or len(top) < 5:
        return None
    close = sorted((_distance(top, known), known) for known in POPULAR if abs(len(known) - len(top)) <= 1)
    return close[0][1] if close and close[0][0] <= 1 else None


def near(name: str, known: frozenset[str]) -> str | None:
    """The well-known name `name` is one edit away from (a likely typo), if any; names under 5 letters and
    well-known names themselves are never flagged."""
    lowered = name.lower()
    if lowered in known or len(lowered) < 5:
        return None
    close = sorted((_distance(lowered, k), k) for k in known if abs(len(k) - len(lowered)) <= 1)
    return close[0][1] if close and close[0][0] <= 1 else None
