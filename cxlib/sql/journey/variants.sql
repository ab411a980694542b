-- Journey variants: each customer's sequence of steps (consecutive repeats of a
-- touchpoint collapsed), cut after :max_steps steps, and how many customers share it.
-- Input: journey_runs.
WITH paths AS (
    SELECT
        customer_id,
        -- No standard form implemented widely: SQL:2016 has
        -- LISTAGG(touchpoint, ' > ') WITHIN GROUP (ORDER BY run_no), which DuckDB lacks and
        -- Spark spells otherwise: an engine snippet (cxlib/engine/dialect.py).
        cx_ordered_join(CAST(touchpoint AS STRING), ' > ', run_no) AS variant,
        COUNT(*) AS steps
    FROM journey_runs
    WHERE run_no <= :max_steps
    GROUP BY customer_id
)
SELECT variant, steps, COUNT(*) AS customers
FROM paths
GROUP BY variant, steps
