# The end-to-end stack (real app over HTTP + fake Slack) for the log and
# participation attacks.
from tests.e2e.conftest import fake, stack  # noqa: F401
