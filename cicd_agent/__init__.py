"""cicd-agent: explains GitHub Actions failures, opens fix pull requests, checks them and rolls them back."""

__version__ = "0.1.0"
