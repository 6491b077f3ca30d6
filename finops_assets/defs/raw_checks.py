"""One factory for the data-quality checks of every monthly raw billing asset.

A source describes itself once in a `RawCheckSpec` (its `checks.py`): table, partition column, line-item key,
critical columns, account and currency columns, and how to read its current export from the landing area. The
factory turns that into one `@multi_asset_check` with the checks of `RAW_CHECKS`, run with every materialization
and evaluated on the months that run materialized. (The checks themselves are not partitioned: partitioned check
specs are a preview feature in Dagster 1.13; the run's partition key, or partition key range, says which months to
look at.) Every check queries the warehouse table through `WarehouseQueries` (so it does not
trust the loader) and answers with a description a user understands and metadata showing the offending rows.

A single-run backfill materializes a range of months in one run, and Dagster 1.13 takes one result per check and
run: each check then evaluates every month of the range and answers once, failing when any month fails, with a
table of every month's outcome and the failing months' details. The table checks first screen the whole range with
one grouped query (`RawCheck.screen`); only the months it flags are examined one by one. Checks of the source as a
whole (freshness, daily availability) run once.

ERROR checks are blocking: a failure fails the run and stops its downstream assets (the dbt models). The freshness and availability checks
describe the whole source rather than the month being loaded, so they are WARN and only report.

(No `from __future__ import annotations` here: Dagster reads the check function's annotations at runtime.)
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterable, Iterator, Optional, Protocol, Sequence

import dagster as dg

from finops_assets.landing import Landing
from finops_assets.settings import Settings
from finops_assets.warehouse.load_request import LoadRequest
from finops_assets.warehouse.metadata import markdown_table
from finops_assets.warehouse.queries import QueryParam, WarehouseQueries, month_params, range_params
from finops_assets.warehouse.tracking import TRACKING_TABLE, decode_column_types

SAMPLE_ROWS = 10


@dataclass(frozen=True)
class ExportStamp:
    """The newest export in the landing area: its billing month, the object that announces it and when it changed."""

    billing_month: date
    key: str
    updated: datetime


class ListedExport(Protocol):
    billing_month: date
    key: str
    updated: float  # seconds since the epoch


def newest_listed_export(listed: Iterable[ListedExport]) -> Optional[ExportStamp]:
    """The newest of the manifests (or files) a listing found: newest month first, then newest update."""
    newest = max(listed, key=lambda r: (r.billing_month, r.updated), default=None)
    if newest is None:
        return None
    return ExportStamp(newest.billing_month, newest.key, datetime.fromtimestamp(newest.updated, timezone.utc))


@dataclass(frozen=True)
class RawCheckSpec:
    asset: str  # the raw asset, and its table's name
    source: str  # `_load_tracking.source`
    partition_column: str  # TIMESTAMP: the billing period the month is selected by
    usage_start_column: str
    cost_column: str
    account_column: str
    currency_column: str
    duplicate_key: tuple[str, ...]  # what identifies a line item; dotted paths reach into records
    # The month's current export as the asset describes it (files, execution id, declared row count);
    # raises LookupError when the month has no export.
    current_export: Callable[[Landing, date], LoadRequest]
    # The newest export in the landing area, None where the export does not live there (GCP's BigQuery table).
    newest_export: Callable[[Landing], Optional[ExportStamp]]
    # Days before the billing month a usage start may fall in (GCP invoices late usage in the next month).
    usage_lead_days: int = 0

    @property
    def critical_columns(self) -> tuple[str, ...]:
        return (self.usage_start_column, self.cost_column, self.account_column)


@dataclass(frozen=True)
class Thresholds:
    freshness_hours: int = 36
    availability_days: int = 7


@dataclass
class CheckInputs:
    spec: RawCheckSpec
    queries: WarehouseQueries
    landing: Landing
    month: date
    now: datetime  # aware UTC
    thresholds: Thresholds

    @property
    def table(self) -> str:
        return self.queries.table(self.spec.asset)

    @property
    def in_month(self) -> str:
        part = self.queries.column(self.spec.partition_column)
        return f"{part} >= {self.queries.param('month_start')} AND {part} < {self.queries.param('month_end')}"

    @property
    def label(self) -> str:
        return f"{self.queries.location}.{self.spec.asset} {self.month:%Y-%m}"


@dataclass(frozen=True)
class Outcome:
    passed: bool
    description: str
    metadata: dict


@dataclass(frozen=True)
class RawCheck:
    name: str
    severity: dg.AssetCheckSeverity
    description: str
    evaluate: Callable[[CheckInputs], Outcome]
    needs_table: bool = True  # a missing table fails the check before `evaluate` runs
    per_month: bool = True  # False: the check describes the whole source, evaluated once whatever the months
    # One grouped query over a range of months: the months that may fail (`evaluate` then examines just those);
    # None: every month of a range is evaluated on its own.
    screen: Optional[Callable[[CheckInputs, Sequence[date]], set]] = None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _newest_load(inputs: CheckInputs, month: date) -> Optional[tuple]:
    """(execution_id, file_count, row_count, loaded_at, columns) of the month's newest load."""
    q = inputs.queries
    rows = q.fetch(
        f"SELECT execution_id, file_count, row_count, loaded_at, columns FROM {q.table(TRACKING_TABLE)} "
        f"WHERE source = {q.param('source')} AND billing_month = {q.param('month')} ORDER BY loaded_at DESC LIMIT 1",
        [QueryParam("source", "STRING", inputs.spec.source), QueryParam("month", "DATE", month)],
    )
    return rows[0] if rows else None


