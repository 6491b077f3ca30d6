"""dbt models as Dagster assets. Sources map to the raw assets through their `meta.dagster.asset_key`;
groups follow the dbt folders (staging, intermediate, marts); dbt tests become asset checks.

(No `from __future__ import annotations` here: Dagster reads the asset function's annotations at runtime.)
"""

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from finops_assets.defs.automation import after_monthly_models, seed_missing, spans_and_cost_landed, upstream_landed
from finops_assets.defs.dbt.project import finops_dbt_project
from finops_assets.partitions import billing_month_partitions, span_day_partitions
from finops_assets.settings import Settings


class FinopsDbtTranslator(DagsterDbtTranslator):
    def __init__(self, months: dg.PartitionsDefinition, days: dg.PartitionsDefinition, settings=None):
        super().__init__(settings=settings)
        self.months, self.days = months, days

    def get_partitions_def(self, dbt_resource_props: Mapping[str, Any]) -> Optional[dg.PartitionsDefinition]:
        if dbt_resource_props["resource_type"] != "model":
            return None
        if MONTHLY_TAG in dbt_resource_props["tags"]:
            return self.months
        if DAILY_TAG in dbt_resource_props["tags"]:
            return self.days
        return None

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

    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]) -> Optional[dg.AutomationCondition]:
        # Models follow their upstream months (days for the performance facts); seeds are built when missing (finops_assets/defs/automation.py).
        if dbt_resource_props["resource_type"] == "seed":
            return seed_missing()
        if dbt_resource_props["resource_type"] != "model":
            return None
        if DAILY_TAG in dbt_resource_props["tags"]:
            return spans_and_cost_landed()
        if MONTHLY_TAG in dbt_resource_props["tags"]:
            return upstream_landed()
        return after_monthly_models(dg.AssetSelection.tag(MONTHLY_TAG, ""))


# Models tagged `monthly` hold billing months: they are partitioned like the raw assets, get the months to
# (re)build as dbt vars and replace just those months (incremental). The rest (dimensions, seeds) are small,
# rebuilt whole after the months they read. Both are ONE dagster-dbt asset set (`finops_dbt_costs`) whose translator
# gives each model its own partitions: the dimensions stay unpartitioned assets, yet a run of a month and its
# dimensions is a single dbt process (one start-up, parse and exit, not two).
MONTHLY_TAG = "monthly"
MONTHLY_SELECTOR = f"tag:{MONTHLY_TAG}"
# Models tagged `daily` (the performance facts) are partitioned by landing day like otel_spans_raw: a day of spans
# maps to the same day of facts (the run also recomputes the day before, whose last hour may have arrived late).
# stg_otel_spans stays a view in the monthly set, so the monthly allocation reads spans and the daily facts read
# the monthly fact_cost_hourly through Dagster's day -> month mapping.
DAILY_TAG = "daily"
DAILY_SELECTOR = f"tag:{DAILY_TAG}"
# What the cost set leaves out: the daily models and everything downstream of them, i.e. their tests, those that
# also read a dimension included (dbt puts a test downstream of every model it reads).
DAILY_AND_DOWNSTREAM = f"{DAILY_SELECTOR}+"


def month_vars(context: dg.AssetExecutionContext) -> dict[str, str]:
    """The billing months of this run as dbt vars: [min_month, max_month) (a range on a single-run backfill). No vars
    when the step builds no month-partitioned model (the dimensions alone, rebuilt whole, read no vars)."""
    specs = context.assets_def.specs_by_key
    if not any(specs[key].partitions_def is not None for key in context.selected_asset_keys):
        return {}
    window = context.partition_time_window
    return {"min_month": window.start.date().isoformat(), "max_month": window.end.date().isoformat()}


def day_vars(context: dg.AssetExecutionContext) -> dict[str, str]:
    """The landing days of this run as dbt vars: [min_day, max_day) (a range on a single-run backfill)."""
    window = context.partition_time_window
    return {"min_day": window.start.date().isoformat(), "max_day": window.end.date().isoformat()}


def threshold_vars(settings: Settings) -> dict[str, float]:
    """The anomaly thresholds of the WARN data tests (FINOPS_* settings) as the dbt vars the tests read."""
    return {
        "cost_anomaly_factor": settings.cost_anomaly_factor,
        "cost_anomaly_trailing_days": settings.cost_anomaly_trailing_days,
        "perf_request_jump_factor": settings.request_jump_factor,
    }


