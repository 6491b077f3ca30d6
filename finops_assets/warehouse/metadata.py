"""Materialization metadata of a load: what the Dagster UI shows for every raw partition."""

from __future__ import annotations

import dagster as dg

from finops_assets.warehouse.load_request import LoadRequest, LoadResult, PartitionGrain


def markdown_table(header: list[str], rows: list[tuple]) -> str:
    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return text.replace("|", "\\|").replace("\n", " ")[:80]

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def load_metadata(request: LoadRequest, result: LoadResult, table: str) -> dict[str, dg.MetadataValue]:
    metadata: dict[str, dg.MetadataValue] = {
        "execution_id": dg.MetadataValue.text(result.execution_id),
        "billing_month" if request.grain is PartitionGrain.MONTH else "day": dg.MetadataValue.text(request.partition_label),
        "table": dg.MetadataValue.text(table),
        "manifest": dg.MetadataValue.path(request.manifest_uri),
        "skipped": dg.MetadataValue.bool(result.skipped),
        "dagster/row_count": dg.MetadataValue.int(result.row_count),
        "files": dg.MetadataValue.int(result.file_count),
        "bytes": dg.MetadataValue.int(result.bytes),
        "load_seconds": dg.MetadataValue.float(round(result.seconds, 3)),
        "columns_added": dg.MetadataValue.json(list(result.columns_added)),
        "columns_removed": dg.MetadataValue.json(list(result.columns_removed)),
    }
    if result.skipped:
        metadata["status"] = dg.MetadataValue.text(
            f"execution {result.execution_id} is already loaded for {request.partition_label}: nothing to do "
            "(run with config force: true to reload)"
        )
    else:
        previous = result.previous_execution_id
        metadata["status"] = dg.MetadataValue.text(
            f"replaced execution {previous}" if previous and previous != result.execution_id else
            ("reloaded (force)" if previous else f"first load of the {'day' if request.grain is PartitionGrain.DAY else 'month'}")
        )
    if result.months_in_statement > 1:
        # load_seconds is then the month's share, by bytes, of the one statement that loaded them all.
        metadata["months_in_load_statement"] = dg.MetadataValue.int(result.months_in_statement)
    if result.typed_by_manifest:
        metadata["typed_by_manifest"] = dg.MetadataValue.path(result.typed_by_manifest)
    if result.columns_retyped:
        metadata["columns_typed_by_newer_manifest"] = dg.MetadataValue.json(list(result.columns_retyped))
    if result.previous_execution_id:
        metadata["previous_execution_id"] = dg.MetadataValue.text(result.previous_execution_id)
    if result.total_cost is not None and request.cost_column:
        # Exact decimal as text: a float would round money.
        metadata[f"total_{request.cost_column.removeprefix('line_item_')}"] = dg.MetadataValue.text(result.total_cost)
    for name, count in result.summary:
        metadata[name] = dg.MetadataValue.int(count)
    for name, value in request.details.items():
        metadata[name] = dg.MetadataValue.text(value)
    metadata["file_list"] = dg.MetadataValue.md("\n".join(f"- `{f.key}` ({f.size:,} bytes)" for f in request.files))
    if result.preview_markdown:
        metadata["preview"] = dg.MetadataValue.md(result.preview_markdown)
    metadata["dagster/column_schema"] = dg.MetadataValue.table_schema(
        dg.TableSchema(
            columns=[
                dg.TableColumn(name=c.name, type=c.type.value, description=c.origin or c.source_name)
                for c in request.columns
            ]
        )
    )
    return metadata
