"""Dimension values shared by every cloud's demo data, so the unified facts line up across clouds."""

from __future__ import annotations

from datetime import date

ENVIRONMENTS = ["production", "staging", "development"]
TEAMS = ["platform", "checkout", "search", "data", "ml"]
APP_SERVICES = ["api-gateway", "checkout-service", "search-service", "recommendation-service", "llm-gateway"]
COST_CENTERS = ["CC-100", "CC-200", "CC-300"]
# Who an LLM call was made for, tagged on the LLM line items of every cloud (customer_id / project_id tags).
CUSTOMERS = ["cust-acme", "cust-globex", "cust-initech", "cust-umbrella"]
LLM_PROJECTS = ["support-assistant", "doc-search", "code-review"]


def month_range(end_month: date, months: int) -> list[date]:
    """`months` consecutive month starts ending with `end_month`, oldest first."""
    end = end_month.replace(day=1)
    index = end.year * 12 + end.month - 1
    return [date((i // 12), i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def decimal_text(numerator_sql: str, scale: int) -> str:
    """SQL for the exact fixed-point text of an integer / 10^scale (no float on the way)."""
    return (
        f"(({numerator_sql}) // {10**scale})::VARCHAR || '.' || lpad((({numerator_sql}) % {10**scale})::VARCHAR, {scale}, '0')"
    )
