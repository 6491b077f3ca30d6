"""dbt models as Dagster assets. Sources map to the raw assets through their `meta.dagster.asset_key`;
groups follow the dbt folders (staging, intermediate, marts); dbt tests become asset checks.

(No `from __future__ import annotations` here: Dagster reads the asset function's annotations at runtime.)
"""

from typing import Any, Mapping, Optional

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from finops_assets.defs.dbt.project import finops_dbt_project


class FinopsDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        # Models and seeds are keyed by their name alone (the mart schema is configuration, not identity); sources keep
        # the raw asset keys of their meta.
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            return dg.AssetKey([dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> Optional[str]:
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            folder = dbt_resource_props["fqn"][1] if len(dbt_resource_props["fqn"]) > 2 else "models"
            return f"dbt_{folder}"
        return super().get_group_name(dbt_resource_props)


def build_dbt_assets() -> dg.AssetsDefinition:
    project = finops_dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name="finops_dbt_models",
        dagster_dbt_translator=FinopsDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
    )
    def finops_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt.cli(["build"], context=context).stream()

    return finops_dbt_models
