# The webhooks job is the one killed mid-run in these tests: its fixtures, as there.
from tests.jobs.workers import spawn  # noqa: F401
from tests.webhooks.conftest import api, keyed_app  # noqa: F401
from tests.webhooks.receivers import counting_receiver  # noqa: F401
