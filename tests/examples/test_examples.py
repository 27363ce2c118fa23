import os
import subprocess
import sys

from app.core.config import PROJECT_ROOT
from tests.conftest import TOKENS
from tests.live_server import live_server


def run_example(name: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "examples" / name), "--api-url", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=os.environ | {"COMMITMENTS_TOKEN": TOKENS["us-viewer"]},
    )


def test_the_examples_run_against_a_server(database_url: str) -> None:
    with live_server(database_url) as (url, _):
        weekly = run_example("weekly_report.py", url)
        readiness = run_example("scm_readiness.py", url)
    assert weekly.returncode == 0, weekly.stderr
    assert weekly.stdout.startswith("# Alliance commitments: week of")
    assert "SCM56-RCF-13: Identify points of contact for the framework" in weekly.stdout
    assert "| Maritime Security |" in weekly.stdout
    assert readiness.returncode == 0, readiness.stderr
    assert "Before SCM-57 (2025-11-04): 5 due, 2 on time" in readiness.stdout
    assert "SCM56-RCF-14" in readiness.stdout
    assert "SCM-58: date to be determined" in readiness.stdout
