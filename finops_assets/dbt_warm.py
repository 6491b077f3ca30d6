"""`finops-dbt`: the dbt command, started ahead of time.

Starting dbt costs ~1.4 s before it does anything: the Python interpreter and dbt-core's imports (click, jinja2,
agate, mashumaro compiling dbt's dataclasses). A run pays it when its dbt step starts, after the raw load it
waits for. The dbt resource (finops_assets/defs/dbt/resource.py) instead starts a *warm* dbt process when the
run sets up its resources: a Python process that imports dbt and waits on a Unix socket in a private temporary
folder. The resource's `dbt_executable` is this module's `finops-dbt` command, which dagster-dbt starts as it
would start `dbt`; it hands its arguments, working folder, environment and standard streams (the pipes
dagster-dbt reads) to the warm process, which runs them through dbt's own CLI entry point, as `dbt` would, and
reports dbt's exit code back. One warm process serves one invocation and exits: it runs the exit handlers dbt and its
adapter registered (dbt.log flushed, the DuckDB warehouse closed and checkpointed) but skips the interpreter's
teardown of dbt's objects, ~0.3 s that dagster-dbt would otherwise wait for before the step ends.

`finops-dbt` runs dbt itself, in its own process as `dbt` does, when there is no warm process for the
invocation (`<target path>/dbt-warm` names its socket), when the warm process is gone, or when it does not take
the invocation over. SIGINT and SIGTERM sent to `finops-dbt` (dagster-dbt interrupts dbt with SIGINT) are passed
on to the warm process; if `finops-dbt` dies, the warm process stops too. Unix only (a Unix socket passing file
descriptors); elsewhere the resource starts no warm process and `finops-dbt` is plain dbt.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import Optional

WARM_COMMAND = "finops-dbt"  # this module's console script (pyproject.toml)
HANDOFF_FILE = "dbt-warm"  # in the invocation's target folder: the warm process's socket path
# The warm process takes the invocation over once it has imported dbt (~1.5 s after it starts; longer on a busy
# machine): waiting for it is never slower than starting dbt here.
HANDOVER_TIMEOUT_S = 60.0


def _read_line(conn: socket.socket, buffer: bytearray) -> Optional[dict]:
    while b"\n" not in buffer:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buffer.extend(chunk)
    line, _, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    return json.loads(line)


def _warm_socket() -> Optional[str]:
    target = os.environ.get("DBT_TARGET_PATH")
    if not target:
        return None
    try:
        return (Path(target) / HANDOFF_FILE).read_text().strip() or None
    except OSError:
        return None


def _hand_over(path: str) -> Optional[int]:
    """dbt's exit code from the warm process at `path`, or None when it did not take the invocation over."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(HANDOVER_TIMEOUT_S)
        conn.connect(path)
        request = {"argv": sys.argv, "cwd": os.getcwd(), "env": dict(os.environ)}
        socket.send_fds(conn, [b"R"], [0, 1, 2])
        conn.sendall(json.dumps(request).encode() + b"\n")
        buffer = bytearray()
        started = _read_line(conn, buffer)
    except (OSError, ValueError, AttributeError):  # AttributeError: no fd passing on this platform
        conn.close()
        return None
    if not started or "pid" not in started:
        conn.close()
        return None
    pid = started["pid"]

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    conn.settimeout(None)  # dbt runs as long as it runs
    try:
        finished = _read_line(conn, buffer)
    except OSError:
        finished = None
    conn.close()
    if not finished or "exit" not in finished:
        print(f"finops-dbt: the warm dbt process {pid} ended without an exit code", file=sys.stderr)
        return 1
    return int(finished["exit"])


def run_dbt() -> int:
    """dbt's own CLI entry point (what the `dbt` script runs), in this process."""
    from dbt.cli.main import cli

    try:
        cli()
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def main() -> None:
    path = _warm_socket()
    code = _hand_over(path) if path else None
    sys.exit(run_dbt() if code is None else code)


# The warm process -------------------------------------------------------------------------------------------------


def _watch_client(conn: socket.socket, finished: threading.Event) -> None:
    """Stop this process when `finops-dbt` goes away (killed) before dbt finishes."""
    try:
        while conn.recv(1024):
            pass
    except OSError:
        pass
    if not finished.is_set():
        os.kill(os.getpid(), signal.SIGTERM)


def serve(path: str, preload: list[str]) -> int:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    import importlib

    import dbt.cli.main  # noqa: F401  (the point of this process)

    for module in preload:
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    parent = os.getppid()
    listener.settimeout(1.0)
    while True:
        try:
            conn, _ = listener.accept()
            break
        except socket.timeout:
            if os.getppid() != parent:  # the run that started this process is gone
                return 0
    listener.close()
    conn.settimeout(10.0)
    try:
        _, fds, _, _ = socket.recv_fds(conn, 1, 3)
        request = _read_line(conn, bytearray())
    except (OSError, ValueError):
        return 1
    if request is None or len(fds) != 3:
        return 1
    for target_fd, fd in enumerate(fds):
        os.dup2(fd, target_fd)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = list(request["argv"])
    conn.settimeout(None)
    conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    finished = threading.Event()
    threading.Thread(target=_watch_client, args=(conn, finished), daemon=True).start()
    code = run_dbt()
    finished.set()
    _flush()
    try:
        conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
    except OSError:
        pass
    _exit(code)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


def _exit(code: int) -> None:
    """End this process as `dbt` ends, minus the interpreter's teardown of dbt's objects (~0.3 s of the run's critical
    path: dagster-dbt sees the end of dbt's output when this process is gone): the exit handlers dbt and its adapter
    registered (logging's flush of dbt.log; dbt-duckdb's, which releases the warehouse), a collection that closes
    what they released (the DuckDB database, checkpointed as it closes), the streams flushed, then the exit."""
    atexit._run_exitfuncs()
    gc.collect()
    _flush()
    os._exit(code)


if __name__ == "__main__":
    # python -u -m finops_assets.dbt_warm SOCKET [MODULE ...]; serve() ends the process once it has served.
    sys.exit(serve(sys.argv[1], sys.argv[2:]))
