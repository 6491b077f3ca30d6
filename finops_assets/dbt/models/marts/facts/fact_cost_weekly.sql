{{ config(**finops.monthly_config()) }}
{#- ISO weeks (Monday start). -#}
{{ finops.cost_rollup(finops.iso_week_start('date'), 'week_start') }}
