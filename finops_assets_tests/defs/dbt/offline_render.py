"""Compiles the dbt project for BigQuery and DuckDB with no warehouse and no network, and records what it rendered.

Run in its own process by `test_bigquery_rendering.py` (so dbt's global state and the adapters stay out of the
test process, and a hang is bounded by the caller's timeout):

    python -m finops_assets_tests.defs.dbt.offline_render WORKDIR

It reads WORKDIR/request.json ({"direct_renders": {name: inline SQL}}) and writes WORKDIR/rendered.json.

BigQuery is the real `dbt compile` of the `prod` target: dbt-bigquery's adapter, its macros (`dateadd`, `hash`,
`type_string` ...) and dispatch, and the google-cloud-bigquery client, pointed by the profile's `api_endpoint` at a
loopback BigQuery REST server (`finops_assets_tests.bigquery_recorder`). The only warehouse calls `dbt compile`
makes are relation look-ups (`adapter.get_columns_in_relation` of the raw tables in `relation_columns`): the server
answers them from the table schemas below, built by the loaders' own schema code. The profile is the repository's
`profiles.yml` with only `api_endpoint` added. Credentials are Application Default Credentials holding an access
token that expires in 2999, so google-auth never refreshes it; HTTP(S) proxies point at a closed loopback port, so
any request that is not to the loopback server fails at once instead of leaving the machine.

DuckDB is the same compile of the `local` target against a temporary DuckDB file holding the same raw tables.

Two scenarios, the two branches of `column_or_null` / `tag_list`: `loaded` (every column a full export has, tags
included) and `minimal` (only the columns the staging models select unconditionally: every optional column is a
typed NULL, no tag columns). Both compile with the run-month vars Dagster passes. Every macro call made while
rendering (`execute` true) is recorded with the node being rendered, by observing dbt's MacroGenerator.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import duckdb
import yaml

from finops_assets.defs.aws_cur.manifest import CurColumn
from finops_assets.defs.aws_cur.schema import warehouse_columns
from finops_assets.defs.aws_data_exports.manifest import ExportColumn
from finops_assets.defs.aws_data_exports.schema import warehouse_columns as cur2_columns
from finops_assets.defs.azure_focus.schema import focus_columns
from finops_assets.defs.otel import schema as otel_schema
from finops_assets.warehouse.bigquery_warehouse import schema_field
from finops_assets.warehouse.duckdb_warehouse import duckdb_type
from finops_assets.warehouse.identifiers import quote_duckdb, snake_case
from finops_assets.warehouse.load_request import Column
from finops_assets_tests.bigquery_recorder import BigQueryRecorder

PROJECT_DIR = Path(__file__).resolve().parents[3] / "finops_assets" / "dbt"
GCP_PROJECT = "finops-offline-test"
RAW_DATASET = "billing_raw"
# what Dagster passes for one month (monthly models) and one landing day (daily models)
RUN_VARS = {"min_month": "2025-09-01", "max_month": "2025-10-01", "min_day": "2025-09-30", "max_day": "2025-10-01"}

# A CUR v1 month with every column the staging model reads, plus user and AWS tags (manifest category/name/type).
CUR_LOADED = [
    ("identity", "LineItemId", "String"), ("identity", "TimeInterval", "Interval"),
    ("bill", "BillingEntity", "String"), ("bill", "PayerAccountId", "String"),
    ("bill", "BillingPeriodStartDate", "DateTime"), ("bill", "BillingPeriodEndDate", "DateTime"),
    ("lineItem", "UsageAccountId", "String"), ("lineItem", "LineItemType", "String"),
    ("lineItem", "UsageStartDate", "DateTime"), ("lineItem", "UsageEndDate", "DateTime"),
    ("lineItem", "ProductCode", "String"), ("lineItem", "UsageType", "String"), ("lineItem", "Operation", "String"),
    ("lineItem", "ResourceId", "String"), ("lineItem", "UsageAmount", "BigDecimal"),
    ("lineItem", "CurrencyCode", "String"), ("lineItem", "UnblendedRate", "OptionalBigDecimal"),
    ("lineItem", "UnblendedCost", "BigDecimal"), ("lineItem", "LineItemDescription", "String"),
    ("product", "ProductName", "String"), ("product", "productFamily", "String"), ("product", "region", "String"),
    ("product", "regionCode", "String"), ("product", "location", "String"), ("product", "instanceType", "String"),
    ("pricing", "publicOnDemandCost", "OptionalBigDecimal"), ("pricing", "term", "String"), ("pricing", "unit", "String"),
    ("reservation", "EffectiveCost", "OptionalBigDecimal"), ("reservation", "ReservationARN", "String"),
    ("reservation", "UnusedAmortizedUpfrontFeeForBillingPeriod", "OptionalBigDecimal"),
    ("reservation", "UnusedRecurringFee", "OptionalBigDecimal"),
    ("savingsPlan", "SavingsPlanARN", "String"), ("savingsPlan", "SavingsPlanEffectiveCost", "OptionalBigDecimal"),
    ("savingsPlan", "TotalCommitmentToDate", "OptionalBigDecimal"), ("savingsPlan", "UsedCommitment", "OptionalBigDecimal"),
    ("resourceTags", "aws:createdBy", "OptionalString"), ("resourceTags", "user:Cost Center", "OptionalString"),
    ("resourceTags", "user:Environment", "OptionalString"), ("resourceTags", "user:Team", "OptionalString"),
]
CUR_MINIMAL = [
    ("identity", "LineItemId", "String"), ("bill", "BillingPeriodStartDate", "DateTime"),
    ("lineItem", "LineItemType", "String"), ("lineItem", "UsageStartDate", "DateTime"),
    ("lineItem", "UnblendedCost", "BigDecimal"),
]
# Azure FOCUS 1.0 export headers (the extension columns the staging model reads included).
FOCUS_LOADED = [
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingPeriodStart", "BillingPeriodEnd",
    "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeClass", "ChargeDescription", "BillingCurrency",
    "BillingAccountId", "SubAccountId", "ProviderName", "ServiceName", "ServiceCategory", "RegionId", "RegionName",
    "ResourceId", "ResourceType", "ConsumedQuantity", "ConsumedUnit", "SkuId", "Tags", "x_SkuMeterCategory",
    "x_SkuMeterSubcategory", "x_SkuMeterName",
]
FOCUS_MINIMAL = ["BilledCost", "EffectiveCost", "BillingPeriodStart", "ChargePeriodStart", "ChargeCategory"]


# A Data Exports (CUR 2.0) month: the CUR v1 columns above as CUR 2.0 names them, plus its maps. In `minimal` the
# table does not exist (an installation without Data Exports): stg_aws_data_exports renders its empty branch.
CUR2_TYPES = {"DateTime": "timestamp", "BigDecimal": "double", "OptionalBigDecimal": "double"}
CUR2_LOADED = [
    *((snake_case(f"{category}/{name}"), CUR2_TYPES.get(kind, "string"))
      for category, name, kind in CUR_LOADED if category != "resourceTags" and (category, name) != ("product", "ProductName")),
    ("product", "map<string,string>"), ("resource_tags", "map<string,string>"),
]


def raw_tables(cur: list[tuple[str, str, str]], focus: list[str], cur2: list[tuple[str, str]] | None) -> dict[str, tuple[Column, ...]]:
    """The raw tables as the loaders define them (the same schema code as a real load)."""
    tables = {
        "aws_cur_raw": warehouse_columns(tuple(CurColumn(*c) for c in cur), "offline-render"),
        "azure_focus_raw": focus_columns(focus),
    }
    if cur2:
        tables["aws_data_exports_raw"] = cur2_columns(tuple(ExportColumn(*c) for c in cur2), "offline-render")
    return tables


SCENARIOS = {
    # loaded: spans too (stg_otel_spans flattens them); minimal: no span loaded yet (stg_otel_spans is empty)
    "loaded": {**raw_tables(CUR_LOADED, FOCUS_LOADED, CUR2_LOADED), "otel_spans_raw": otel_schema.COLUMNS},
    "minimal": raw_tables(CUR_MINIMAL, FOCUS_MINIMAL, None),
}

# Staging views that models look up before reading (a deployment may never have built them): built in `loaded`.
BUILT_VIEWS = {"loaded": ("stg_aws_data_exports", "stg_otel_spans"), "minimal": ()}
MART_DATASET = "finops"


# -- observing the renders ------------------------------------------------------------------------------------

MACRO_CALLS: list[tuple[str, str, str | None]] = []


def observe_macro_calls() -> None:
    """Records (package, macro, node unique_id) of every macro called while rendering with `execute` true.
    Observation only: the call itself is dbt's own."""
    from dbt.clients.jinja import MacroGenerator

    original = MacroGenerator.__call__

    def call(self, *args, **kwargs):
        if self.context and self.context.get("execute"):
            MACRO_CALLS.append((self.macro.package_name, self.macro.name, getattr(self.node, "unique_id", None)))
        return original(self, *args, **kwargs)

    MacroGenerator.__call__ = call