# -- the checks -------------------------------------------------------------------------------------------


def rows_match_export(inputs: CheckInputs) -> Outcome:
    q = inputs.queries
    (rows_in_table,) = q.fetch(f"SELECT COUNT(*) FROM {inputs.table} WHERE {inputs.in_month}", month_params(inputs.month))[0]
    try:
        export = inputs.spec.current_export(inputs.landing, inputs.month)
    except LookupError as exc:
        return Outcome(False, f"{inputs.label}: {exc}", {"rows_in_table": dg.MetadataValue.int(rows_in_table)})
    load = _newest_load(inputs, inputs.month)
    if load is None:
        return Outcome(False, f"{inputs.label}: the month was never loaded ({rows_in_table} rows in the table, no "
                       f"{TRACKING_TABLE} record)", {"rows_in_table": dg.MetadataValue.int(rows_in_table)})
    execution_id, files_loaded, rows_loaded, _, _ = load
    comparisons = [("rows in the table = rows recorded by the load", rows_loaded, rows_in_table)]
    if export.expected_row_count is not None:
        comparisons.append(("rows in the table = rows the manifest declares", export.expected_row_count, rows_in_table))
    # GCP's export table gets its version from BigQuery at load time; there is nothing to compare before.
    version_known = bool(export.execution_id)
    if version_known:
        comparisons.append(("loaded version = current export version", export.execution_id, execution_id))
        if export.execution_id == execution_id:
            comparisons.append(("files read = files the manifest references", len(export.files), files_loaded))
    problems = [(what, expected, actual) for what, expected, actual in comparisons if expected != actual]
    metadata = {
        "rows_in_table": dg.MetadataValue.int(int(rows_in_table)),
        "rows_loaded": dg.MetadataValue.int(int(rows_loaded)),
        "files_loaded": dg.MetadataValue.int(int(files_loaded)),
        "files_referenced": dg.MetadataValue.int(len(export.files)),
        "loaded_execution_id": dg.MetadataValue.text(execution_id),
        "comparisons": dg.MetadataValue.md(markdown_table(
            ["check", "expected", "actual", "ok"], [(w, e, a, "yes" if e == a else "NO") for w, e, a in comparisons])),
    }
    if export.expected_row_count is not None:
        metadata["rows_declared"] = dg.MetadataValue.int(export.expected_row_count)
    if not problems:
        return Outcome(True, f"{inputs.label}: {rows_in_table} rows, all {len(export.files)} files of export "
                       f"{execution_id} loaded", metadata)
    text = "; ".join(f"{what.split(' = ')[0]} is {actual}, expected {expected}" for what, expected, actual in problems)
    return Outcome(False, f"{inputs.label}: {text}", metadata)


