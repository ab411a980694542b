-- journey_customer_touchpoints: one row per customer and touchpoint visited, with the
-- friction the customer met there.
-- Inputs: journey_visits (built with the loop and follow-up windows, see visits.sql),
--         journey_answers, journey_journeys, journey_stages.
-- exited: the customer's journey ended here with an exit (see journeys.sql); affected: the
-- customer exited, looped, was followed up by a ticket or answered negatively here.
WITH answered AS (  -- where the customer answered negatively
    SELECT DISTINCT customer_id, touchpoint
    FROM journey_answers
    WHERE customer_id IS NOT NULL AND negative = 1
),
named AS (
    SELECT
        p.customer_id,
        g.stage,
        p.stage_rank,
        CAST(p.touchpoint AS VARCHAR) AS touchpoint,
        p.visits,
        p.loop_visits,
        p.looped,
        p.followup_visits,
        p.followed_up,
        p.is_end
    FROM journey_visits AS p
    JOIN journey_stages AS g ON g.stage_rank = p.stage_rank
)
SELECT
    p.*,
    CASE WHEN a.customer_id IS NULL THEN 0 ELSE 1 END AS negative_answer,
    j.persona,
    j.exit_kind,
    j.value,
    CASE WHEN p.is_end = 1 AND j.exit_kind IS NOT NULL THEN 1 ELSE 0 END AS exited,
    CASE
        WHEN (p.is_end = 1 AND j.exit_kind IS NOT NULL) OR p.looped = 1 OR p.followed_up = 1
            OR a.customer_id IS NOT NULL THEN 1 ELSE 0
    END AS affected
FROM named AS p
LEFT JOIN answered AS a ON a.customer_id = p.customer_id AND a.touchpoint = p.touchpoint
JOIN journey_journeys AS j ON j.customer_id = p.customer_id
