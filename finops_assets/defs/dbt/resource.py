"""The dbt CLI resource: dagster-dbt's `DbtCliResource`, minus two costs it pays on every run before dbt starts.

- `dbt --version` in a subprocess, to learn which dbt will run: a full dbt start-up (~4 s of CPU) that also asks
  PyPI for the latest dbt-core and plugin versions (three HTTP requests per run). When the executable is the `dbt`
  of this interpreter's environment, the installed dbt-core package's metadata says the same thing.
- A dbt adapter built inside the Dagster process (dbt's imports, the project, the profile and dbt's macros: ~2 s of
  CPU on the first invocation, ~0.6 s after). dagster-dbt uses it only to fetch column metadata and row counts
  (`fetch_column_metadata()` / `fetch_row_counts()`), which these assets never ask for; without one, dagster-dbt
  skips that work (its own path when the adapter cannot be built).
The dbt invocation itself (arguments, environment, target folder, events) is dagster-dbt's, unchanged.
"""

from __future__ import annotations

import shutil
import sys
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Optional, Sequence

from dagster_dbt import DbtCliResource
from packaging import version


def installed_dbt_core_version(dbt_executable: str, interpreter: str = sys.executable) -> Optional[version.Version]:
    """The version of dbt-core installed in this environment when `dbt_executable` is this environment's `dbt`
    (the script next to the interpreter); None otherwise (another dbt, dbt Fusion, dbt-core not installed)."""
    resolved = shutil.which(dbt_executable)
    if resolved is None or Path(resolved).parent != Path(interpreter).parent:
        return None
    try:
        return version.parse(metadata.version("dbt-core"))
    except metadata.PackageNotFoundError:
        return None


class FinopsDbtCliResource(DbtCliResource):
    """`DbtCliResource` whose dbt version comes from the installed package, and which builds no in-process adapter."""

    @cached_property
    def _cli_version(self) -> version.Version:
        installed = installed_dbt_core_version(self.dbt_executable)
        return installed if installed is not None else super()._cli_version

    def _initialize_dbt_core_adapter(self, args: Sequence[str]):
        return None
