"""SQL rendered by dbt itself for DuckDB (`dbt compile --inline`): the project's macros, as models see them."""

from __future__ import annotations

import os
import subprocess

from finops_assets.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable


def compile_inline(sql: str, tmp_path) -> str:
    """`sql` (Jinja calling the project's macros) compiled for the local DuckDB target."""
    completed = subprocess.run(
        [dbt_executable(), "compile", "--quiet", "--profiles-dir", ".", "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs"), "--inline", sql],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=True,
        env={**os.environ, "FINOPS_ENV": "local", "FINOPS_DUCKDB_PATH": str(tmp_path / "compile.duckdb")},
    )
    return completed.stdout
