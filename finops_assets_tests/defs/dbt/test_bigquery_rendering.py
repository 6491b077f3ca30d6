"""The dbt project on its BigQuery target, offline: it parses with the `prod` profile, and every model renders
(real `dbt compile`, real dbt-bigquery macros and dispatch) to SQL that parses as BigQuery SQL with BigQuery types;
the DuckDB rendering of the same models parses as DuckDB SQL. Every `bigquery__` macro of the project must be
rendered by a model or by a direct render below.

No network: dbt talks only to a loopback BigQuery REST server (see `offline_render.py`); proxies point at a closed
loopback port and google-auth never probes the metadata server.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
import sqlglot
from sqlglot import exp

from finops_assets.defs.otel import quarantine
from finops_assets_tests.defs.dbt.offline_render import GCP_PROJECT, PROJECT_DIR, RAW_DATASET

REPO_ROOT = PROJECT_DIR.parents[1]
DBT = Path(sys.executable).with_name("dbt")
DEAD_PORT = "http://127.0.0.1:9"  # nothing listens on the discard port: a request that escapes fails at once

# Dispatched macros rendered on literal input, outside any model, by the same offline compile on both warehouses
# (`dbt compile --inline`). A `bigquery__` macro that no model calls yet is covered by adding a render of it here.
DIRECT_RENDERS = {
    "tags_on_literals": """
        select
            {{ finops.tag_value(finops.tag_list([('cost_center', "'CC-1'"), ('environment', 'null')]), ['costcenter', 'cost_center']) }} as cost_center,
            {{ finops.tags_json(finops.concat_lists(finops.tag_list([]), finops.tag_list([('team', "'core'")]))) }} as tags
    """,
    # used by the data tests of the performance facts only
    "finite_on_literals": """
        select {{ finops.is_finite('cast(1.5 as ' ~ finops.float64_type() ~ ')') }} as finite
    """,
    # Used by a data test (warn_service_daily_cost_anomaly), which the model renders do not reach.
    "median_over_a_window": """
        select x, {{ finops.median_over('x', 'k') }} as median_x
        from (select 1 as k, cast(2.5 as {{ finops.money_type() }}) as x) as t
    """,
    # The span quarantine summary otel_spans_raw runs after each load (finops_assets/defs/otel/sql/).
    "span_quarantine_summary": quarantine.MACRO_CALL,
}

# GoogleSQL's type names (aliases included); any other type in rendered BigQuery SQL is not a BigQuery type.
BIGQUERY_TYPE_NAMES = [
    "STRING", "BYTES", "BOOL", "INT64", "INT", "INTEGER", "SMALLINT", "BIGINT", "TINYINT", "BYTEINT",
    "NUMERIC", "DECIMAL", "BIGNUMERIC", "BIGDECIMAL", "FLOAT64", "DATE", "DATETIME", "TIME", "TIMESTAMP",
    "INTERVAL", "JSON", "GEOGRAPHY", "ARRAY<INT64>", "STRUCT<a INT64>", "RANGE<DATE>",
]
BIGQUERY_TYPES = {sqlglot.parse_one(f"CAST(x AS {name})", read="bigquery").to.this for name in BIGQUERY_TYPE_NAMES}
# (max scale, max digits before the point) of NUMERIC(P, S) and BIGNUMERIC(P, S)
DECIMAL_LIMITS = {exp.DataType.Type.DECIMAL: (9, 29), exp.DataType.Type.BIGDECIMAL: (38, 38)}


def offline_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This environment without cloud, dbt or project settings, and with every way out of the machine closed."""
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(("FINOPS_", "DBT_", "GOOGLE_", "GCE_", "CLOUDSDK_")) and "PROXY" not in k.upper()}
    gcloud_config = tmp_path / "gcloud"  # no gcloud credentials of whoever runs the tests
    gcloud_config.mkdir(exist_ok=True)
    env.update({
        "GCE_METADATA_HOST": "127.0.0.1:9", "GCE_METADATA_IP": "127.0.0.1:9", "NO_GCE_CHECK": "True",
        "CLOUDSDK_CONFIG": str(gcloud_config),
        "HTTP_PROXY": DEAD_PORT, "HTTPS_PROXY": DEAD_PORT, "http_proxy": DEAD_PORT, "https_proxy": DEAD_PORT,
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        **extra,
    })
    return env


