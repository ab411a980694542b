-- journey_customer_stages: one row per customer and stage reached, for the funnel.
-- Inputs: journey_events, journey_journeys.
-- first_t: first event in the stage; entry_channel: its channel; next_t: the first event of
-- any later stage after first_t (NULL = never progressed); dropped: the customer's journey
-- ended with an exit while this was the furthest stage reached.
-- The first later-stage event after an entry always directly follows an event of a lower
-- stage, so only such stage-up events are candidates for next_t.
WITH entry AS (
    SELECT customer_id, stage, stage_rank, t AS first_t, channel AS entry_channel
    FROM (
        SELECT
            customer_id, stage, stage_rank, t, channel,
            ROW_NUMBER() OVER (PARTITION BY customer_id, stage_rank ORDER BY t, seq) AS k
        FROM journey_events
    ) AS firsts
    WHERE k = 1
),
later AS (
    SELECT n.customer_id, n.stage_rank, MIN(e.t) AS next_t
    FROM entry AS n
    JOIN (
        SELECT customer_id, stage_rank, t
        FROM journey_events
        WHERE prev_rank IS NULL OR stage_rank > prev_rank
    ) AS e
        ON e.customer_id = n.customer_id AND e.stage_rank > n.stage_rank AND e.t >= n.first_t
    GROUP BY n.customer_id, n.stage_rank
)
SELECT
    n.customer_id,
    n.stage,
    n.stage_rank,
    n.first_t,
    n.entry_channel,
    l.next_t,
    j.persona,
    CASE
        WHEN j.furthest_rank = n.stage_rank AND j.exit_kind IS NOT NULL THEN 1 ELSE 0
    END AS dropped
FROM entry AS n
LEFT JOIN later AS l ON l.customer_id = n.customer_id AND l.stage_rank = n.stage_rank
JOIN journey_journeys AS j ON j.customer_id = n.customer_id
