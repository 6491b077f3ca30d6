{#- User segments of requests: the `app.user_segment` span attribute (old: `user.segment`), lower case; requests
    without one are 'unknown'. user_segment_key = md5(user_segment). -#}
select
    {{ finops.surrogate_key(['user_segment']) }} as user_segment_key,
    user_segment,
    user_segment = 'unknown' as is_unknown
from {{ finops.span_keys() }}
where user_segment is not null
group by user_segment