def output_tail(process: subprocess.CompletedProcess, lines: int = 60) -> str:
    return "\n".join((process.stdout + process.stderr).splitlines()[-lines:])


def model_files() -> set[str]:
    return {path.stem for path in (PROJECT_DIR / "models").rglob("*.sql")}


def declared_bigquery_macros() -> dict[str, str]:
    """Every `bigquery__` macro in the project's macro files: name -> file."""
    found = {}
    for path in sorted((PROJECT_DIR / "macros").rglob("*.sql")):
        for name in re.findall(r"\{%-?\s*macro\s+(bigquery__\w+)\s*\(", path.read_text()):
            found[name] = str(path.relative_to(REPO_ROOT))
    return found


def parse_error(error: sqlglot.errors.SqlglotError, sql: str) -> str:
    """sqlglot's error with the SQL line it points at."""
    details = getattr(error, "errors", None) or [{}]
    description, line = details[0].get("description"), details[0].get("line")
    if description and line:
        return f"{description} (line {line}: {sql.splitlines()[line - 1].strip()[:200]})"
    return re.sub(r"\x1b\[[0-9;]*m", "", str(error)).splitlines()[0]  # sqlglot underlines with ANSI codes


def bigquery_problems(sql: str) -> list[str]:
    """Why `sql` is not BigQuery SQL: a sqlglot parse error, or a type BigQuery does not have."""
    try:
        tree = sqlglot.parse_one(sql, read="bigquery")
    except sqlglot.errors.SqlglotError as error:
        return [f"does not parse as BigQuery SQL: {parse_error(error, sql)}"]
    problems = []
    for data_type in tree.find_all(exp.DataType):
        context = (data_type.parent or data_type).sql()[:160]  # sqlglot's own dialect keeps the type as written
        if data_type.this not in BIGQUERY_TYPES:
            problems.append(f"type {data_type.this.value} is not a BigQuery type, in: {context}")
        elif data_type.this in DECIMAL_LIMITS and data_type.expressions:
            precision, scale = ([int(p.name) for p in data_type.expressions] + [0])[:2]
            max_scale, max_integer_digits = DECIMAL_LIMITS[data_type.this]
            if not (scale <= max_scale and max(1, scale) <= precision <= scale + max_integer_digits):
                problems.append(f"{data_type.sql('bigquery')} is out of BigQuery's range, in: {context}")
    return problems


def duckdb_problems(sql: str) -> list[str]:
    try:
        sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.SqlglotError as error:
        return [f"does not parse as DuckDB SQL: {parse_error(error, sql)}"]
    return []


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    """Runs offline_render.py once: both warehouses, both raw-table scenarios, the direct renders."""
    work = tmp_path_factory.mktemp("offline_render")
    (work / "request.json").write_text(json.dumps({"direct_renders": DIRECT_RENDERS}))
    process = subprocess.run(
        [sys.executable, "-m", "finops_assets_tests.defs.dbt.offline_render", str(work)],
        cwd=REPO_ROOT, env=offline_env(work), capture_output=True, text=True, timeout=240,
    )
    assert process.returncode == 0, f"offline render failed:\n{output_tail(process)}"
    result = json.loads((work / "rendered.json").read_text())
    errors = [f"{render}: {error}" for render, out in result["renders"].items() for error in out["errors"]]
    assert not errors, "dbt compile reported errors:\n" + "\n".join(errors)
    return result


