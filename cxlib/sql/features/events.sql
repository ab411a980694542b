-- Per customer: events, last event, browsing share, digital share and the share of every
-- channel (events_share_<channel>).
-- Input: feature_events, the events before each customer's cutoff (grp: the group key,
-- customer_id, ts, browse: 1 an event in the first two stages, 0 a later one, -1 unknown;
-- channel: the channel's code, -1 unknown). Parameters (cxlib.features.aggregates writes
-- them from integers): :digital, the codes of the digital channels as a list; :shares,
-- one column per channel, ", COUNT(CASE WHEN channel IN (<codes>) THEN 1 END) / COUNT(*)
-- AS events_share_<channel>".
SELECT
    grp,
    COUNT(*) AS event_count,
    MAX(ts) AS last_event,
    AVG(CASE WHEN browse >= 0 THEN browse END) AS browse_share,
    COUNT(CASE WHEN channel IN :digital THEN 1 END) / COUNT(*) AS digital_share
    :shares
FROM feature_events
GROUP BY grp