def invoke(args: list[str]) -> dict:
    """One dbt command in this process: {"nodes": {unique_id: compiled SQL}, "macros": {macro: [nodes]}, "errors"}."""
    from dbt.cli.main import dbtRunner

    MACRO_CALLS.clear()
    result = dbtRunner().invoke(args)
    errors = []
    if result.exception is not None:
        errors.append(f"{' '.join(args[:2])}: {type(result.exception).__name__}: {result.exception}")
    nodes = {}
    for node_result in getattr(result.result, "results", None) or []:
        if str(node_result.status) not in ("success", "pass"):
            errors.append(f"{node_result.node.unique_id}: {node_result.status}: {node_result.message}")
        if node_result.node.resource_type in ("model", "test", "sql_operation"):
            nodes[node_result.node.unique_id] = node_result.node.compiled_code
    if not result.success and not errors:
        errors.append(f"{' '.join(args[:2])} failed without a message")
    macros: dict[str, set[str]] = {}
    for package, name, node in MACRO_CALLS:
        macros.setdefault(f"{package}.{name}", set()).add(node or "")
    return {"nodes": nodes, "macros": {k: sorted(v) for k, v in sorted(macros.items())}, "errors": errors}


# The statement dbt-bigquery's incremental materialization runs to replace a monthly model's months (its own
# `bq_insert_overwrite_sql`, with the config finops.monthly_config gives the model under the run's vars), on a
# stand-in relation: what a monthly run sends to BigQuery.
OVERWRITE = """
{%- set config = finops.monthly_config() -%}
{%- set target = api.Relation.create(database='p', schema='finops', identifier='fact_cost_daily') -%}
{{ bq_insert_overwrite_sql(make_temp_relation(target), target, 'select 1 as x, billing_month from s.t', none,
                           adapter.parse_partition_by(config['partition_by']), config.get('partitions'),
                           [api.Column.create('x', 'INT64'), api.Column.create('billing_month', 'DATE')], false, false) }}
"""


