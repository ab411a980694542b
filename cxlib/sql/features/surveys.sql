-- Per customer: survey answers and the mean NPS, CSAT and CES answer.
-- Input: feature_surveys, the answers with a customer_id given before each customer's
-- cutoff (grp: the group key, customer_id, responded_at, kind: 0 NPS, 1 CSAT, 2 CES, -1
-- another survey; score).
SELECT
    grp,
    COUNT(*) AS survey_count,
    AVG(CASE WHEN kind = 0 THEN score END) AS nps_mean,
    AVG(CASE WHEN kind = 1 THEN score END) AS csat_mean,
    AVG(CASE WHEN kind = 2 THEN score END) AS ces_mean
FROM feature_surveys
GROUP BY grp
