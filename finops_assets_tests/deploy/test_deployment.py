"""Deployment files: the YAML parses and points at things that exist; the image's CMD starts the code server from a
plain venv, and `dagster-webserver -w` loads it over gRPC and answers /server_info on 127.0.0.1.

No Docker engine runs here, so the image itself is not built; its CMD and ENV are read from the Dockerfile and
run from this checkout's venv (the same layout the Dockerfile builds)."""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from dagster._core.instance.config import dagster_instance_config

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def dockerfile_cmd_and_env() -> tuple[list[str], dict[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    cmd: list[str] = []
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("CMD "):
            cmd = json.loads(line[4:])
        elif line.startswith("ENV "):
            for pair in shlex.split(line[4:]):
                key, _, value = pair.partition("=")
                env[key] = value
    return cmd, env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_dockerfile_prepares_the_dbt_manifest_and_runs_as_non_root():
    text = (ROOT / "Dockerfile").read_text()
    assert text.splitlines()[2].startswith("FROM python:3.11.") and "slim-bookworm" in text  # a pinned release
    assert "dbt parse" in text and "target/manifest.json" in text
    assert "\nUSER finops\n" in text
    cmd, env = dockerfile_cmd_and_env()
    assert cmd[:3] == ["dagster", "api", "grpc"] and "finops_assets.definitions" in cmd
    assert env["FINOPS_ENV"] == "prod"


def test_instance_yaml_files_are_valid_dagster_instances(monkeypatch, tmp_path):
    for variable in ("DAGSTER_POSTGRES_HOST", "DAGSTER_POSTGRES_DB", "DAGSTER_POSTGRES_USER", "DAGSTER_POSTGRES_PASSWORD"):
        monkeypatch.setenv(variable, "x")
    monkeypatch.setenv("DAGSTER_POSTGRES_PORT", "5432")
    for source in (ROOT / "dagster.yaml", ROOT / "deploy" / "dagster.yaml"):
        home = tmp_path / source.parent.name
        home.mkdir()
        (home / "dagster.yaml").write_text(source.read_text())
        config, _ = dagster_instance_config(str(home))
        limits = config["run_coordinator"]["config"]["tag_concurrency_limits"]
        assert {limit["key"] for limit in limits} == {"dagster/partition", "finops/partition"}
        assert all(limit["limit"] == 1 and limit["value"] == {"applyLimitPerUniqueValue": True} for limit in limits)
    prod = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())
    assert "postgres" in prod["storage"]
    assert importlib.util.find_spec("dagster_postgres") is not None


def test_workspaces_compose_and_dagster_cloud_reference_what_exists():
    local = yaml.safe_load((ROOT / "workspace.yaml").read_text())
    assert importlib.util.find_spec(local["load_from"][0]["python_module"]) is not None
    grpc = yaml.safe_load((ROOT / "deploy" / "workspace.yaml").read_text())["load_from"][0]["grpc_server"]

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "code_location", "webserver", "daemon"}
    assert grpc["host"] == "code_location" and grpc["port"] == 4000
    cmd, _ = dockerfile_cmd_and_env()
    assert cmd[cmd.index("-p") + 1] == str(grpc["port"])
    for name in ("code_location", "webserver", "daemon"):
        mounts = dict(volume.split(":")[:2] for volume in services[name]["volumes"])
        assert all((ROOT / source).is_file() for source in mounts), mounts
        env = services[name]["environment"]
        assert mounts["./deploy/dagster.yaml"] == f"{env['DAGSTER_HOME']}/dagster.yaml"
    for name in ("webserver", "daemon"):
        command = services[name]["command"]
        assert command[command.index("-w") + 1] == dict(v.split(":")[:2] for v in services[name]["volumes"])["./deploy/workspace.yaml"]

    cloud = yaml.safe_load((ROOT / "dagster_cloud.yaml").read_text())
    (location,) = cloud["locations"]
    assert importlib.util.find_spec(location["code_source"]["module_name"]) is not None
    assert (ROOT / location["build"]["directory"] / "Dockerfile").is_file()

    policies = yaml.safe_load((ROOT / "alert_policies.yaml").read_text())["alert_policies"]
    assert {p["event_types"][0] for p in policies} == {"ASSET_CHECK_SEVERITY_ERROR", "JOB_FAILURE"}


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_for(predicate, timeout: float, what: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what}: process exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        if predicate():
            return
        time.sleep(0.5)
    pytest.fail(f"{what}: not ready after {timeout} s:\n{log.read_text()[-3000:]}")


