"""What sits under what: the services that change commitments write their history and the
webhooks' outbox without depending on the webhooks, which sit above them."""

import subprocess
import sys


def test_changing_commitments_loads_nothing_of_the_webhooks() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; import app.commitments.service, app.history.service; "
            "print(sorted(name for name in sys.modules if name.startswith('app.webhooks')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"