def no_duplicate_line_items(inputs: CheckInputs) -> Outcome:
    q = inputs.queries
    key = inputs.spec.duplicate_key
    columns = ", ".join(q.column(c) for c in key)
    # Aliased: nested fields (`service.id`, `sku.id`) would otherwise all be named `id`.
    aliased = ", ".join(f"{q.column(c)} AS k{i}" for i, c in enumerate(key))
    duplicates = (f"SELECT {aliased}, COUNT(*) AS n FROM {inputs.table} WHERE {inputs.in_month} "
                  f"GROUP BY {columns} HAVING COUNT(*) > 1")
    keys, extra = q.fetch(f"SELECT COUNT(*), SUM(n - 1) FROM ({duplicates}) AS d", month_params(inputs.month))[0]
    metadata = {"duplicate_keys": dg.MetadataValue.int(int(keys)), "extra_rows": dg.MetadataValue.int(int(extra or 0)),
                "key": dg.MetadataValue.text(", ".join(key))}
    if not keys:
        return Outcome(True, f"{inputs.label}: every line item is unique on ({', '.join(key)})", metadata)
    sample = q.fetch(f"{duplicates} ORDER BY n DESC LIMIT {SAMPLE_ROWS}", month_params(inputs.month))
    metadata["duplicates"] = dg.MetadataValue.md(markdown_table([*key, "rows"], sample))
    return Outcome(False, f"{inputs.label}: {keys} line items appear more than once on ({', '.join(key)}), "
                   f"{extra} extra rows: costs would count twice", metadata)


def critical_fields_not_null(inputs: CheckInputs) -> Outcome:
    q = inputs.queries
    columns = inputs.spec.critical_columns
    sums = ", ".join(f"SUM(CASE WHEN {q.column(c)} IS NULL THEN 1 ELSE 0 END)" for c in columns)
    counts = q.fetch(f"SELECT COUNT(*), {sums} FROM {inputs.table} WHERE {inputs.in_month}", month_params(inputs.month))[0]
    total, nulls = counts[0], dict(zip(columns, (int(n or 0) for n in counts[1:])))
    # Rows without a billing period belong to no month: counted over the whole table.
    part = inputs.spec.partition_column
    nulls[part] = int(q.fetch(f"SELECT COUNT(*) FROM {inputs.table} WHERE {q.column(part)} IS NULL")[0][0])
    metadata = {
        "rows": dg.MetadataValue.int(int(total)),
        "null_counts": dg.MetadataValue.md(markdown_table(["column", "null rows"], list(nulls.items()))),
    }
    bad = {c: n for c, n in nulls.items() if n}
    if not bad:
        return Outcome(True, f"{inputs.label}: {', '.join(nulls)} are set on every row", metadata)
    text = ", ".join(f"{c} is empty on {n} rows" for c, n in bad.items())
    return Outcome(False, f"{inputs.label}: {text} (usage start, cost, billing period and account are required)", metadata)


def one_currency_per_account(inputs: CheckInputs) -> Outcome:
    q = inputs.queries
    account, currency = q.column(inputs.spec.account_column), q.column(inputs.spec.currency_column)
    rows = q.fetch(
        f"SELECT {account}, {currency}, COUNT(*) FROM {inputs.table} WHERE {inputs.in_month} AND {account} IN ("
        f"SELECT {account} FROM {inputs.table} WHERE {inputs.in_month} GROUP BY {account} "
        f"HAVING COUNT(DISTINCT {currency}) > 1) GROUP BY {account}, {currency} ORDER BY 1, 2 LIMIT 100",
        month_params(inputs.month),
    )
    if not rows:
        return Outcome(True, f"{inputs.label}: every {inputs.spec.account_column} bills in one currency", {})
    accounts: dict[str, list[str]] = {}
    for acc, cur, _ in rows:
        accounts.setdefault(acc, []).append(str(cur))
    metadata = {
        "accounts": dg.MetadataValue.int(len(accounts)),
        "currencies_by_account": dg.MetadataValue.md(
            markdown_table([inputs.spec.account_column, inputs.spec.currency_column, "rows"], rows)),
    }
    text = "; ".join(f"{acc}: {', '.join(curs)}" for acc, curs in accounts.items())
    return Outcome(False, f"{inputs.label}: {len(accounts)} accounts bill in more than one currency ({text}); "
                   "sums across their rows would add different currencies", metadata)


