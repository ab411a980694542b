-- Events and customers kept for the journey (events in stages outside the order are not).
-- Input: journey_events.
SELECT COUNT(*) AS events, COUNT(DISTINCT customer_id) AS customers
FROM journey_events
