-- journey_journeys: one row per customer -- where the journey ended, the outcome it
-- reached and whether that end is an exit.
-- Inputs: journey_events, journey_stages, journey_customers (customer_id, churned,
--         monthly_revenue), journey_personas (customer_id, persona), journey_outcomes
--         (touchpoint, outcome, is_goal: the config's outcome events).
-- Parameters: :purchase_rank -- rank of the purchase stage (stages up to it are "before
-- purchase"; without a purchase stage, the rank before the final stage, so that reaching
-- the final stage completes the journey; with a goal and no purchase stage, the final
-- stage's rank: only the goal completes it).
-- Exit rule: the journey ends at the customer's last event. A journey that reached a goal
-- outcome is complete; one that reached another outcome (a decision such as "declined")
-- ended naturally: exit_kind 'outcome', shown in the funnel, not counted as abandonment.
-- Otherwise, before purchase (the customer never reached a stage after the purchase stage)
-- every end is an exit ('abandonment'); after purchase only a churned customer's end is an
-- exit ('churn') -- a retained customer's last event is not a drop-off.
-- value: the monthly revenue at stake -- the customer's own, or for a customer who never
-- bought (no revenue, never past the purchase stage) the mean of paying customers.
WITH reached AS (
    SELECT
        e.customer_id,
        o.outcome,
        o.is_goal,
        ROW_NUMBER() OVER (
            PARTITION BY e.customer_id ORDER BY o.is_goal DESC, e.step DESC
        ) AS pick
    FROM journey_events AS e
    JOIN journey_outcomes AS o ON o.touchpoint = CAST(e.touchpoint AS STRING)
),
outcome AS (
    SELECT customer_id, outcome, is_goal FROM reached WHERE pick = 1
)
SELECT
    e.customer_id,
    CAST(e.touchpoint AS STRING) AS last_touchpoint,
    g.stage AS last_stage,
    e.stage_rank AS last_rank,
    e.furthest_rank,
    e.n_events,
    c.churned,
    c.monthly_revenue,
    p.persona,
    o.outcome,
    CASE
        WHEN o.is_goal = 1 THEN NULL
        WHEN o.outcome IS NOT NULL THEN 'outcome'
        WHEN e.furthest_rank <= :purchase_rank THEN 'abandonment'
        WHEN c.churned THEN 'churn'
    END AS exit_kind,
    CASE
        WHEN e.furthest_rank <= :purchase_rank AND COALESCE(c.monthly_revenue, 0) = 0
            THEN (SELECT AVG(monthly_revenue) FROM journey_customers WHERE monthly_revenue > 0)
        ELSE c.monthly_revenue
    END AS value
FROM journey_events AS e
JOIN journey_stages AS g ON g.stage_rank = e.stage_rank
LEFT JOIN journey_customers AS c ON c.customer_id = e.customer_id
LEFT JOIN journey_personas AS p ON p.customer_id = e.customer_id
LEFT JOIN outcome AS o ON o.customer_id = e.customer_id
WHERE e.step = e.n_events