def usage_inside_billing_month(inputs: CheckInputs) -> Outcome:
    q = inputs.queries
    usage = q.column(inputs.spec.usage_start_column)
    start = datetime(inputs.month.year, inputs.month.month, 1) - timedelta(days=inputs.spec.usage_lead_days)
    params = [*month_params(inputs.month), QueryParam("usage_from", "TIMESTAMP", start)]
    outside = f"{inputs.in_month} AND ({usage} < {q.param('usage_from')} OR {usage} >= {q.param('month_end')})"
    count, first, last = q.fetch(f"SELECT COUNT(*), MIN({usage}), MAX({usage}) FROM {inputs.table} WHERE {outside}", params)[0]
    window = f"[{start:%Y-%m-%d}, {inputs.month:%Y-%m}-end]"
    if not count:
        return Outcome(True, f"{inputs.label}: every {inputs.spec.usage_start_column} is inside {window}",
                       {"rows_outside": dg.MetadataValue.int(0)})
    shown = [*inputs.spec.duplicate_key[:3], inputs.spec.usage_start_column, inputs.spec.cost_column]
    sample = q.fetch(f"SELECT {', '.join(q.column(c) for c in shown)} FROM {inputs.table} WHERE {outside} "
                     f"ORDER BY {usage} LIMIT {SAMPLE_ROWS}", params)
    metadata = {
        "rows_outside": dg.MetadataValue.int(int(count)),
        "earliest": dg.MetadataValue.text(str(first)),
        "latest": dg.MetadataValue.text(str(last)),
        "sample": dg.MetadataValue.md(markdown_table(shown, sample)),
    }
    return Outcome(False, f"{inputs.label}: {count} rows have {inputs.spec.usage_start_column} outside {window} "
                   f"(from {first} to {last})", metadata)


def schema_drift(inputs: CheckInputs) -> Outcome:
    q = inputs.queries
    # The version before the month's current one: the month's own previous version (a restatement), else the newest
    # version of the closest earlier month that was loaded before it (a new month of the export). Never a later
    # month: restating an old month after newer ones are in, or backfilling newest first, compares like with like.
    loads = q.fetch(
        f"SELECT billing_month, execution_id, loaded_at, columns FROM {q.table(TRACKING_TABLE)} "
        f"WHERE source = {q.param('source')} AND billing_month <= {q.param('month')} "
        f"AND loaded_at <= (SELECT MAX(loaded_at) FROM {q.table(TRACKING_TABLE)} "
        f"WHERE source = {q.param('source')} AND billing_month = {q.param('month')}) "
        f"ORDER BY billing_month DESC, loaded_at DESC LIMIT 2",
        [QueryParam("source", "STRING", inputs.spec.source), QueryParam("month", "DATE", inputs.month)],
    )
    if len(loads) < 2:
        return Outcome(True, f"{inputs.label}: no earlier export version of this or an earlier month to compare with", {})
    (_, current_id, _, current_cols), (previous_month, previous_id, _, previous_cols) = loads
    diff = column_changes(decode_column_types(previous_cols), decode_column_types(current_cols))
    metadata = {
        "previous_version": dg.MetadataValue.text(f"{previous_month:%Y-%m} {previous_id}"),
        "current_version": dg.MetadataValue.text(f"{inputs.month:%Y-%m} {current_id}"),
        "columns_added": dg.MetadataValue.json([c for c, change, _, _ in diff if change == "added"]),
        "columns_removed": dg.MetadataValue.json([c for c, change, _, _ in diff if change == "removed"]),
        "columns_retyped": dg.MetadataValue.json([c for c, change, _, _ in diff if change == "retyped"]),
    }
    if not diff:
        return Outcome(True, f"{inputs.label}: same columns and types as the previous version {previous_id}", metadata)
    metadata["schema_diff"] = dg.MetadataValue.md(markdown_table(["column", "change", "before", "after"], diff))
    counts = {k: sum(1 for _, change, _, _ in diff if change == k) for k in ("added", "removed", "retyped")}
    text = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    return Outcome(False, f"{inputs.label}: the export's columns changed since version {previous_id} "
                   f"({previous_month:%Y-%m}): {text}", metadata)


