{#- WARN: every span kept out of the performance facts, with its landing day and reason (stg_otel_spans header);
    the Dagster check's failure count is the number of quarantined spans. -#}
{{ config(severity='warn') }}
select landing_day, trace_id, span_id, quarantine_reason
from {{ ref('stg_otel_spans') }}
where quarantine_reason is not null
