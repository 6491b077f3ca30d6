{#- One row per UTC hour of every billing month present. Business hours: Monday-Friday 09:00-17:59 UTC.
    time_of_day: night 00-05, morning 06-11, afternoon 12-17, evening 18-23. shift (24x7 operations):
    day 06-13, swing 14-21, night 22-05. -#}
with bounds as (
    select min(BillingPeriodStart) as first_hour, max(BillingPeriodEnd) as end_hour
    from {{ finops.ref_or_empty('int_cost_focus', {'BillingPeriodStart': dbt.type_timestamp(), 'BillingPeriodEnd': dbt.type_timestamp()}) }}
),

spine as (
    {{ finops.hour_spine('(select first_hour from bounds)', '(select end_hour from bounds)') }}
),

parts as (
    select
        hour as hour_start,
        cast(hour as date) as date,
        cast(extract(hour from hour) as {{ dbt.type_int() }}) as hour_of_day,
        cast({{ finops.iso_day_of_week('hour') }} as {{ dbt.type_int() }}) as day_of_week
    from spine
)

select
    {{ finops.time_key('hour_start') }} as time_key,
    hour_start,
    date,
    hour_of_day as hour,
    day_of_week,
    cast({{ finops.iso_week('hour_start') }} as {{ dbt.type_int() }}) as week_of_year,
    cast(extract(month from hour_start) as {{ dbt.type_int() }}) as month,
    cast(extract(quarter from hour_start) as {{ dbt.type_int() }}) as quarter,
    cast(extract(year from hour_start) as {{ dbt.type_int() }}) as year,
    day_of_week >= 6 as is_weekend,
    day_of_week <= 5 and hour_of_day between 9 and 17 as is_business_hours,
    case
        when hour_of_day < 6 then 'night'
        when hour_of_day < 12 then 'morning'
        when hour_of_day < 18 then 'afternoon'
        else 'evening'
    end as time_of_day,
    case
        when hour_of_day between 6 and 13 then 'day'
        when hour_of_day between 14 and 21 then 'swing'
        else 'night'
    end as shift
from parts