def column_changes(before: dict[str, Optional[str]], after: dict[str, Optional[str]]) -> list[tuple[str, str, str, str]]:
    """(column, added|removed|retyped, type before, type after); a type unknown on either side is not compared."""
    changes = [(c, "added", "", t or "") for c, t in after.items() if c not in before]
    changes += [(c, "removed", t or "", "") for c, t in before.items() if c not in after]
    changes += [(c, "retyped", before[c], t) for c, t in after.items()
                if c in before and t and before[c] and before[c] != t]
    return changes


def fresh_after_newest_export(inputs: CheckInputs) -> Outcome:
    stamp = inputs.spec.newest_export(inputs.landing)
    hours = inputs.thresholds.freshness_hours
    if stamp is None:
        return Outcome(True, f"{inputs.spec.asset}: no export files in the landing area to compare with "
                       "(the export is read from a warehouse table)", {})
    waiting = inputs.now - stamp.updated
    metadata = {
        "newest_export_month": dg.MetadataValue.text(f"{stamp.billing_month:%Y-%m}"),
        "newest_export": dg.MetadataValue.text(stamp.key),
        "newest_export_updated": dg.MetadataValue.text(stamp.updated.isoformat()),
        "threshold_hours": dg.MetadataValue.int(hours),
    }
    load = _newest_load(inputs, stamp.billing_month)
    if load is not None:
        metadata["loaded_at"] = dg.MetadataValue.text(_utc(load[3]).isoformat())
        metadata["loaded_execution_id"] = dg.MetadataValue.text(load[0])
        try:
            current_id = inputs.spec.current_export(inputs.landing, stamp.billing_month).execution_id
        except LookupError:
            current_id = None
        if _utc(load[3]) >= stamp.updated or (current_id and current_id == load[0]):
            return Outcome(True, f"{inputs.spec.asset}: the newest export ({stamp.billing_month:%Y-%m}, {stamp.key}) "
                           f"is loaded", metadata)
    metadata["hours_waiting"] = dg.MetadataValue.float(round(waiting.total_seconds() / 3600, 1))
    if waiting <= timedelta(hours=hours):
        return Outcome(True, f"{inputs.spec.asset}: the newest export ({stamp.key}) arrived "
                       f"{waiting.total_seconds() / 3600:.1f} h ago, within the {hours} h allowed to load it", metadata)
    loaded = f"last loaded {_utc(load[3]):%Y-%m-%d %H:%M} UTC" if load else "never loaded"
    return Outcome(False, f"{inputs.spec.asset}: {stamp.billing_month:%Y-%m} is stale: its newest export {stamp.key} "
                   f"arrived {waiting.total_seconds() / 3600:.1f} h ago (more than {hours} h) and is not loaded ({loaded})",
                   metadata)


