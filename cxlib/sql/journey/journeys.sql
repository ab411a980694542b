-- journey_journeys: one row per customer -- where the journey ended and whether that end
-- is an exit.
-- Inputs: journey_events, journey_stages, journey_customers (customer_id, churned,
--         monthly_revenue), journey_personas (customer_id, persona).
-- Parameters: :purchase_rank -- rank of the purchase stage (stages up to it are "before
-- purchase"; without a purchase stage, the rank before the final stage, so that reaching
-- the final stage completes the journey).
-- Exit rule: the journey ends at the customer's last event. Before purchase (the customer
-- never reached a stage after the purchase stage) every end is an exit ('abandonment');
-- after purchase only a churned customer's end is an exit ('churn') -- a retained
-- customer's last event is not a drop-off.
-- value: the monthly revenue at stake -- the customer's own, or for a customer who never
-- bought (no revenue, never past the purchase stage) the mean of paying customers.
SELECT
    e.customer_id,
    CAST(e.touchpoint AS VARCHAR) AS last_touchpoint,
    g.stage AS last_stage,
    e.stage_rank AS last_rank,
    e.furthest_rank,
    e.n_events,
    c.churned,
    c.monthly_revenue,
    p.persona,
    CASE
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
WHERE e.step = e.n_events
