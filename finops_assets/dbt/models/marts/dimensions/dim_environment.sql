{#- Environments in one vocabulary (macros/facts.sql environment_name): production, staging, development,
    test, other tag values as written (lower case), 'untagged'. -#}
select
    environment_key,
    environment_name,
    environment_name = 'production' as is_production,
    count(*) as line_items
from {{ ref('int_cost_keyed') }}
group by environment_key, environment_name
