-- journey_step_norms: the norm a step's waiting time is judged against -- the 75th
-- percentile of the seconds to the next step over comparable steps of the same stage:
-- steps whose next step stays in the stage (leaves = 0) and steps that lead to another
-- stage (leaves = 1) are judged apart, since a stage's last touchpoint waits for the next
-- stage by nature. A step slower than its norm is a slow step.
-- Input: journey_runs.
SELECT
    stage_rank,
    leaves,
    PERCENTILE_CONT(0.75) WITHIN GROUP (ORDER BY to_next_s) AS p75_s
FROM journey_runs
WHERE to_next_s IS NOT NULL
GROUP BY stage_rank, leaves