def manifest_nodes(target_path: Path) -> dict[str, dict]:
    manifest = json.loads((target_path / "manifest.json").read_text())
    return {
        uid: {"name": n["name"], "resource_type": n["resource_type"], "materialized": n["config"].get("materialized"),
              "path": n["original_file_path"], "incremental_strategy": n["config"].get("incremental_strategy"),
              "partitions": n["config"].get("partitions"), "partition_by": n["config"].get("partition_by")}
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] in ("model", "test")
    }


# -- the two warehouses --------------------------------------------------------------------------------------

def bigquery_table(name: str, columns: tuple[Column, ...], dataset: str = RAW_DATASET, kind: str = "TABLE") -> dict:
    return {
        "kind": "bigquery#table",
        "tableReference": {"projectId": GCP_PROJECT, "datasetId": dataset, "tableId": name},
        "type": kind,
        "schema": {"fields": [schema_field(c).to_api_repr() for c in columns]},
    }


def prepare_bigquery(work: Path, endpoint: str) -> Path:
    """The repository's profiles.yml plus `api_endpoint`, and Application Default Credentials that never refresh."""
    profiles = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    profiles["finops"]["outputs"]["prod"]["api_endpoint"] = endpoint
    profiles_dir = work / "profiles"
    profiles_dir.mkdir()
    (profiles_dir / "profiles.yml").write_text(yaml.safe_dump(profiles, sort_keys=False))
    adc = work / "application_default_credentials.json"
    adc.write_text(json.dumps({
        "type": "authorized_user", "client_id": "offline", "client_secret": "offline", "refresh_token": "offline",
        "token": "offline-access-token", "expiry": "2999-01-01T00:00:00Z",
    }))
    os.environ.update({
        "FINOPS_ENV": "prod", "FINOPS_GCP_PROJECT": GCP_PROJECT, "GOOGLE_CLOUD_PROJECT": GCP_PROJECT,
        "GOOGLE_APPLICATION_CREDENTIALS": str(adc), "FINOPS_RAW_DATASET": RAW_DATASET,
    })
    return profiles_dir


