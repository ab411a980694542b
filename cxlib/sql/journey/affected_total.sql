-- Distinct customers affected at any of the selected touchpoints, their monthly revenue at
-- stake (a customer affected at several of them counts once), and the customers who, on
-- top of those, had a slow step there (waited longer than the norm, see step_norms.sql).
-- Inputs: journey_customer_touchpoints, journey_runs, journey_step_norms,
--         journey_selected (touchpoint).
WITH hit AS (
    SELECT customer_id, MAX(value) AS value
    FROM journey_customer_touchpoints
    WHERE affected = 1 AND touchpoint IN (SELECT touchpoint FROM journey_selected)
    GROUP BY customer_id
),
slow AS (
    SELECT DISTINCT r.customer_id
    FROM journey_runs AS r
    JOIN journey_step_norms AS n ON n.stage_rank = r.stage_rank AND n.leaves = r.leaves
    WHERE r.to_next_s > n.p75_s
        AND CAST(r.touchpoint AS VARCHAR) IN (SELECT touchpoint FROM journey_selected)
)
SELECT
    (SELECT COUNT(*) FROM hit) AS customers,
    (SELECT SUM(value) FROM hit) AS revenue_at_risk,
    (SELECT COUNT(*) FROM slow WHERE customer_id NOT IN (SELECT customer_id FROM hit))
        AS slow_customers
