-- Per customer: tickets, unresolved ones, mean resolution and first-response hours,
-- contacts per ticket and the share opened on a digital channel.
-- Input: feature_tickets, the tickets opened before each customer's cutoff (grp: the group
-- key, customer_id, opened_at, resolved_at, first_response_at, contacts, digital: 1 a
-- digital channel, 0 another, -1 unknown; limited: a cutoff applies, at cutoff). A column
-- the data set lacks is NULL, and its feature is left out by the caller.
-- A ticket resolved (or first answered) at or after the cutoff counts as not yet resolved
-- (answered).
SELECT
    grp,
    COUNT(*) AS ticket_count,
    COUNT(
        CASE WHEN NOT (resolved_at IS NOT NULL AND NOT (limited AND resolved_at >= cutoff))
        THEN 1 END
    ) AS unresolved_tickets,
    AVG(
        CASE WHEN resolved_at IS NOT NULL AND NOT (limited AND resolved_at >= cutoff)
        THEN cx_seconds_between(opened_at, resolved_at) END
    ) / 3600.0 AS mean_resolution_hours,
    AVG(
        CASE WHEN first_response_at IS NOT NULL
            AND NOT (limited AND first_response_at >= cutoff)
        THEN cx_seconds_between(opened_at, first_response_at) END
    ) / 3600.0 AS mean_first_response_hours,
    AVG(contacts) AS contacts_per_ticket,
    AVG(CASE WHEN digital >= 0 THEN digital END) AS ticket_digital_share
FROM feature_tickets
GROUP BY grp
