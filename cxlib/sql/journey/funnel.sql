-- The stage funnel: customers reaching each stage, progressing to a later stage, dropping
-- off, and the median hours from entering the stage to the first later-stage event;
-- overall, by persona and by the channel the customer entered the stage through.
-- Input: journey_customer_stages. split: 'all', 'persona' or 'channel'.
SELECT
    CASE
        WHEN GROUPING(persona) = 0 THEN 'persona'
        WHEN GROUPING(entry_channel) = 0 THEN 'channel'
        ELSE 'all'
    END AS split,
    CASE
        WHEN GROUPING(persona) = 0 THEN persona
        WHEN GROUPING(entry_channel) = 0 THEN entry_channel
    END AS grp,
    stage_rank,
    stage,
    COUNT(*) AS reached,
    SUM(CASE WHEN next_t IS NOT NULL THEN 1 ELSE 0 END) AS converted,
    SUM(dropped) AS dropped,
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY (next_t - first_t) / 3600.0)
        AS median_hours_to_next
FROM journey_customer_stages
GROUP BY GROUPING SETS (
    (stage_rank, stage), (stage_rank, stage, persona), (stage_rank, stage, entry_channel)
)