def daily_cost_rows(inputs: CheckInputs) -> Outcome:
    q = inputs.queries
    usage = q.column(inputs.spec.usage_start_column)
    days = inputs.thresholds.availability_days
    today = inputs.now.date()
    newest = q.fetch(f"SELECT MAX({usage}) FROM {inputs.table} WHERE {usage} < {q.param('today')}",
                     [QueryParam("today", "TIMESTAMP", datetime(today.year, today.month, today.day))])[0][0]
    if newest is None:
        return Outcome(False, f"{inputs.spec.asset}: no cost rows before {today} at all", {})
    last = min(newest.date(), today - timedelta(days=1))
    history_start = _first_loaded_month(inputs)
    first = availability_window_start(last, days, history_start)
    counted = dict(q.fetch(
        f"SELECT CAST({usage} AS DATE) AS day, COUNT(*) FROM {inputs.table} "
        f"WHERE {usage} >= {q.param('day_from')} AND {usage} < {q.param('day_to')} GROUP BY CAST({usage} AS DATE)",
        [QueryParam("day_from", "TIMESTAMP", datetime(first.year, first.month, first.day)),
         QueryParam("day_to", "TIMESTAMP", datetime(last.year, last.month, last.day) + timedelta(days=1))],
    ))
    window = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    missing = [d.isoformat() for d in window if not counted.get(d)]
    metadata = {
        "window": dg.MetadataValue.text(f"{first} .. {last}"),
        "history_starts": dg.MetadataValue.text(f"{history_start}"),
        "missing_days": dg.MetadataValue.json(missing),
        "rows_per_day": dg.MetadataValue.md(markdown_table(["day", "rows"], [(d, counted.get(d, 0)) for d in window])),
    }
    # Said so when the loaded history is shorter than the window: those days are not missing, they are not loaded yet.
    scope = (f"the last {days} days" if len(window) == days else
             f"the {len(window)} day{'s' if len(window) > 1 else ''} since the loaded history starts")
    if not missing:
        return Outcome(True, f"{inputs.spec.asset}: every day of {first} .. {last} ({scope}) has cost rows", metadata)
    return Outcome(False, f"{inputs.spec.asset}: {len(missing)} of {scope} ({first} .. {last}) have no "
                   f"cost rows: {', '.join(missing)}", metadata)


def _first_loaded_month(inputs: CheckInputs) -> date:
    q = inputs.queries
    return q.fetch(f"SELECT MIN(billing_month) FROM {q.table(TRACKING_TABLE)} WHERE source = {q.param('source')}",
                   [QueryParam("source", "STRING", inputs.spec.source)])[0][0]


def availability_window_start(last: date, days: int, history_start: Optional[date]) -> date:
    """The first day `daily_cost_rows` requires rows for: `days` back from `last`, but not before the first loaded
    month. A backfill loads the newest month first, so the days before it belong to months not loaded yet; a month
    that is loaded but lacks days (or a month missing between loaded ones) is still inside the window."""
    first = last - timedelta(days=days - 1)
    if history_start is None:
        return first
    return max(first, min(history_start, last))


# -- screens: one grouped query over a range of months, flagging the months a check must examine -------------


def _flagged(inputs: CheckInputs, months: Sequence[date], sql: str) -> set:
    """Months (first days) returned by `sql`, which selects `month_of(partition)` of offending rows in the range."""
    return {row[0] for row in inputs.queries.fetch(sql, range_params(months)) if row[0] in set(months)}


def _month_of_partition(inputs: CheckInputs) -> str:
    return inputs.queries.month_of(inputs.queries.column(inputs.spec.partition_column))


def screen_duplicates(inputs: CheckInputs, months: Sequence[date]) -> set:
    q, month = inputs.queries, _month_of_partition(inputs)
    key = q.screen_key([q.column(c) for c in inputs.spec.duplicate_key])
    return _flagged(inputs, months, f"SELECT DISTINCT m FROM (SELECT {month} AS m FROM {inputs.table} WHERE {inputs.in_month} "
                                    f"GROUP BY {month}, {key} HAVING COUNT(*) > 1) AS d")


def screen_nulls(inputs: CheckInputs, months: Sequence[date]) -> set:
    q, month = inputs.queries, _month_of_partition(inputs)
    any_null = " OR ".join(f"{q.column(c)} IS NULL" for c in inputs.spec.critical_columns)
    flagged = _flagged(inputs, months, f"SELECT DISTINCT {month} FROM {inputs.table} WHERE {inputs.in_month} AND ({any_null})")
    part = q.column(inputs.spec.partition_column)
    if q.fetch(f"SELECT COUNT(*) FROM {inputs.table} WHERE {part} IS NULL")[0][0]:
        return set(months)  # rows without a billing period fail every month's check (they belong to none)
    return flagged


