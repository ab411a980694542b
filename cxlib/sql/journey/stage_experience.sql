-- Mean experience score (CES and CSAT answers rescaled to 0-100) per stage, overall and per
-- persona; a touchpoint belongs to the stage its events are recorded in.
-- Inputs: journey_answers, journey_events, journey_personas.
WITH tp_stage AS (
    SELECT CAST(touchpoint AS STRING) AS touchpoint, MIN(stage_rank) AS stage_rank
    FROM journey_events
    GROUP BY touchpoint
)
SELECT
    CASE WHEN GROUPING(p.persona) = 0 THEN 'persona' ELSE 'all' END AS split,
    p.persona AS grp,
    s.stage_rank,
    COUNT(a.experience) AS answers,
    AVG(a.experience) AS experience
FROM journey_answers AS a
JOIN tp_stage AS s ON s.touchpoint = a.touchpoint
LEFT JOIN journey_personas AS p ON p.customer_id = a.customer_id
WHERE a.experience IS NOT NULL
GROUP BY GROUPING SETS ((s.stage_rank), (s.stage_rank, p.persona))
