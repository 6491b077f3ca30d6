{#- HTTP endpoints per service from server spans: (service, method, route); route = http.route (old: http.target),
    else the span name; method '(none)' for non-HTTP servers. endpoint_key = md5(service_name|method|route). -#}
{#- Rebuilt with the other dimensions, after every month of cost too (depends_on): its relationships test reads
    dim_service, which a cost month rebuilds, and needs this table to exist (empty without OTel). #}
-- depends_on: {{ ref('fact_cost_daily') }}
select
    {{ finops.surrogate_key(['service_name', 'http_request_method', 'http_route']) }} as endpoint_key,
    {{ finops.surrogate_key(['service_name']) }} as service_key,
    service_name,
    http_request_method,
    http_route,
    concat(http_request_method, ' ', http_route) as endpoint_name,
    min(first_seen_at) as first_seen_at,
    max(last_seen_at) as last_seen_at
from {{ finops.span_keys() }}
where http_route is not null
group by service_name, http_request_method, http_route