# dbt's parse cache. dagster-dbt gives every invocation a fresh target folder (seeded with the project target's copy,
# which `make install` wrote with another profile and no vars), and dbt re-parses the whole project whenever the vars,
# profile or target differ from the cache's. A run's two invocations have different vars (the monthly models get the
# run's months, the dimensions none), so one shared cache file was always the other invocation's and every invocation
# parsed everything (`Unable to do partial parsing because config vars ... have changed`). The caches are kept per
# (vars, target, FINOPS_* environment) instead: each invocation is seeded with the cache of its own key and writes it
# back; a month built again (the open month refreshed during the day, a restatement) and the dimensions of every run
# find theirs. dbt itself still checks the files, so a changed model is re-parsed.
PARTIAL_PARSE_FILE = "partial_parse.msgpack"
PARTIAL_PARSE_CACHE = "partial_parse"
PARTIAL_PARSE_KEPT = 16


def partial_parse_key(dbt_vars: Mapping[str, Any], target: Optional[str], environment: Mapping[str, str]) -> str:
    """The cache key of an invocation: what dbt compares before trusting a parse cache and that differs between runs
    of one deployment (the vars, the target, the FINOPS_* settings profiles.yml and dbt_project.yml read)."""
    settings = {name: value for name, value in environment.items() if name.startswith("FINOPS_")}
    document = json.dumps({"vars": dbt_vars, "target": target, "environment": settings}, sort_keys=True, default=str)
    return hashlib.sha256(document.encode()).hexdigest()[:16]


def seed_partial_parse(cache_dir: Path, key: str, invocation_target: Path) -> bool:
    """Copy the cache of `key` into a new invocation's target folder; False when there is none yet."""
    cached = Path(cache_dir) / f"{key}.msgpack"
    if not cached.exists():
        return False
    Path(invocation_target).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, Path(invocation_target) / PARTIAL_PARSE_FILE)
    return True