def test_prod_target_parses_offline_with_the_repository_profile(tmp_path):
    """`dbt parse` of the `prod` (BigQuery) target with the repository's profiles.yml, profile values from the
    environment, no credentials and no network; into its own target path, leaving Dagster's manifest alone."""
    dagster_manifest = PROJECT_DIR / "target" / "manifest.json"
    before = dagster_manifest.stat().st_mtime_ns if dagster_manifest.exists() else None
    target = tmp_path / "target"
    env = offline_env(tmp_path, FINOPS_ENV="prod", FINOPS_GCP_PROJECT=GCP_PROJECT)

    process = subprocess.run(
        [str(DBT), "parse", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
         "--target-path", str(target), "--log-path", str(tmp_path / "logs")],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=180,
    )

    assert process.returncode == 0, f"dbt parse failed:\n{output_tail(process)}"
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == "bigquery"
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert set(models) == model_files()
    assert {(n["database"], n["schema"]) for n in models.values()} == {(GCP_PROJECT, "finops")}
    sources = {s["name"]: (s["database"], s["schema"]) for s in manifest["sources"].values()}
    assert sources == {**{t: (GCP_PROJECT, RAW_DATASET) for t in ("aws_cur_raw", "aws_data_exports_raw", "azure_focus_raw", "gcp_billing_export", "otel_spans_raw")},
                       "fact_cost_hourly": (GCP_PROJECT, "finops")}  # read back by the dimension-coverage tests
    after = dagster_manifest.stat().st_mtime_ns if dagster_manifest.exists() else None
    assert after == before


def rendered_models(rendered: dict, warehouse: str, scenario: str) -> dict[str, str]:
    """Every model of the manifest -> its compiled SQL; an ephemeral model is checked inside the models that
    inline it, so it maps to the first of them."""
    manifest = rendered["manifest"][warehouse]
    nodes = rendered["renders"][f"{warehouse}/{scenario}"]["nodes"]
    models = {}
    for uid, node in manifest.items():
        if node["resource_type"] != "model":
            continue
        if node["materialized"] == "ephemeral":
            inlined_in = sorted(u for u, sql in nodes.items() if sql and f"__dbt__cte__{node['name']}" in sql)
            assert inlined_in, f"ephemeral model {node['name']} is not inlined in any rendered model"
            models[node["name"]] = nodes[inlined_in[0]]
        else:
            assert nodes.get(uid), f"model {node['name']} ({node['path']}) was not rendered for {warehouse}/{scenario}"
            models[node["name"]] = nodes[uid]
    assert set(models) == model_files()
    return models


def rendered_tests(rendered: dict, warehouse: str, scenario: str) -> dict[str, str]:
    nodes = rendered["renders"][f"{warehouse}/{scenario}"]["nodes"]
    tests = {uid: node["name"] for uid, node in rendered["manifest"][warehouse].items() if node["resource_type"] == "test"}
    assert tests and set(tests) <= set(nodes), f"data tests not rendered: {sorted(set(tests) - set(nodes))}"
    return {name: nodes[uid] for uid, name in tests.items()}


@pytest.mark.parametrize("scenario", ["loaded", "minimal"])
def test_every_model_renders_as_bigquery_sql(rendered, scenario):
    models = rendered_models(rendered, "bigquery", scenario)
    problems = [f"{name}: {p}" for name, sql in sorted(models.items()) for p in bigquery_problems(sql)]
    assert not problems, f"BigQuery rendering ({scenario} raw tables):\n" + "\n".join(problems)


@pytest.mark.parametrize("scenario", ["loaded", "minimal"])
def test_every_model_renders_as_duckdb_sql(rendered, scenario):
    models = rendered_models(rendered, "duckdb", scenario)
    problems = [f"{name}: {p}" for name, sql in sorted(models.items()) for p in duckdb_problems(sql)]
    assert not problems, f"DuckDB rendering ({scenario} raw tables):\n" + "\n".join(problems)


