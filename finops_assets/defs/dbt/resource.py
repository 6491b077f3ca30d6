"""The dbt CLI resource: dagster-dbt's `DbtCliResource`, minus two costs it pays on every run before dbt starts.

- `dbt --version` in a subprocess, to learn which dbt will run: a full dbt start-up (~4 s of CPU) that also asks
  PyPI for the latest dbt-core and plugin versions (three HTTP requests per run). When the executable is the `dbt`
  of this interpreter's environment, the installed dbt-core package's metadata says the same thing.
- A dbt adapter built inside the Dagster process (dbt's imports, the project, the profile and dbt's macros: ~2 s of
  CPU on the first invocation, ~0.6 s after). dagster-dbt uses it only to fetch column metadata and row counts
  (`fetch_column_metadata()` / `fetch_row_counts()`), which these assets never ask for; without one, dagster-dbt
  skips that work (its own path when the adapter cannot be built).
The dbt invocation itself (arguments, environment, target folder, events) is dagster-dbt's, unchanged.

And one saving it adds: dbt started ahead of time. When a run sets up its resources (before its first step), the
resource starts a warm dbt process (finops_assets/dbt_warm.py) that imports dbt while the run's raw load runs; the
run's first dbt invocation hands its command to it through `finops-dbt` (the `dbt_executable` when installed) and
skips dbt's ~1.4 s start. `warm_start=False` turns it off; later invocations of the run, and any invocation
without a warm process, start dbt as usual.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Optional, Sequence

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging import version
from pydantic import Field, PrivateAttr

from finops_assets.dbt_warm import HANDOFF_FILE, WARM_COMMAND

# Imported by the warm process after dbt's CLI: what a `dbt build` imports next (~0.1 s), before its adapter's.
WARM_PRELOAD = ("dbt.task.build", "dbt.compilation", "dbt.parser.sql", "dbt_common.clients.agate_helper")


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


class WarmDbt:
    """One warm dbt process (finops_assets/dbt_warm.py), listening on a socket in its own private folder."""

    def __init__(self, preload: Sequence[str] = (), interpreter: str = sys.executable):
        self.folder = Path(tempfile.mkdtemp(prefix="finops-dbt-"))
        self.socket = str(self.folder / "dbt.sock")
        self.process = subprocess.Popen(
            [interpreter, "-u", "-m", "finops_assets.dbt_warm", self.socket, *WARM_PRELOAD, *preload],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.claimed = False

    def claim(self, target_path: Path, bind_timeout_s: float = 10.0) -> bool:
        """Point the invocation writing to `target_path` at this process (once; False when already used or gone).
        The process listens ~0.1 s after it starts: an invocation that comes sooner waits for the socket, then for
        dbt's imports (finops-dbt waits for the process to take the invocation over)."""
        if self.claimed:
            return False
        deadline = time.monotonic() + bind_timeout_s
        while not os.path.exists(self.socket):
            if self.process.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        target_path.mkdir(parents=True, exist_ok=True)
        (target_path / HANDOFF_FILE).write_text(self.socket)
        self.claimed = True
        return True

    def stop(self, timeout_s: float = 10.0) -> None:
        """End the process if it is still there (unused, or its invocation abandoned) and remove its folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def supports_warm_start(dbt_executable: str, interpreter: str = sys.executable) -> bool:
    """True when `dbt_executable` is this environment's `finops-dbt` (the command that hands over to a warm process)
    and the platform passes file descriptors over Unix sockets."""
    if not hasattr(socket, "send_fds"):
        return False
    resolved = shutil.which(dbt_executable)
    return resolved is not None and Path(resolved) == Path(interpreter).with_name(WARM_COMMAND)


class FinopsDbtCliResource(DbtCliResource):
    """`DbtCliResource` whose dbt version comes from the installed package, which builds no in-process adapter, and
    which starts dbt ahead of the run's first dbt step."""

    warm_start: bool = Field(
        default=True,
        description="Start a dbt process when the run sets up its resources, for the run's first dbt invocation "
        "(needs dbt_executable to be this environment's finops-dbt).",
    )
    warm_preload: list[str] = Field(
        default_factory=list,
        description="Modules the warm dbt process imports ahead of the invocation, e.g. the target's adapter "
        "(dbt.adapters.duckdb); a module that is not installed is skipped.",
    )
    _warm: Optional[WarmDbt] = PrivateAttr(default=None)

    @cached_property
    def _cli_version(self) -> version.Version:
        installed = installed_dbt_core_version(self.dbt_executable)
        return installed if installed is not None else super()._cli_version

    def _initialize_dbt_core_adapter(self, args: Sequence[str]):
        return None

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        super().setup_for_execution(context)
        if self.warm_start and supports_warm_start(self.dbt_executable):
            self._warm = WarmDbt(self.warm_preload)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._warm is not None:
            self._warm.stop()
            self._warm = None

    def cli(self, args: Sequence[str], *, raise_on_error: bool = True, manifest=None, dagster_dbt_translator=None,
            context=None, target_path: Optional[Path] = None):
        if self._warm is not None:
            # dagster-dbt's own choice of folder when none is given; relative ones are under the project folder.
            target_path = target_path or self._get_unique_target_path(context=context)
            self._warm.claim(target_path if target_path.is_absolute() else Path(self.project_dir) / target_path)
        return super().cli(args, raise_on_error=raise_on_error, manifest=manifest,
                           dagster_dbt_translator=dagster_dbt_translator, context=context, target_path=target_path)