def http_get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read()
    except OSError:
        return None


RELOAD = """mutation { reloadRepositoryLocation(repositoryLocationName: "%s") {
    __typename ... on WorkspaceLocationEntry { name locationOrLoadError { __typename
    ... on RepositoryLocation { repositories { assetNodes { assetKey { path } } } }
    ... on PythonError { message } } } } }"""


def reload_location(base: str, name: str, timeout: float) -> dict:
    """Reload the location through GraphQL until it loads (the code server may still be opening its port)."""
    deadline = time.monotonic() + timeout
    while True:
        request = urllib.request.Request(
            f"{base}/graphql", data=json.dumps({"query": RELOAD % name}).encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())["data"]["reloadRepositoryLocation"]
        except urllib.error.HTTPError as exc:  # the webserver answers 500 with the load error
            if time.monotonic() > deadline:
                pytest.fail(f"{exc}: {exc.read()[:1500]!r}")
        time.sleep(1)


def test_code_server_from_image_cmd_loads_in_the_webserver(tmp_path):
    cmd, image_env = dockerfile_cmd_and_env()
    grpc_port = free_port()
    web_port = next(port for port in iter(free_port, None) if port != grpc_port)
    # The image's command, bound to loopback on a free port instead of 0.0.0.0:4000.
    cmd = [str(VENV_BIN / cmd[0]), *cmd[1:]]
    cmd[cmd.index("-h") + 1] = "127.0.0.1"
    cmd[cmd.index("-p") + 1] = str(grpc_port)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {
        **os.environ, **{k: v for k, v in image_env.items() if k.startswith("FINOPS_") or k.startswith("PYTHON")},
        "FINOPS_GCP_PROJECT": "finops-test", "FINOPS_LANDING_URL": "gs://finops-test-landing/exports",
        "DAGSTER_HOME": str(home), "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
    }
    workspace = yaml.safe_load((ROOT / "deploy" / "workspace.yaml").read_text())
    workspace["load_from"][0]["grpc_server"].update(host="127.0.0.1", port=grpc_port)
    (tmp_path / "workspace.yaml").write_text(yaml.safe_dump(workspace))

    code_log, web_log = tmp_path / "code_server.log", tmp_path / "webserver.log"
    with code_log.open("wb") as code_out, web_log.open("wb") as web_out:
        # Both start at once (each spends most of its time importing); the location is reloaded once both are up.
        code_server = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=code_out, stderr=subprocess.STDOUT)
        webserver = subprocess.Popen(
            [str(VENV_BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(web_port), "-w", str(tmp_path / "workspace.yaml")],
            cwd=tmp_path, env=env, stdout=web_out, stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: "Started Dagster code server" in code_log.read_text(), 120, "code server", code_server, code_log)
            base = f"http://127.0.0.1:{web_port}"
            wait_for(lambda: http_get(f"{base}/server_info") is not None, 120, "webserver", webserver, web_log)
            info = json.loads(http_get(f"{base}/server_info"))
            assert info["dagster_webserver_version"] and info["dagster_version"]
            entry = reload_location(base, "finops_assets", timeout=60)
            assert entry["name"] == "finops_assets"
            assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
            (repository,) = entry["locationOrLoadError"]["repositories"]
            keys = {"/".join(node["assetKey"]["path"]) for node in repository["assetNodes"]}
            assert {"aws_cur_raw", "azure_focus_raw", "fact_cost_hourly"} <= keys
        finally:
            stop(webserver)
            stop(code_server)