def test_data_tests_render_as_sql_of_each_warehouse(rendered):
    problems = [f"bigquery {name}: {p}" for name, sql in sorted(rendered_tests(rendered, "bigquery", "loaded").items())
                for p in bigquery_problems(sql)]
    problems += [f"duckdb {name}: {p}" for name, sql in sorted(rendered_tests(rendered, "duckdb", "loaded").items())
                 for p in duckdb_problems(sql)]
    assert not problems, "\n".join(problems)


def test_direct_renders_are_sql_of_each_warehouse(rendered):
    problems = []
    for name in DIRECT_RENDERS:
        for warehouse, check in (("bigquery", bigquery_problems), ("duckdb", duckdb_problems)):
            (sql,) = rendered["renders"][f"{warehouse}/direct/{name}"]["nodes"].values()
            assert sql and "{{" not in sql
            problems += [f"{warehouse} {name}: {p}" for p in check(sql)]
    assert not problems, "\n".join(problems)


def test_every_bigquery_macro_is_rendered(rendered):
    declared = declared_bigquery_macros()
    assert declared, "no `bigquery__` macro found: has the macro folder moved?"
    exercised: dict[str, set[str]] = {}
    for render, out in rendered["renders"].items():
        if not render.startswith("bigquery/"):
            continue
        for macro, nodes in out["macros"].items():
            package, _, name = macro.partition(".")
            users = {n for n in nodes if n.startswith(("model.", "sql_operation."))}
            if package == "finops" and name.startswith("bigquery__") and users:
                exercised.setdefault(name, set()).update(users)
    uncovered = sorted(set(declared) - set(exercised))
    assert not uncovered, (
        "BigQuery macros that no model renders and DIRECT_RENDERS does not render either (add a direct render of "
        "each in finops_assets_tests/defs/dbt/test_bigquery_rendering.py):\n"
        + "\n".join(f"  {name} ({declared[name]})" for name in uncovered)
    )


def test_relation_introspection_used_the_recorded_raw_tables(rendered):
    """Compiling only looked relations up in the (loopback) BigQuery API: no query job, no dataset listing; the raw
    tables' recorded columns decided what the staging models read."""
    requests = [tuple(r) for r in rendered["bigquery_requests"]]
    lookup = re.compile(rf"/bigquery/v2/projects/{GCP_PROJECT}/datasets/[^/]+/(tables|routines)/[^/]+")
    assert [r for r in requests if r[0] != "GET" or not lookup.fullmatch(r[1])] == []
    table = f"/bigquery/v2/projects/{GCP_PROJECT}/datasets/{RAW_DATASET}/tables/"
    assert {("GET", table + "aws_cur_raw"), ("GET", table + "azure_focus_raw")} <= set(requests)
    loaded = rendered_models(rendered, "bigquery", "loaded")
    minimal = rendered_models(rendered, "bigquery", "minimal")
    # loaded: the tag columns become the tag list; minimal: no tag columns, absent columns are typed NULLs
    assert "struct('cost_center' as key, cast(resource_tags_user_cost_center as string) as value)" in loaded["stg_aws_cur"]
    assert "cast([] as array<struct<key string, value string>>)" in minimal["stg_aws_cur"]
    assert "`line_item_usage_account_id`" in loaded["stg_aws_cur"]
    assert "line_item_usage_account_id" not in minimal["stg_aws_cur"]
    assert "`x_sku_meter_name`" in loaded["stg_azure_focus"] and "x_sku_meter_name" not in minimal["stg_azure_focus"]


