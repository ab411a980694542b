-- Events and customers kept for the journey (events in stages outside the order are not).
-- Input: journey_journeys (one row per customer with a journey, n_events its events).
SELECT COALESCE(SUM(n_events), 0) AS events, COUNT(*) AS customers
FROM journey_journeys