def write_duckdb_raw_tables(path: Path, tables: dict[str, tuple[Column, ...]]) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_duckdb(RAW_DATASET)}")
        for name, columns in tables.items():
            ddl = ", ".join(f"{quote_duckdb(c.name)} {duckdb_type(c)}" for c in columns)
            con.execute(f"CREATE OR REPLACE TABLE {quote_duckdb(RAW_DATASET)}.{quote_duckdb(name)} ({ddl})")
    finally:
        con.close()


def write_duckdb_built_views(path: Path, names: tuple[str, ...]) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_duckdb(MART_DATASET)}")
        for name in BUILT_VIEWS["loaded"]:
            con.execute(f"DROP VIEW IF EXISTS {quote_duckdb(MART_DATASET)}.{quote_duckdb(name)}")
        for name in names:
            con.execute(f"CREATE VIEW {quote_duckdb(MART_DATASET)}.{quote_duckdb(name)} AS SELECT 1 AS built")
    finally:
        con.close()


def compile_args(profiles_dir: Path, target_path: Path, log_path: Path) -> list[str]:
    return [
        "compile", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(profiles_dir),
        "--target-path", str(target_path), "--log-path", str(log_path), "--no-populate-cache",
        "--vars", json.dumps(RUN_VARS),
    ]


def render(work: Path, direct_renders: dict[str, str]) -> dict:
    observe_macro_calls()
    out: dict = {"renders": {}, "manifest": {}}

    server = BigQueryRecorder().start()
    try:
        profiles_dir = prepare_bigquery(work, server.endpoint)
        args = compile_args(profiles_dir, work / "target-bigquery", work / "logs")
        for scenario, tables in SCENARIOS.items():
            server.tables = {f"{GCP_PROJECT}.{RAW_DATASET}.{name}": bigquery_table(name, cols) for name, cols in tables.items()}
            server.tables.update({f"{GCP_PROJECT}.{MART_DATASET}.{name}": bigquery_table(name, (), MART_DATASET, "VIEW")
                                  for name in BUILT_VIEWS[scenario]})
            out["renders"][f"bigquery/{scenario}"] = invoke(args)
        out["manifest"]["bigquery"] = manifest_nodes(work / "target-bigquery")
        for name, sql in direct_renders.items():
            out["renders"][f"bigquery/direct/{name}"] = invoke([*args, "--inline", sql])
        out["renders"]["bigquery/overwrite"] = invoke([*args, "--inline", OVERWRITE])
        out["bigquery_requests"] = [[r.method, r.path] for r in server.requests]
    finally:
        server.stop()

    warehouse = work / "warehouse.duckdb"
    os.environ.update({"FINOPS_ENV": "local", "FINOPS_DUCKDB_PATH": str(warehouse)})
    args = compile_args(PROJECT_DIR, work / "target-duckdb", work / "logs")
    for scenario, tables in SCENARIOS.items():
        write_duckdb_raw_tables(warehouse, tables)
        write_duckdb_built_views(warehouse, BUILT_VIEWS[scenario])
        out["renders"][f"duckdb/{scenario}"] = invoke(args)
    out["manifest"]["duckdb"] = manifest_nodes(work / "target-duckdb")
    for name, sql in direct_renders.items():
        out["renders"][f"duckdb/direct/{name}"] = invoke([*args, "--inline", sql])

    return out


def main(argv: list[str]) -> int:
    work = Path(argv[0])
    request = json.loads((work / "request.json").read_text())
    out = render(work, request["direct_renders"])
    (work / "rendered.json").write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
