-- journey_tickets: support contacts on the journey's clock.
-- Input: journey_ticket_source (ticket_id, customer_id, opened_at, channel).
SELECT
    ticket_id,
    customer_id,
    -- No standard form (see events.sql): seconds since 1970-01-01, an engine snippet.
    cx_epoch_seconds(opened_at) AS t,
    CAST(channel AS STRING) AS channel
FROM journey_ticket_source
WHERE customer_id IS NOT NULL AND opened_at IS NOT NULL
