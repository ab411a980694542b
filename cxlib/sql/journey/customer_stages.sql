-- journey_customer_stages: one row per customer and stage reached, for the funnel.
-- Inputs: journey_events, journey_journeys, journey_stages.
-- first_t: first event in the stage; entry_channel: its channel; next_t: the first event of
-- any later stage after first_t (NULL = never progressed, see events.sql); dropped: the
-- customer's journey ended with an exit while this was the furthest stage reached.
SELECT
    e.customer_id,
    g.stage,
    e.stage_rank,
    e.t AS first_t,
    CAST(e.channel AS STRING) AS entry_channel,
    e.next_stage_t AS next_t,
    j.persona,
    CASE
        WHEN j.furthest_rank = e.stage_rank AND j.exit_kind IS NOT NULL THEN 1 ELSE 0
    END AS dropped
FROM journey_events AS e
JOIN journey_stages AS g ON g.stage_rank = e.stage_rank
JOIN journey_journeys AS j ON j.customer_id = e.customer_id
WHERE e.stage_entry = 1
