"""Writes small GCP billing export stand-ins (NDJSON with the export's nested shape) for tests."""

from __future__ import annotations

import gzip
import json
from datetime import date
from decimal import Decimal
from pathlib import Path


def gcp_rows(month: date, count: int, salt: str = "") -> list[dict]:
    costs = [0.1, 1.012e-05, 12.3456789012, 0.0, -0.5, 3.0]
    rows = []
    for i in range(count):
        rows.append({
            "billing_account_id": "0000AA-BBBBBB-CCCCCC",
            "service": {"id": "6F81-5844-456A", "description": "Compute Engine"},
            "sku": {"id": f"SKU-{i % 3}", "description": "N2 Instance Core running in Americas"},
            "usage_start_time": f"{month:%Y-%m}-{1 + i % 28:02d} {i % 24:02d}:00:00+00:00",
            "usage_end_time": f"{month:%Y-%m}-{1 + i % 28:02d} {i % 24:02d}:59:59+00:00",
            "project": {"id": f"proj-{salt}{i % 2}", "number": "1234", "name": "demo", "labels": [{"key": "team", "value": "search"}], "ancestry_numbers": "/1/2/"},
            "labels": [{"key": "environment", "value": "production"}, {"key": "service", "value": "search-service"}] if i % 2 else [],
            "system_labels": [{"key": "compute.googleapis.com/machine_spec", "value": "n2-standard-4"}],
            "location": {"location": "us-central1", "country": "US", "region": "us-central1", "zone": "us-central1-a"},
            "resource": {"name": f"vm-{i}", "global_name": f"//compute.googleapis.com/projects/demo/zones/us-central1-a/instances/vm-{i}"},
            "export_time": f"{month:%Y-%m}-28 12:00:00+00:00",
            "cost": costs[i % len(costs)],
            "currency": "USD",
            "currency_conversion_rate": 1.0,
            "usage": {"amount": 3600.0, "unit": "seconds", "amount_in_pricing_units": 1.0, "pricing_unit": "hour"},
            "credits": [{"name": "Sustained use discount", "amount": -1.1e-05, "full_name": None, "id": "x", "type": "SUSTAINED_USAGE_DISCOUNT"}] if i % 3 == 0 else [],
            "invoice": {"month": f"{month:%Y%m}", "publisher_type": None},
            "cost_type": "regular",
            "price": {"effective_price": 0.0316, "tier_start_amount": 0, "unit": "hour", "pricing_unit_quantity": 1},
        })
    return rows


def write_gcp_month(root: Path, month: date, rows: list[dict], *, parts: int = 2, gz: bool = True,
                    prefix: str = "gcp_billing") -> list[Path]:
    folder = root / prefix / f"invoice_month={month:%Y%m}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for part in range(parts):
        text = "".join(json.dumps(r) + "\n" for r in rows[part::parts])
        path = folder / f"export-{part:03d}.jsonl{'.gz' if gz else ''}"
        path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
        paths.append(path)
    return paths


def exact_sums(paths: list[Path]) -> tuple[Decimal, Decimal, int]:
    """(sum of cost, sum of credits.amount, rows) read from the files' text as exact decimals."""
    cost, credits, count = Decimal(0), Decimal(0), 0
    for path in paths:
        data = path.read_bytes()
        text = gzip.decompress(data).decode() if path.name.endswith(".gz") else data.decode()
        for line in text.splitlines():
            row = json.loads(line, parse_float=Decimal)
            cost += Decimal(row["cost"])
            credits += sum((Decimal(c["amount"]) for c in row["credits"]), Decimal(0))
            count += 1
    return cost, credits, count
