"""The landing resource imports a bucket's client library only when a bucket is used: every process that loads the
definitions (the `dagster` CLI, each step process of the multiprocess executor) pays for what it imports."""

import subprocess
import sys


def test_loading_the_definitions_does_not_import_dagster_aws():
    probe = (
        "import sys\n"
        "import finops_assets.definitions\n"
        "print(sorted(m for m in sys.modules if m == 'dagster_aws' or m.startswith('dagster_aws.')))\n"
    )
    completed = subprocess.run([sys.executable, "-W", "ignore", "-c", probe], capture_output=True, text=True, check=True)
    assert completed.stdout.strip().splitlines()[-1] == "[]"
