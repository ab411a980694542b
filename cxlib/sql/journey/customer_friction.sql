-- customer_friction: the customers who met friction at the selected touchpoints, one row
-- per customer and touchpoint, with what they met there (see customer_touchpoints.sql):
-- the CX action plan sizes each friction point by these customers.
-- Inputs: journey_customer_touchpoints, journey_selected (touchpoint).
SELECT
    customer_id,
    touchpoint,
    stage,
    exited,
    looped,
    reworked,
    followed_up,
    slowed,
    negative_answer
FROM journey_customer_touchpoints
WHERE affected = 1 AND touchpoint IN (SELECT touchpoint FROM journey_selected)
ORDER BY touchpoint, customer_id
