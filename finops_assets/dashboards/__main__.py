"""`python -m finops_assets.dashboards build [--out grafana/dashboards]`: write the Grafana dashboards' JSON from code.

The dataset names come from FINOPS_MART_DATASET / FINOPS_RAW_DATASET (settings.py); the committed JSON is
built with the defaults (`finops`, `billing_raw`), and a test fails when it differs from what the code builds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from finops_assets.dashboards.grafana import write_dashboards
from finops_assets.settings import load_settings

DASHBOARDS_DIR = Path(__file__).resolve().parents[2] / "grafana" / "dashboards"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m finops_assets.dashboards", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="write the dashboards' JSON")
    build.add_argument("--out", type=Path, default=DASHBOARDS_DIR, help=f"output folder (default: {DASHBOARDS_DIR})")
    args = parser.parse_args(argv)
    settings = load_settings()
    for path in write_dashboards(args.out, marts=settings.mart_dataset, raw=settings.raw_dataset):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
