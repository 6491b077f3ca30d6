"""The dbt resource learns dbt's version from the installed dbt-core package when it runs this environment's dbt."""

import sys
from importlib import metadata
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging import version

from finops_assets.defs.dbt.project import dbt_executable, finops_dbt_project
from finops_assets.defs.dbt.resource import FinopsDbtCliResource, installed_dbt_core_version


def test_this_environments_dbt_reports_the_installed_dbt_core_version():
    assert installed_dbt_core_version(dbt_executable()) == version.parse(metadata.version("dbt-core"))


def test_a_dbt_of_another_environment_is_asked_for_its_version(tmp_path):
    other = tmp_path / "bin" / "dbt"
    other.parent.mkdir()
    other.write_text("#!/bin/sh\necho 'Core:\n  - installed: 1.9.4'\n")
    other.chmod(0o755)

    assert installed_dbt_core_version(str(other)) is None
    resource = FinopsDbtCliResource(project_dir=finops_dbt_project(), dbt_executable=str(other))
    assert resource._cli_version == version.parse("1.9.4")  # dagster-dbt's own `dbt --version`


def test_the_resource_is_dagster_dbts_and_builds_no_in_process_adapter():
    resource = FinopsDbtCliResource(project_dir=finops_dbt_project(), dbt_executable=dbt_executable())
    assert isinstance(resource, DbtCliResource)
    assert resource._cli_version == version.parse(metadata.version("dbt-core"))
    assert Path(sys.executable).with_name("dbt").exists()
    assert resource._initialize_dbt_core_adapter(["build"]) is None
