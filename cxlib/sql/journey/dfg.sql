-- Directly-follows graph: how often touchpoint `target` is the next event after `source`
-- for the same customer (events ordered by timestamp, then source order).
-- Input: journey_events.
SELECT
    CAST(touchpoint AS STRING) AS source,
    CAST(next_touchpoint AS STRING) AS target,
    COUNT(*) AS count
FROM journey_events
WHERE next_touchpoint IS NOT NULL
GROUP BY touchpoint, next_touchpoint
