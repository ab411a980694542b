-- journey_customer_touchpoints: one row per customer and touchpoint visited, with the
-- friction the customer met there.
-- Inputs: journey_events, journey_tickets, journey_answers, journey_journeys.
-- Parameters: :loop_window_s -- a visit loops when the customer's previous visit to the
-- same touchpoint was at most this many seconds earlier (daily log-ins do not loop);
-- :followup_s -- a visit is followed up when the customer opens a support ticket at most
-- this many seconds later (failure demand).
-- The next ticket after each event comes from one ordered pass over events and tickets
-- together (a window MIN over the rows that follow), not from a join of every event with
-- every ticket of its customer.
-- exited: the customer's journey ended here with an exit (see journeys.sql); affected: the
-- customer exited, looped, was followed up by a ticket or answered negatively here.
WITH stream AS (
    SELECT customer_id, t, 0 AS kind, seq, stage, stage_rank, touchpoint, prev_same_t,
           step, n_events
    FROM journey_events
    UNION ALL
    SELECT customer_id, t, 1 AS kind, 0 AS seq, NULL, NULL, NULL, NULL, NULL, NULL
    FROM journey_tickets
),
timed AS (
    SELECT
        stream.*,
        MIN(CASE WHEN kind = 1 THEN t END) OVER (
            PARTITION BY customer_id ORDER BY t, kind, seq
            ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING
        ) AS next_ticket_t
    FROM stream
),
visits AS (
    SELECT
        customer_id, stage, stage_rank, touchpoint,
        CASE WHEN t - prev_same_t <= :loop_window_s THEN 1 ELSE 0 END AS loop_visit,
        CASE WHEN next_ticket_t - t <= :followup_s THEN 1 ELSE 0 END AS followup_visit,
        CASE WHEN step = n_events THEN 1 ELSE 0 END AS is_end
    FROM timed
    WHERE kind = 0
),
answered AS (
    SELECT customer_id, touchpoint, MAX(negative) AS negative_answer
    FROM journey_answers
    WHERE customer_id IS NOT NULL
    GROUP BY customer_id, touchpoint
),
per_touchpoint AS (
    SELECT
        v.customer_id,
        v.stage,
        v.stage_rank,
        v.touchpoint,
        COUNT(*) AS visits,
        SUM(v.loop_visit) AS loop_visits,
        MAX(v.loop_visit) AS looped,
        SUM(v.followup_visit) AS followup_visits,
        MAX(v.followup_visit) AS followed_up,
        MAX(v.is_end) AS is_end,
        MAX(COALESCE(a.negative_answer, 0)) AS negative_answer
    FROM visits AS v
    LEFT JOIN answered AS a ON a.customer_id = v.customer_id AND a.touchpoint = v.touchpoint
    GROUP BY v.customer_id, v.stage, v.stage_rank, v.touchpoint
)
SELECT
    p.*,
    j.persona,
    j.exit_kind,
    j.value,
    CASE WHEN p.is_end = 1 AND j.exit_kind IS NOT NULL THEN 1 ELSE 0 END AS exited,
    CASE
        WHEN (p.is_end = 1 AND j.exit_kind IS NOT NULL) OR p.looped = 1 OR p.followed_up = 1
            OR p.negative_answer = 1 THEN 1 ELSE 0
    END AS affected
FROM per_touchpoint AS p
JOIN journey_journeys AS j ON j.customer_id = p.customer_id