def screen_currencies(inputs: CheckInputs, months: Sequence[date]) -> set:
    q, month = inputs.queries, _month_of_partition(inputs)
    account, currency = q.column(inputs.spec.account_column), q.column(inputs.spec.currency_column)
    return _flagged(inputs, months, f"SELECT DISTINCT {month} FROM {inputs.table} WHERE {inputs.in_month} "
                                    f"GROUP BY {month}, {account} HAVING COUNT(DISTINCT {currency}) > 1")


def screen_usage_months(inputs: CheckInputs, months: Sequence[date]) -> set:
    # A superset: usage in another month than its billing period (sources with lead days allow a few of those days,
    # which the month's own evaluation tells apart).
    q, month = inputs.queries, _month_of_partition(inputs)
    usage = q.column(inputs.spec.usage_start_column)
    return _flagged(inputs, months, f"SELECT DISTINCT {month} FROM {inputs.table} WHERE {inputs.in_month} "
                                    f"AND ({usage} IS NULL OR {q.month_of(usage)} <> {month})")


ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN
RAW_CHECKS: tuple[RawCheck, ...] = (
    RawCheck("rows_match_export", ERROR, "Rows in the table equal the rows the load recorded and the manifest's "
             "declared count (Azure dataRowCount); the loaded version is the current export and every file it "
             "references was read.", rows_match_export),
    RawCheck("no_duplicate_line_items", ERROR, "No line item appears twice in the month (the source's line-item key).",
             no_duplicate_line_items, screen=screen_duplicates),
    RawCheck("critical_fields_not_null", ERROR, "Usage start, cost, billing period and account are set on every row.",
             critical_fields_not_null, screen=screen_nulls),
    RawCheck("one_currency_per_account", ERROR, "Each billing account bills the month in a single currency.",
             one_currency_per_account, screen=screen_currencies),
    RawCheck("usage_inside_billing_month", ERROR, "Every usage start falls inside its billing month.",
             usage_inside_billing_month, screen=screen_usage_months),
    RawCheck("schema_drift", WARN, "Columns added, removed or retyped between the month's previous export version "
             "(its own, or the closest earlier month's loaded before it) and the current one (from _load_tracking).",
             schema_drift, needs_table=False),
    RawCheck("fresh_after_newest_export", WARN, "The newest export in the landing area is loaded, or arrived less than "
             "FINOPS_FRESHNESS_HOURS ago.", fresh_after_newest_export, needs_table=False, per_month=False),
    RawCheck("daily_cost_rows", WARN, "Each of the last FINOPS_AVAILABILITY_DAYS days (ending at the newest usage day "
             "loaded, at most yesterday; not before the first loaded month) has cost rows.", daily_cost_rows, per_month=False),
)


def _missing(inputs: CheckInputs, check: RawCheck) -> Optional[Outcome]:
    if (check.needs_table and not inputs.queries.has_table(inputs.spec.asset)) or not inputs.queries.has_table(TRACKING_TABLE):
        return Outcome(False, f"{inputs.label}: not loaded yet (no table {inputs.spec.asset} or {TRACKING_TABLE})", {})
    return None


def _result(check: RawCheck, spec: RawCheckSpec, outcome: Outcome) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=spec.asset, check_name=check.name, passed=outcome.passed, severity=check.severity,
        description=outcome.description, metadata=outcome.metadata,
    )


def evaluate(check: RawCheck, inputs: CheckInputs) -> dg.AssetCheckResult:
    """One check on one month, as the result Dagster records (tests call this on real warehouse files)."""
    return _result(check, inputs.spec, _missing(inputs, check) or check.evaluate(inputs))


def month_outcomes(check: RawCheck, inputs: CheckInputs, months: Sequence[date]) -> dict:
    """The check's outcome for each month (a screened check examines only the months its grouped query flags)."""
    if (missing := _missing(inputs, check)) is not None:
        return {month: missing for month in months}
    flagged = check.screen(inputs, months) if check.screen and len(months) > 1 else set(months)
    outcomes = {}
    for month in months:
        month_inputs = replace(inputs, month=month)
        outcomes[month] = (check.evaluate(month_inputs) if month in flagged
                           else Outcome(True, f"{month_inputs.label}: passed ({check.description})", {}))
    return outcomes


