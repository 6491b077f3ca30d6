"""Regenerates finops_assets/defs/otel/sql/ from the dbt macro `otel_span_quarantine_summary`, compiled offline for
DuckDB and BigQuery by the same compile the rendering test runs (`offline_render.py`):

    .venv/bin/python -m finops_assets_tests.defs.otel.render_quarantine_sql

`test_bigquery_rendering.py::test_span_quarantine_summary_files_are_the_compiled_macro` fails until the files match.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from finops_assets.defs.otel import quarantine
from finops_assets_tests.defs.dbt.test_bigquery_rendering import REPO_ROOT, offline_env, output_tail

RENDER_NAME = "span_quarantine_summary"


def compiled(rendered: dict, warehouse: str) -> str:
    (sql,) = rendered["renders"][f"{warehouse}/direct/{RENDER_NAME}"]["nodes"].values()
    return sql.strip() + "\n"


def main() -> int:
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / "request.json").write_text(json.dumps({"direct_renders": {RENDER_NAME: quarantine.MACRO_CALL}}))
        process = subprocess.run(
            [sys.executable, "-m", "finops_assets_tests.defs.dbt.offline_render", work],
            cwd=REPO_ROOT, env=offline_env(Path(work)), capture_output=True, text=True, timeout=600,
        )
        if process.returncode != 0:
            print(output_tail(process), file=sys.stderr)
            return 1
        rendered = json.loads((Path(work) / "rendered.json").read_text())
    for warehouse in quarantine.WAREHOUSES:
        quarantine.rendered_path(warehouse).write_text(compiled(rendered, warehouse))
        print(f"wrote {quarantine.rendered_path(warehouse)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
