"""Alerts: failed runs and failed ERROR-severity asset checks become notifications.

Where they go is configuration (settings): Slack through dagster-slack when FINOPS_SLACK_TOKEN and
FINOPS_SLACK_CHANNEL are set, else a JSON POST to FINOPS_ALERT_WEBHOOK_URL (Slack-compatible `text` field plus
the structured fields), else only the sensor's log. Each notification names the asset, the partition, the check
and the description. A notification that cannot be delivered fails the tick, so the cursor does not move and
the next tick retries it. Dagster+ users can use `alert_policies.yaml` instead (the same two policies).
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import asdict, dataclass
from typing import Protocol

import dagster as dg
from dagster._core.events import DagsterEventType
from dagster_slack import SlackResource

from finops_assets.settings import Settings

@dataclass(frozen=True)
class Alert:
    kind: str  # "asset check failed" | "run failed"
    asset: str
    partition: str | None
    check: str | None
    description: str
    run_id: str

    def text(self) -> str:
        where = f"{self.asset}" + (f" [{self.partition}]" if self.partition else "")
        what = f" check {self.check}" if self.check else ""
        return f"finops: {self.kind}: {where}{what}: {self.description} (run {self.run_id})"


class Notifier(Protocol):
    def send(self, alert: Alert) -> None: ...


@dataclass(frozen=True)
class SlackNotifier:
    slack: SlackResource
    channel: str

    def send(self, alert: Alert) -> None:
        self.slack.get_client().chat_postMessage(channel=self.channel, text=alert.text())


@dataclass(frozen=True)
class WebhookNotifier:
    url: str
    timeout_seconds: float = 10.0

    def send(self, alert: Alert) -> None:
        body = json.dumps({"text": alert.text(), **asdict(alert)}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # raises on 4xx/5xx
            response.read()


@dataclass(frozen=True)
class LogNotifier:
    log: dg.DagsterLogManager

    def send(self, alert: Alert) -> None:
        self.log.error(alert.text())


def choose_notifier(settings: Settings, log: dg.DagsterLogManager) -> Notifier:
    if settings.slack_token and settings.slack_channel:
        return SlackNotifier(SlackResource(token=settings.slack_token), settings.slack_channel)
    if settings.alert_webhook_url:
        return WebhookNotifier(settings.alert_webhook_url)
    return LogNotifier(log)


def check_failure_alert(evaluation: dg.AssetCheckEvaluation, run_id: str, run_partition: str | None) -> Alert | None:
    """An alert for a failed ERROR-severity check; None for passed checks and warnings."""
    if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
        return None
    return Alert(
        kind="asset check failed",
        asset=evaluation.asset_key.to_user_string(),
        partition=evaluation.partition or run_partition,
        check=evaluation.check_name,
        description=evaluation.description or "failed",
        run_id=run_id,
    )


def run_partition(tags: dict[str, str]) -> str | None:
    if "dagster/partition" in tags:
        return tags["dagster/partition"]
    start, end = tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")
    return f"{start}...{end}" if start and end else None


def check_alerts_for_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> list[Alert]:
    """One alert per failed ERROR-severity check evaluation of a finished run."""
    records = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION).records
    partition = run_partition(dict(run.tags))
    alerts = (check_failure_alert(r.event_log_entry.dagster_event.event_specific_data, run.run_id, partition) for r in records)
    return [alert for alert in alerts if alert]


def run_assets(instance: dg.DagsterInstance, run: dg.DagsterRun) -> list[str]:
    """The assets a run was to materialize (its selection, or the planned materializations of a whole-job run)."""
    if run.asset_selection:
        return sorted(key.to_user_string() for key in run.asset_selection)
    planned = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION_PLANNED).records
    return sorted({r.event_log_entry.dagster_event.asset_key.to_user_string() for r in planned})


def step_errors(instance: dg.DagsterInstance, run: dg.DagsterRun) -> list[str]:
    """The root cause of each failed step (Dagster wraps it in "Error occurred while executing op ...")."""
    messages = []
    for record in instance.get_records_for_run(run.run_id, of_type=DagsterEventType.STEP_FAILURE).records:
        error = record.event_log_entry.dagster_event.event_specific_data.error
        while error.cause is not None:
            error = error.cause
        messages.append(error.message.strip())
    return messages


def build_alert_sensors(settings: Settings) -> list[dg.SensorDefinition]:
    # Checks are read per finished run (the run-status sensors keep their own cursor and start from "now", so
    # enabling them does not replay history). A blocking ERROR check fails its run: both sensors look at checks.
    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        name="asset_check_failure_alerts",
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="One notification per failed ERROR-severity asset check of a successful run (Slack, webhook or log).",
    )
    def asset_check_failure_alerts(context: dg.RunStatusSensorContext) -> dg.SkipReason | None:
        alerts = check_alerts_for_run(context.instance, context.dagster_run)
        notifier = choose_notifier(settings, context.log)
        for alert in alerts:
            notifier.send(alert)
        return None if alerts else dg.SkipReason(f"run {context.dagster_run.run_id}: no failed ERROR check")

    @dg.run_failure_sensor(
        name="run_failure_alerts",
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="One notification per failed run (its assets and partition) and per failed ERROR check in it.",
    )
    def run_failure_alerts(context: dg.RunFailureSensorContext) -> None:
        run = context.dagster_run
        errors = step_errors(context.instance, run)
        notifier = choose_notifier(settings, context.log)
        notifier.send(
            Alert(
                kind="run failed",
                asset=", ".join(run_assets(context.instance, run)) or run.job_name,
                partition=run_partition(dict(run.tags)),
                check=None,
                description=" | ".join(errors) or context.failure_event.message or "run failed",
                run_id=run.run_id,
            )
        )
        for alert in check_alerts_for_run(context.instance, run):
            notifier.send(alert)

    return [asset_check_failure_alerts, run_failure_alerts]
