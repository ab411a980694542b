-- Distinct customers affected at any of the selected touchpoints (exits, loops, rework,
-- follow-up tickets, slow steps, negative answers, see customer_touchpoints.sql), the
-- monthly revenue at stake of those affected by more than a slow step (a customer affected
-- at several of them counts once), and how
-- many of them were affected only by a slow step (waited longer than the norm, see
-- step_norms.sql).
-- Inputs: journey_customer_touchpoints, journey_selected (touchpoint).
WITH hit AS (
    SELECT
        customer_id,
        MAX(value) AS value,
        MAX(CASE WHEN exited = 1 OR looped = 1 OR reworked = 1 OR followed_up = 1
            OR negative_answer = 1 THEN 1 ELSE 0 END) AS other
    FROM journey_customer_touchpoints
    WHERE affected = 1 AND touchpoint IN (SELECT touchpoint FROM journey_selected)
    GROUP BY customer_id
)
SELECT
    COUNT(*) AS customers,
    SUM(CASE WHEN other = 1 THEN value ELSE 0 END) AS revenue_at_risk,
    SUM(CASE WHEN other = 0 THEN 1 ELSE 0 END) AS slow_customers
FROM hit
