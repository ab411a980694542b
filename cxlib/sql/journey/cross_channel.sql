-- Repeat contacts: for each support ticket, the customer's next ticket; a repeat when it
-- opens at most :repeat_s seconds later, cross-channel when it comes through another
-- channel ("the customer had to come back on another channel").
-- Input: journey_tickets.
WITH nxt AS (
    SELECT
        customer_id,
        t,
        channel,
        LEAD(t) OVER w AS next_t,
        LEAD(channel) OVER w AS next_channel
    FROM journey_tickets
    WINDOW w AS (PARTITION BY customer_id ORDER BY t, ticket_id)
)
SELECT
    channel,
    CASE WHEN next_t - t <= :repeat_s THEN next_channel END AS next_channel,
    COUNT(*) AS contacts,
    SUM(CASE WHEN next_t - t <= :repeat_s THEN 1 ELSE 0 END) AS repeats,
    SUM(CASE WHEN next_t - t <= :repeat_s AND next_channel <> channel THEN 1 ELSE 0 END)
        AS cross_channel_repeats
FROM nxt
GROUP BY channel, CASE WHEN next_t - t <= :repeat_s THEN next_channel END
