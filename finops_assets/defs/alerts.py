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

# Evaluations read per tick; a burst beyond this is picked up by the following ticks.
CHECK_BATCH = 500


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


def build_alert_sensors(settings: Settings) -> list[dg.SensorDefinition]:
    @dg.sensor(
        name="asset_check_failure_alerts",
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="One notification per failed ERROR-severity asset check (Slack, webhook or log; see README).",
    )
    def asset_check_failure_alerts(context: dg.SensorEvaluationContext) -> dg.SkipReason | None:
        instance = context.instance
        event_filter = dg.EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION)
        if context.cursor is None:
            # First tick: start from now, so enabling the sensor does not replay every failure in history.
            latest = instance.get_event_records(event_filter, limit=1, ascending=False)
            context.update_cursor(str(latest[0].storage_id if latest else 0))
            return dg.SkipReason("started watching asset check evaluations")
        records = instance.get_event_records(
            dg.EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION, after_cursor=int(context.cursor)),
            limit=CHECK_BATCH,
            ascending=True,
        )
        notifier = choose_notifier(settings, context.log)
        sent = 0
        for record in records:
            evaluation = record.event_log_entry.dagster_event.event_specific_data
            run = instance.get_run_by_id(record.run_id)
            alert = check_failure_alert(evaluation, record.run_id, run_partition(dict(run.tags)) if run else None)
            if alert:
                notifier.send(alert)
                sent += 1
            context.update_cursor(str(record.storage_id))
        return None if sent else dg.SkipReason(f"{len(records)} new check evaluations, none failed with ERROR severity")

    @dg.run_failure_sensor(
        name="run_failure_alerts",
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="One notification per failed run, naming its assets and partition.",
    )
    def run_failure_alerts(context: dg.RunFailureSensorContext) -> None:
        run = context.dagster_run
        assets = sorted(key.to_user_string() for key in (run.asset_selection or []))
        choose_notifier(settings, context.log).send(
            Alert(
                kind="run failed",
                asset=", ".join(assets) or run.job_name,
                partition=run_partition(dict(run.tags)),
                check=None,
                description=context.failure_event.message or "run failed",
                run_id=run.run_id,
            )
        )

    return [asset_check_failure_alerts, run_failure_alerts]
