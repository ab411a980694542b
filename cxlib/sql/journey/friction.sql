-- Touchpoint friction counts: per touchpoint, and per persona and touchpoint.
-- Input: journey_customer_touchpoints.
-- exits: customers whose journey ended here with an exit (abandonment or churn, see
-- journeys.sql); loop/rework/followup/slow customers: customers who met that friction here;
-- affected: customers who met any of it or answered negatively here; revenue_at_risk: the
-- monthly revenue at stake of the customers who exited, looped, reworked, were followed up
-- or answered negatively (a slow step alone counts as affected, not as revenue at risk:
-- a quarter of all steps are slow by definition).
SELECT
    CASE WHEN GROUPING(persona) = 0 THEN 'persona' ELSE 'all' END AS split,
    persona AS grp,
    stage_rank,
    stage,
    touchpoint,
    SUM(visits) AS visits,
    COUNT(*) AS customers,
    SUM(exited) AS exits,
    SUM(CASE WHEN exited = 1 AND exit_kind = 'abandonment' THEN 1 ELSE 0 END) AS abandonment_exits,
    SUM(CASE WHEN exited = 1 AND exit_kind = 'churn' THEN 1 ELSE 0 END) AS churn_exits,
    SUM(CASE WHEN is_end = 1 AND exit_kind = 'outcome' THEN 1 ELSE 0 END) AS outcome_ends,
    SUM(looped) AS loop_customers,
    SUM(loop_visits) AS loop_visits,
    SUM(reworked) AS rework_customers,
    SUM(rework_visits) AS rework_visits,
    SUM(followed_up) AS followup_customers,
    SUM(followup_visits) AS followup_visits,
    SUM(slowed) AS slow_customers,
    SUM(negative_answer) AS negative_customers,
    SUM(affected) AS customers_affected,
    SUM(CASE WHEN exited = 1 OR looped = 1 OR reworked = 1 OR followed_up = 1
        OR negative_answer = 1 THEN value ELSE 0 END) AS revenue_at_risk
FROM journey_customer_touchpoints
GROUP BY GROUPING SETS ((stage_rank, stage, touchpoint), (stage_rank, stage, touchpoint, persona))
