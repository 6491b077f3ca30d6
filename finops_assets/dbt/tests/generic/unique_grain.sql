{#- The model has at most one row per combination of `columns` (its grain); the failing rows are the repeated
    combinations with how often each occurs. -#}
{% test unique_grain(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_at_grain
from {{ model }}
where {{ finops.in_run_months('billing_month') }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
