"""The dbt project, built once. The dbt target is the environment (FINOPS_ENV) through profiles.yml.

`DbtProject.prepare_if_dev()` only parses under `dagster dev`; elsewhere `make install` (and so `make test`,
`make demo`, CI and the Docker build) runs `dbt parse` first so that target/manifest.json exists.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from finops_assets.dbt_warm import WARM_COMMAND

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt"


@cache
def finops_dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    project.prepare_if_dev()
    return project


def dbt_executable() -> str:
    """The dbt command installed next to this interpreter (the venv's bin), so PATH need not contain it: the project's
    `finops-dbt` (dbt, handed to the run's warm dbt process when there is one: finops_assets/dbt_warm.py), else `dbt`."""
    for name in (WARM_COMMAND, "dbt"):
        candidate = Path(sys.executable).with_name(name)
        if candidate.exists():
            return str(candidate)
    return "dbt"
