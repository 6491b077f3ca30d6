"""Declarative automation: dbt models rebuild by themselves after their upstream billing months land.

The condition is eager in spirit ("run when a dependency updated, never while it is still running") with two
deliberate differences from `AutomationCondition.eager()`:
- every month counts, not only the latest time window: AWS restates a closed month for weeks and Azure re-exports
  the previous month, and a restated September must rebuild September's facts;
- a missing upstream month does not block: a month may lack a cloud (one added later, a source not configured)
  and the models union whatever clouds the month has.
Whole-table models (dimensions) follow the monthly models only: a month's run updates them, and the next evaluation
rebuilds the dimensions once, after the months' models, never beside them (a seed update alone does not trigger
them: on a fresh warehouse the monthly tables they read do not exist yet).
Months with nothing new upstream are never rebuilt, so turning it on does not backfill history (use a backfill).
The day-partitioned performance facts follow their days once the day's spans are loaded (a month of cost
landing recomputes the cost per request of the days that have spans, never of days without any).
Seeds have no upstream: they are built when missing (a fresh warehouse), once; a failed seed waits for a person.
The default automation-condition sensor evaluates both; it is part of `defs` and on by default.
"""

from __future__ import annotations

import dagster as dg

AUTOMATION_SENSOR_NAME = "default_automation_condition_sensor"


def upstream_landed() -> dg.AutomationCondition:
    return (
        dg.AutomationCondition.any_deps_updated().since_last_handled()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
    ).with_label("upstream month landed")


def spans_and_cost_landed() -> dg.AutomationCondition:
    """The day-partitioned performance facts: like `upstream_landed`, but only for days whose spans are loaded (no
    upstream partition missing): a month of cost landing must not request days that have no traffic data."""
    return (upstream_landed() & ~dg.AutomationCondition.any_deps_missing()).with_label("spans and cost of the day landed")


def after_monthly_models(monthly: dg.AssetSelection) -> dg.AutomationCondition:
    return (
        dg.AutomationCondition.any_deps_updated().allow(monthly).since_last_handled()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
    ).with_label("monthly models rebuilt")


def seed_missing() -> dg.AutomationCondition:
    return (
        dg.AutomationCondition.missing() & ~dg.AutomationCondition.in_progress() & ~dg.AutomationCondition.execution_failed()
    ).with_label("seed missing")


def build_automation_sensor() -> dg.AutomationConditionSensorDefinition:
    return dg.AutomationConditionSensorDefinition(
        AUTOMATION_SENSOR_NAME,
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Evaluates the assets' automation conditions (dbt models after their upstream months land).",
    )
