"""Find the per-month folders of an export without listing its objects.

Billing exports put each month in its own folder (`20250901-20251001/`, `invoice_month=202509/`) at a depth that
depends on the report's S3 prefix or the export's root folder. Walking folders only (one delimiter listing per
folder above the month level) finds them all cheaply; callers then list objects in just the months they need,
so a sensor tick stays bounded however many months of history the bucket holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from finops_assets.landing.storage import Landing

# A month folder's name -> its month, or None for any other folder.
FolderMonth = Callable[[str], "date | None"]


@dataclass(frozen=True)
class MonthFolder:
    key: str
    month: date


def find_month_folders(landing: Landing, prefix: str, folder_month: FolderMonth, max_depth: int = 4) -> list[MonthFolder]:
    """Month folders under `prefix`, searched at most `max_depth` levels deep; month folders are not entered."""
    found: list[MonthFolder] = []
    level = [prefix]
    for _ in range(max_depth):
        deeper = []
        for folder in level:
            for child in landing.list_folders(folder):
                month = folder_month(child.rsplit("/", 1)[-1])
                if month is None:
                    deeper.append(child)
                else:
                    found.append(MonthFolder(child, month))
        level = deeper
    return sorted(found, key=lambda f: (f.month, f.key))
