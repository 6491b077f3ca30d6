"""FOCUS 1.0 column types (from the specification) and the Azure `x_` extensions: the only place they live.

Columns are taken from the files (CSV header / Parquet schema), typed by this map; a column the map does not
know is still loaded, never dropped: as text from CSV, by its physical type from Parquet.
"""

from __future__ import annotations

from finops_assets.warehouse.identifiers import snake_case, unique_names
from finops_assets.warehouse.load_request import Column, ColumnType

_D, _T, _S, _J = ColumnType.DECIMAL, ColumnType.TIMESTAMP, ColumnType.STRING, ColumnType.JSON

FOCUS_1_0_TYPES: dict[str, ColumnType] = {
    "AvailabilityZone": _S, "BilledCost": _D, "BillingAccountId": _S, "BillingAccountName": _S,
    "BillingCurrency": _S, "BillingPeriodEnd": _T, "BillingPeriodStart": _T, "ChargeCategory": _S,
    "ChargeClass": _S, "ChargeDescription": _S, "ChargeFrequency": _S, "ChargePeriodEnd": _T,
    "ChargePeriodStart": _T, "CommitmentDiscountCategory": _S, "CommitmentDiscountId": _S,
    "CommitmentDiscountName": _S, "CommitmentDiscountStatus": _S, "CommitmentDiscountType": _S,
    "ConsumedQuantity": _D, "ConsumedUnit": _S, "ContractedCost": _D, "ContractedUnitPrice": _D,
    "EffectiveCost": _D, "InvoiceIssuerName": _S, "ListCost": _D, "ListUnitPrice": _D, "PricingCategory": _S,
    "PricingQuantity": _D, "PricingUnit": _S, "ProviderName": _S, "PublisherName": _S, "RegionId": _S,
    "RegionName": _S, "ResourceId": _S, "ResourceName": _S, "ResourceType": _S, "ServiceCategory": _S,
    "ServiceName": _S, "SkuId": _S, "SkuPriceId": _S, "SubAccountId": _S, "SubAccountName": _S, "Tags": _J,
}
# Azure's extension columns whose type is known; other x_ columns follow the unknown-column rule.
AZURE_EXTENSION_TYPES: dict[str, ColumnType] = {
    "x_BilledCostInUsd": _D, "x_EffectiveCostInUsd": _D, "x_OnDemandCostInUsd": _D, "x_BilledUnitPrice": _D,
    "x_EffectiveUnitPrice": _D, "x_BillingExchangeRate": _D, "x_BillingExchangeRateDate": _T,
    "x_PricingBlockSize": _D, "x_ResourceGroupName": _S, "x_SkuMeterCategory": _S, "x_SkuMeterName": _S,
    "x_SkuRegion": _S, "x_InvoiceId": _S, "x_PricingCurrency": _S, "x_AccountName": _S,
}
KNOWN_TYPES = {**FOCUS_1_0_TYPES, **AZURE_EXTENSION_TYPES}

PARTITION_COLUMN = "billing_period_start"
CLUSTERING_COLUMNS = ("charge_period_start",)
COST_COLUMN = "billed_cost"
PREVIEW_COLUMNS = ("charge_period_start", "charge_category", "service_name", "region_id", "billed_cost", "effective_cost")
REQUIRED_COLUMNS = ("BillingPeriodStart", "BilledCost")


def type_from_parquet(physical: str | None) -> ColumnType:
    if physical is None:
        return ColumnType.STRING
    upper = physical.upper()
    if upper.startswith(("DOUBLE", "FLOAT", "DECIMAL", "BIGINT", "INTEGER", "HUGEINT", "SMALLINT")):
        return ColumnType.DECIMAL
    if upper.startswith(("TIMESTAMP", "DATE")):
        return ColumnType.TIMESTAMP
    return ColumnType.STRING


def focus_columns(names: list[str], physical_types: dict[str, str] | None = None) -> tuple[Column, ...]:
    """Warehouse columns for the file's columns, in file order, typed by the spec map."""
    normalised = unique_names(snake_case(n) for n in names)
    columns = []
    for name, source in zip(normalised, names):
        column_type = KNOWN_TYPES.get(source)
        origin = "FOCUS 1.0" if source in FOCUS_1_0_TYPES else ("Azure extension" if source in AZURE_EXTENSION_TYPES else "not in the FOCUS map")
        if column_type is None:
            column_type = type_from_parquet((physical_types or {}).get(source))
        columns.append(Column(name=name, type=column_type, source_name=source, origin=f"{source} ({origin})"))
    return tuple(columns)
