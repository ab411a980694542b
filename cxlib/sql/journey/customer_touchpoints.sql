-- journey_customer_touchpoints: one row per customer and touchpoint visited, with the
-- friction the customer met there.
-- Inputs: journey_visits (built with the loop, rework and follow-up windows and the step
--         norms, see visits.sql), journey_answers, journey_journeys, journey_stages.
-- exited: the customer's journey ended here with an exit -- abandonment or churn, not an
-- outcome named in the config (see journeys.sql); affected: the customer exited, looped,
-- reworked, was followed up by a ticket, waited longer than the norm for the next step
-- (slowed) or answered negatively here.
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
        CAST(p.touchpoint AS STRING) AS touchpoint,
        p.visits,
        p.loop_visits,
        p.looped,
        p.rework_visits,
        p.reworked,
        p.followup_visits,
        p.followed_up,
        p.slow_steps,
        p.slowed,
        p.is_end
    FROM journey_visits AS p
    JOIN journey_stages AS g ON g.stage_rank = p.stage_rank
),
marked AS (
    SELECT
        p.*,
        CASE WHEN a.customer_id IS NULL THEN 0 ELSE 1 END AS negative_answer,
        j.persona,
        j.exit_kind,
        j.value,
        CASE
            WHEN p.is_end = 1 AND j.exit_kind IN ('abandonment', 'churn') THEN 1 ELSE 0
        END AS exited
    FROM named AS p
    LEFT JOIN answered AS a ON a.customer_id = p.customer_id AND a.touchpoint = p.touchpoint
    JOIN journey_journeys AS j ON j.customer_id = p.customer_id
)
SELECT
    marked.*,
    CASE
        WHEN exited = 1 OR looped = 1 OR reworked = 1 OR followed_up = 1 OR slowed = 1
            OR negative_answer = 1 THEN 1 ELSE 0
    END AS affected
FROM marked
