-- journey_answers: NPS, CES and CSAT answers given at a touchpoint (questions a config
-- declares beyond them have no negative answer and are left out).
-- Input: journey_survey_source (customer_id, touchpoint, survey, score, comment).
-- Parameters: the scale of each survey type (:ces_low/:ces_high, :csat_low/:csat_high) and
-- its highest negative answer (:ces_negative_max, :csat_negative_max: cxlib.metrics.boxes).
-- negative: NPS detractor (0-6), or CES/CSAT in the bottom boxes of its scale (1-2 on 1-5).
-- experience: CES and CSAT answers rescaled to 0-100 (NULL for NPS), a DOUBLE on every
-- engine (a literal such as 100.0 is a DECIMAL, which engines carry through differently).
SELECT
    customer_id,
    CAST(touchpoint AS STRING) AS touchpoint,
    CAST(survey AS STRING) AS survey,
    score,
    CASE
        WHEN CAST(survey AS STRING) = 'nps' THEN CASE WHEN score <= 6 THEN 1 ELSE 0 END
        WHEN CAST(survey AS STRING) = 'ces' THEN CASE WHEN score <= :ces_negative_max THEN 1 ELSE 0 END
        WHEN CAST(survey AS STRING) = 'csat' THEN CASE WHEN score <= :csat_negative_max THEN 1 ELSE 0 END
    END AS negative,
    CASE WHEN comment IS NOT NULL AND TRIM(comment) <> '' THEN 1 ELSE 0 END AS has_comment,
    CASE
        WHEN CAST(survey AS STRING) = 'ces'
            THEN 100 * CAST(score - :ces_low AS DOUBLE) / (:ces_high - :ces_low)
        WHEN CAST(survey AS STRING) = 'csat'
            THEN 100 * CAST(score - :csat_low AS DOUBLE) / (:csat_high - :csat_low)
    END AS experience
FROM journey_survey_source
WHERE touchpoint IS NOT NULL AND score IS NOT NULL
    AND CAST(survey AS STRING) IN ('nps', 'ces', 'csat')
