"""The Azure container -> landing mirror lag check: the FOCUS export's container in an Azurite server (real
azure-storage-blob client), the mirror in a landing folder, the check run through Dagster."""

from __future__ import annotations

import shutil
from datetime import date

import dagster as dg

from finops_assets.defs.azure_focus.assets import build_azure_focus_raw
from finops_assets.defs.azure_focus.checks import build_azure_focus_mirror_check
from finops_assets.definitions import build_definitions
from finops_assets.resources import build_resources
from finops_assets.settings import Settings
from finops_assets_tests.azurite_server import ACCOUNT_KEY, azurite, container, upload_tree  # noqa: F401 (fixtures)
from finops_assets_tests.conftest import MONTH
from finops_assets_tests.focus_exports import FocusExport, focus_rows

AUGUST = date(2025, 8, 1)


def run_check(settings: Settings) -> dg.AssetCheckEvaluation:
    check = build_azure_focus_mirror_check(settings)
    result = dg.materialize(
        [build_azure_focus_raw(settings), check], selection=dg.AssetSelection.checks(check),
        resources=build_resources(settings), instance=dg.DagsterInstance.ephemeral(),
    )
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def mirror(source, landing) -> None:
    """What Storage Transfer does: copy the container's files under the landing's Azure prefix."""
    shutil.copytree(source, landing / "azure_focus", dirs_exist_ok=True)


def test_mirror_lag_check_fails_with_months_and_run_ids_then_passes_once_mirrored(tmp_path, landing, azurite, container):
    source = tmp_path / "source"
    FocusExport(source, AUGUST, "aug-run-1", rows=focus_rows(AUGUST, 3), prefix="").write()
    FocusExport(source, MONTH, "sep-run-1", rows=focus_rows(MONTH, 3), prefix="", submitted="2025-09-20T06:00:00Z").write()
    mirror(source, landing)  # the transfer ran once
    # Azure re-exports September; the newer run is in the container, not yet in the mirror.
    FocusExport(source, MONTH, "sep-run-2", rows=focus_rows(MONTH, 4, salt="b"), prefix="",
                submitted="2025-10-02T06:00:00.1234567Z").write()
    upload_tree(container, "billing", source)

    settings = Settings(
        landing_url=str(landing), duckdb_path=str(tmp_path / "warehouse.duckdb"), start_month=date(2024, 1, 1),
        azure_focus_source_url=f"{azurite}/{container.container_name}/billing", azure_storage_key=ACCOUNT_KEY,
        mirror_grace_hours=0,
    )
    behind = run_check(settings)
    assert not behind.passed
    assert behind.description.startswith("2025-09: source has sep-run-2 (written ")
    assert behind.description.endswith("mirror has sep-run-1")
    assert behind.metadata["months_behind"].value == [{"month": "2025-09", "source_run": "sep-run-2", "mirror_run": "sep-run-1"}]

    within_grace = run_check(Settings(**{**settings.__dict__, "mirror_grace_hours": 24}))
    assert within_grace.passed

    mirror(source, landing)  # the next transfer
    caught_up = run_check(settings)
    assert caught_up.passed
    assert caught_up.metadata["months_in_source"].value == 2


def test_a_month_missing_from_the_mirror_is_named_without_a_mirror_run(tmp_path, landing, azurite, container):
    source = tmp_path / "source"
    FocusExport(source, MONTH, "sep-run-1", rows=focus_rows(MONTH, 3), prefix="").write()
    upload_tree(container, "", source)
    settings = Settings(
        landing_url=str(landing), duckdb_path=str(tmp_path / "warehouse.duckdb"), start_month=date(2024, 1, 1),
        azure_focus_source_url=f"{azurite}/{container.container_name}", azure_storage_key=ACCOUNT_KEY,
        mirror_grace_hours=0,
    )
    evaluation = run_check(settings)
    assert not evaluation.passed
    assert evaluation.description.endswith("mirror has nothing")
    assert evaluation.metadata["months_behind"].value == [{"month": "2025-09", "source_run": "sep-run-1", "mirror_run": None}]


def test_no_azure_source_url_means_no_check(settings):
    assert build_azure_focus_mirror_check(settings) is None
    checks = build_definitions(settings).resolve_asset_graph().asset_check_keys
    assert "azure_focus_mirror_lag" not in {key.name for key in checks}


def test_the_check_is_part_of_the_definitions_when_the_container_is_configured(settings):
    configured = Settings(**{**settings.__dict__, "azure_focus_source_url": "https://acct.blob.core.windows.net/exports"})
    checks = build_definitions(configured).resolve_asset_graph().asset_check_keys
    assert dg.AssetCheckKey(dg.AssetKey("azure_focus_raw"), "azure_focus_mirror_lag") in checks
