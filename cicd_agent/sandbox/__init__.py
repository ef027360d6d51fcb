"""A local GitHub for tests and the demo: `Sandbox` (state and CI, `app.py`) served over HTTP (`http.py`)."""

from cicd_agent.sandbox.app import Sandbox
from cicd_agent.sandbox.model import Fault

__all__ = ["Fault", "Sandbox"]
