-- Per customer: order count, total and mean amount, last order time.
-- Input: feature_orders, the orders before each customer's cutoff (grp: the group key,
-- customer_id, ordered_at, amount; cxlib.features.aggregates prepares it).
SELECT
    grp,
    COUNT(*) AS order_count,
    COALESCE(SUM(amount), 0) AS order_total,
    AVG(amount) AS avg_order_value,
    MAX(ordered_at) AS last_order
FROM feature_orders
GROUP BY grp