def keep_partial_parse(invocation_target: Path, cache_dir: Path, key: str, kept: int = PARTIAL_PARSE_KEPT) -> None:
    """Store the invocation's parse cache as the cache of `key`, atomically (parallel runs may read it), and keep only
    the `kept` most recently written caches."""
    source = Path(invocation_target) / PARTIAL_PARSE_FILE
    if not source.exists():
        return
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=cache_dir, prefix=f".{key}.")
    os.close(handle)
    shutil.copyfile(source, temporary)
    os.replace(temporary, cache_dir / f"{key}.msgpack")
    caches = sorted(cache_dir.glob("*.msgpack"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in caches[kept:]:
        stale.unlink(missing_ok=True)


# Every dbt invocation gets its own target folder (compiled and run SQL, dbt's debug log, its parse cache: ~3.5 MB for a
# month's run), and dagster-dbt never removes one: a deployment whose sensors and automation run every hour would
# grow target/ by ~80 MB a day. After each invocation the newest INVOCATIONS_KEPT folders are kept (the latest runs'
# dbt.log for debugging; Dagster keeps every run's dbt output in its own logs) and older ones removed, never one
# written to in the last INVOCATION_MIN_AGE_S seconds (a long invocation still running beside this one).
INVOCATIONS_KEPT = 32
INVOCATION_MIN_AGE_S = 3600
# The folder's name: dagster-dbt's own naming (step, run id[:7], a unique suffix); built by invocation_folder_name and
# recognised by this pattern here and in the benchmark (bench/breakdown.py).
INVOCATION_FOLDER = re.compile(r"^(?P<step>.+)-(?P<run>[0-9a-f]{7})-[0-9a-f]{7}$")


def invocation_folder_name(step: str, run_id: str) -> str:
    return f"{step}-{run_id[:7]}-{uuid.uuid4().hex[:7]}"


def _last_written(folder: Path) -> float:
    """The folder's last write: its own mtime (entries added) or its dbt.log's (appended while dbt runs)."""
    log = folder / "dbt.log"
    return max(folder.stat().st_mtime, log.stat().st_mtime if log.exists() else 0.0)


def prune_invocations(project_target: Path, kept: int = INVOCATIONS_KEPT, min_age_s: float = INVOCATION_MIN_AGE_S,
                      now: Optional[float] = None) -> list[Path]:
    """Remove the invocation folders (`<step>-<run id[:7]>-<suffix>`) of project_target beyond the newest `kept`, if
    untouched for `min_age_s`; the project's own files (manifest.json, the parse caches) are never touched."""
    now = time.time() if now is None else now
    folders = []
    for folder in Path(project_target).iterdir():
        if folder.is_dir() and INVOCATION_FOLDER.match(folder.name):
            try:
                folders.append((_last_written(folder), folder))
            except FileNotFoundError:  # removed meanwhile by another run's pruning
                continue
    removed = []
    for written, folder in sorted(folders, reverse=True)[kept:]:
        if now - written >= min_age_s:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def checks_deselected(context: dg.AssetExecutionContext) -> bool:
    """True when a check of an asset of the run is left out (a check deselected in the UI): dagster-dbt then names
    every test to run and turns dbt's indirect selection off (DBT_INDIRECT_SELECTION=empty), which must stay so."""
    selected_assets = context.selected_asset_keys
    selected_checks = set(context.selected_asset_check_keys)
    every_check = {spec.key for spec in context.assets_def.node_check_specs_by_output_name.values()}
    return any(check.asset_key in selected_assets for check in every_check - selected_checks)


def dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource, dbt_vars: Mapping[str, Any],
              exclude: Optional[str] = None, buildable_tests: bool = False) -> Iterator:
    project = finops_dbt_project()
    project_target = Path(project.project_dir) / project.target_path
    cache_dir = project_target / PARTIAL_PARSE_CACHE
    key = partial_parse_key(dbt_vars, dbt.target, os.environ)
    target = project_target / invocation_folder_name(context.op_execution_context.op.name, context.run.run_id)
    seed_partial_parse(cache_dir, key, target)
    # --no-write-json: dbt skips manifest.json (written twice: after the parse and again at the end), run_results.json
    # and graph.gpickle in the invocation's folder. dagster-dbt builds its events from dbt's JSON log lines on stdout
    # and the manifest it was defined with (`project.manifest_path`), never from these files, and nothing here reads
    # them. The parse cache (partial_parse.msgpack) does not depend on this flag, and dbt.log (the debug log) stays.
    args = ["build", "--no-write-json"]
    if dbt_vars:
        args += ["--vars", json.dumps(dict(dbt_vars))]
    if exclude:
        # dagster-dbt selects a subset (the dimensions alone, say) by name, where dbt's indirect selection could add a
        # test with one selected parent, e.g. the daily facts' relationships to dim_service; the exclusion (the daily
        # models and their downstream, tests included) keeps them out of the cost set's invocations.
        args += ["--exclude", exclude]
    if buildable_tests and not checks_deselected(context):
        # A test that reads two models runs when the newer of them is built in this invocation (buildable), not as
        # soon as either is (dbt's default, eager): the automation rebuilds a few models at a time, and eagerly a
        # month's new fact_cost_daily was checked against the allocation not rebuilt yet (a false ERROR, the run
        # failed). Every cost-set test reading two models has one of them upstream of the other, except two that
        # read models always rebuilt together (the cost anomaly warning, dim_endpoint's relationship to dim_service).
        args += ["--indirect-selection", "buildable"]
    invocation = dbt.cli(args, context=context, target_path=target)
    yield from invocation.stream()
    keep_partial_parse(invocation.target_path, cache_dir, key)
    prune_invocations(project_target)


def build_dbt_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    project = finops_dbt_project()
    thresholds = threshold_vars(settings)
    translator = FinopsDbtTranslator(billing_month_partitions(settings.start_month), span_day_partitions(settings.start_month),
                                     settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name="finops_dbt_costs",
        exclude=DAILY_AND_DOWNSTREAM,
        # A 39-month backfill is one dbt invocation over the whole range, not 39.
        backfill_policy=dg.BackfillPolicy.single_run(),
        dagster_dbt_translator=translator,
    )
    def finops_dbt_costs(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt_build(context, dbt, {**month_vars(context), **thresholds}, exclude=DAILY_AND_DOWNSTREAM,
                             buildable_tests=True)

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name="finops_dbt_daily",
        select=DAILY_SELECTOR,
        partitions_def=span_day_partitions(settings.start_month),
        backfill_policy=dg.BackfillPolicy.single_run(),
        dagster_dbt_translator=translator,
    )
    def finops_dbt_daily(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt_build(context, dbt, {**day_vars(context), **thresholds})

    return [finops_dbt_costs, finops_dbt_daily]
