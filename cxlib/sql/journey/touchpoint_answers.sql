-- Survey answers per touchpoint: how many, how many negative, and how many comments came
-- with a negative score (the share of negative comments).
-- Input: journey_answers.
SELECT
    touchpoint,
    COUNT(*) AS answers,
    SUM(negative) AS negative_answers,
    SUM(has_comment) AS comments,
    SUM(CASE WHEN has_comment = 1 THEN negative ELSE 0 END) AS negative_comments
FROM journey_answers
GROUP BY touchpoint
