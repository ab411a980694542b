-- Journey variants: each customer's sequence of steps (consecutive repeats of a
-- touchpoint collapsed), cut after :max_steps steps, and how many customers share it.
-- Input: journey_runs.
WITH paths AS (
    SELECT
        customer_id,
        -- No standard form implemented widely: SQL:2016 has
        -- LISTAGG(touchpoint, ' > ') WITHIN GROUP (ORDER BY run_no), which DuckDB lacks;
        -- DuckDB/PostgreSQL: string_agg(x, sep ORDER BY k); Spark SQL 4: listagg / string_agg.
        string_agg(CAST(touchpoint AS VARCHAR), ' > ' ORDER BY run_no) AS variant,
        COUNT(*) AS steps
    FROM journey_runs
    WHERE run_no <= :max_steps
    GROUP BY customer_id
)
SELECT variant, steps, COUNT(*) AS customers
FROM paths
GROUP BY variant, steps