# Failing months whose full metadata (offending rows) is attached to a range's result; the table lists them all.
DETAILED_FAILURES = 5


def range_outcome(spec: RawCheckSpec, outcomes: dict) -> Outcome:
    """One outcome for a range of months: passed when every month passed; the months' outcomes as a table."""
    failed = [m for m, o in sorted(outcomes.items()) if not o.passed]
    first, last = min(outcomes), max(outcomes)
    span = f"{spec.asset} {first:%Y-%m} .. {last:%Y-%m} ({len(outcomes)} months)"
    metadata = {
        "months_checked": dg.MetadataValue.int(len(outcomes)),
        "months_failed": dg.MetadataValue.json([f"{m:%Y-%m}" for m in failed]),
        "months": dg.MetadataValue.md(markdown_table(
            ["month", "passed", "result"],
            [(f"{m:%Y-%m}", "yes" if o.passed else "NO", o.description) for m, o in sorted(outcomes.items())])),
    }
    for month in failed[:DETAILED_FAILURES]:
        metadata.update({f"{month:%Y-%m} {key}": value for key, value in outcomes[month].metadata.items()})
    if not failed:
        return Outcome(True, f"{span}: every month passed", metadata)
    details = "; ".join(outcomes[m].description for m in failed[:DETAILED_FAILURES])
    more = f" (and {len(failed) - DETAILED_FAILURES} more)" if len(failed) > DETAILED_FAILURES else ""
    return Outcome(False, f"{span}: {len(failed)} months fail: {details}{more}", metadata)


def evaluate_months(check: RawCheck, inputs: CheckInputs, months: Sequence[date]) -> dg.AssetCheckResult:
    """The check over the run's months: one month as `evaluate`; a range answered once (see `range_outcome`)."""
    if len(months) == 1 or not check.per_month:
        month = max(months)
        return evaluate(check, replace(inputs, month=month))
    return _result(check, inputs.spec, range_outcome(inputs.spec, month_outcomes(check, inputs, months)))


def checked_months(context: dg.AssetCheckExecutionContext, queries: WarehouseQueries, spec: RawCheckSpec) -> list:
    """The months the run materialized (a single-run backfill: its whole range); run on its own (no partition), the
    newest month loaded."""
    if context.has_partition_key:
        return [date.fromisoformat(context.partition_key)]
    if context.has_partition_key_range:
        return sorted(date.fromisoformat(key) for key in context.partition_keys)
    rows = queries.fetch(f"SELECT MAX(billing_month) FROM {queries.table(TRACKING_TABLE)} WHERE source = {queries.param('source')}",
                         [QueryParam("source", "STRING", spec.source)]) if queries.has_table(TRACKING_TABLE) else []
    if not rows or rows[0][0] is None:
        raise dg.Failure(description=f"{spec.asset}: no month is loaded yet, nothing to check")
    return [rows[0][0]]


def build_raw_checks(spec: RawCheckSpec, settings: Settings) -> dg.AssetChecksDefinition:
    thresholds = Thresholds(freshness_hours=settings.freshness_hours, availability_days=settings.availability_days)

    @dg.multi_asset_check(
        name=f"{spec.asset}_checks",
        specs=[
            dg.AssetCheckSpec(c.name, asset=spec.asset, description=c.description, blocking=c.severity is ERROR,
                              metadata={"severity": c.severity.value})
            for c in RAW_CHECKS
        ],
        can_subset=True,
        required_resource_keys={"landing", "warehouse_queries"},
        compute_kind="sql",
    )
    def raw_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        landing = context.resources.landing.get_landing()
        with context.resources.warehouse_queries.open() as queries:
            months = checked_months(context, queries, spec)
            inputs = CheckInputs(spec, queries, landing, max(months), datetime.now(timezone.utc), thresholds)
            selected = {key.name for key in context.selected_asset_check_keys}
            for check in RAW_CHECKS:
                if check.name in selected:
                    yield evaluate_months(check, inputs, months)

    return raw_checks
