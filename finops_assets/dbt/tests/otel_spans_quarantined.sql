{#- WARN: spans kept out of the performance facts, one row per (landing day, reason) with its count; the check's
    failure count in Dagster is the number of (day, reason) groups, the rows say how many spans. -#}
{{ config(severity='warn') }}
select landing_day, quarantine_reason, count(*) as spans
from {{ ref('stg_otel_spans') }}
where quarantine_reason is not null
group by landing_day, quarantine_reason
