-- Customers with a journey, overall and per persona, and how their journeys ended.
-- Input: journey_journeys.
SELECT
    CASE WHEN GROUPING(persona) = 0 THEN 'persona' ELSE 'all' END AS split,
    persona AS grp,
    COUNT(*) AS customers,
    SUM(CASE WHEN exit_kind = 'abandonment' THEN 1 ELSE 0 END) AS abandonment_exits,
    SUM(CASE WHEN exit_kind = 'churn' THEN 1 ELSE 0 END) AS churn_exits
FROM journey_journeys
GROUP BY GROUPING SETS ((), (persona))
