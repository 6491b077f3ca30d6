{#- No span counted twice in fact_performance_requests. -#}
select trace_id, span_id, count(*) as copies
from {{ ref('fact_performance_requests') }}
group by trace_id, span_id
having count(*) > 1
