"""`aws_cur_raw`: one CUR v1 billing month per partition, described by its current manifest.

(No `from __future__ import annotations` here: Dagster reads the asset function's annotations at runtime.)
"""


from datetime import date

import dagster as dg
from pydantic import Field

from finops_assets.defs.aws_cur import discovery, schema
from finops_assets.landing.resource import LandingResource
from finops_assets.partitions import billing_month_partitions
from finops_assets.settings import Settings
from finops_assets.warehouse.load_request import LoadRequest


class RawLoadConfig(dg.Config):
    force: bool = Field(default=False, description="Reload the month even if its current export is already loaded.")


def build_aws_cur_raw(settings: Settings) -> dg.AssetsDefinition:
    prefix = settings.aws_cur_prefix

    @dg.asset(
        name="aws_cur_raw",
        partitions_def=billing_month_partitions(settings.start_month),
        io_manager_key="warehouse_io_manager",
        group_name="raw_billing",
        kinds={"aws", "bigquery" if settings.env == "prod" else "duckdb"},
        tags={"finops/source": discovery.SOURCE},
        metadata={"partition_expr": schema.PARTITION_COLUMN, "landing_prefix": prefix},
        description=(
            "AWS Cost and Usage Report (CUR v1), one billing month per partition. The month's current "
            "manifest (the month-level `<report>-Manifest.json`) names the assembly and its files; the "
            "warehouse IO manager loads them natively and replaces the month atomically. Re-materializing "
            "an already loaded assembly is a no-op (config `force: true` reloads)."
        ),
    )
    def aws_cur_raw(context: dg.AssetExecutionContext, config: RawLoadConfig, landing: LandingResource) -> LoadRequest:
        month = date.fromisoformat(context.partition_key)
        area = landing.get_landing()
        try:
            manifest = discovery.read_current_manifest(area, prefix, month)
        except LookupError as exc:
            raise dg.Failure(description=str(exc)) from exc
        request = discovery.build_load_request(area, manifest, force=config.force)
        discovery.check_headers(area, request)
        context.log.info(
            f"{month:%Y-%m}: assembly {manifest.assembly_id}, {len(request.files)} files, "
            f"{request.total_bytes:,} bytes, {len(request.columns)} columns"
        )
        return request

    return aws_cur_raw