def test_data_exports_maps_render_per_warehouse(rendered):
    """CUR 2.0 maps: BigQuery reads the REPEATED RECORD<key, value> with UNNEST, DuckDB indexes the MAP; without an
    aws_data_exports_raw table the staging model is an empty, typed select."""
    bigquery = rendered_models(rendered, "bigquery", "loaded")["stg_aws_data_exports"]
    duckdb = rendered_models(rendered, "duckdb", "loaded")["stg_aws_data_exports"]
    assert "(select m.value from unnest(`product`) as m where m.key = 'product_name' limit 1)" in bigquery
    assert "regexp_replace(t.key, r'^user_', '') as key" in bigquery and "unnest(`resource_tags`)" in bigquery
    assert "\"product\"['product_name']" in duckdb and "map_entries(\"resource_tags\")" in duckdb
    minimal = rendered_models(rendered, "bigquery", "minimal")["stg_aws_data_exports"]
    assert "where false" in minimal and "aws_data_exports_raw" not in minimal
    focus = rendered_models(rendered, "bigquery", "loaded")["int_cost_focus"]
    assert "'aws_data_exports' as x_cost_source" in focus and "left join data_exports_pairs" in focus and "p.billing_month is null" in focus


def test_span_quarantine_summary_files_are_the_compiled_macro(rendered):
    """The loaders count quarantined spans with finops_assets/defs/otel/sql/, which must be exactly what the dbt macro
    (the rules of stg_otel_spans) compiles to on each warehouse."""
    for warehouse in quarantine.WAREHOUSES:
        (sql,) = rendered["renders"][f"{warehouse}/direct/span_quarantine_summary"]["nodes"].values()
        assert quarantine.rendered_path(warehouse).read_text() == sql.strip() + "\n", (
            f"{quarantine.rendered_path(warehouse)} is not the compiled macro: regenerate it with "
            "`.venv/bin/python -m finops_assets_tests.defs.otel.render_quarantine_sql`"
        )
    staging = yaml.safe_load((PROJECT_DIR / "models" / "staging" / "_staging.yml").read_text())
    (model,) = [m for m in staging["models"] if m["name"] == "stg_otel_spans"]
    (column,) = [c for c in model["columns"] if c["name"] == "quarantine_reason"]
    (accepted,) = [t["accepted_values"]["arguments"]["values"] for t in column["data_tests"] if "accepted_values" in t]
    summary_reasons = re.findall(r"as quarantined_(\w+)", quarantine.rendered_path("duckdb").read_text())
    assert summary_reasons == accepted  # every reason the model can give is counted, in the rules' order


def test_bigquery_monthly_models_replace_every_month_of_the_run(rendered):
    """A monthly model's run on BigQuery lists the run's months as static insert_overwrite partitions, so dbt-bigquery's
    MERGE deletes every row of those months before inserting the new ones: a month of the run left without rows is
    emptied, as DuckDB's finops_monthly empties it (test_month_batches). Dynamic partitions, the default, would only
    replace the months the new rows fall in and keep such a month's old rows."""
    nodes = rendered["manifest"]["bigquery"].values()
    monthly = {n["name"]: n for n in nodes if n["resource_type"] == "model" and n["incremental_strategy"] == "insert_overwrite"
               and n["partition_by"]["granularity"] == "month"}
    assert set(monthly) == {"int_cost_focus", "int_cost_keys", "fact_cost_hourly", "fact_cost_daily", "fact_cost_weekly",
                            "fact_cost_monthly", "fact_cost_allocation", "llm_consumption"}
    assert {name: n["partitions"] for name, n in monthly.items()} == {name: ["date('2025-09-01')"] for name in monthly}
    # The daily performance facts stay dynamic, as DuckDB's delete+insert of the days present.
    daily = [n for n in nodes if n["resource_type"] == "model" and (n["partition_by"] or {}).get("granularity") == "day"]
    assert daily and all(n["partitions"] is None for n in daily)

    (merge,) = rendered["renders"]["bigquery/overwrite"]["nodes"].values()
    statement = " ".join(merge.split()).lower()
    assert "merge into `p`.`finops`.`fact_cost_daily` as dbt_internal_dest" in statement
    assert ("when not matched by source and date_trunc(dbt_internal_dest.billing_month, month) in ( date('2025-09-01') ) "
            "then delete") in statement
    assert "array_agg" not in statement  # no partitions computed from the new rows (the dynamic form)
    assert not bigquery_problems(merge)
