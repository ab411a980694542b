"""Per-customer features: one row per customer, and the one data dictionary that describes them.

:func:`customer_features` builds the table (:mod:`cxlib.features.customer`);
:mod:`cxlib.features.dictionary` describes every column once: :data:`FEATURES` and
:data:`PATTERNS`, read through :func:`lookup`, :func:`feature_family`, :func:`label`,
:func:`phrase`, :func:`unit`, :func:`exposure_reason` and :func:`describe_features`.
"""

from cxlib.features.customer import (
    DIGITAL_CHANNELS,
    customer_features,
    unavailable_features,
)
from cxlib.features.dictionary import (
    FEATURES,
    PATTERNS,
    PERSONA_FEATURES,
    Feature,
    describe_features,
    exposure_features,
    exposure_reason,
    label,
    lookup,
    phrase,
    unit,
)
from cxlib.features.dictionary import family as feature_family

__all__ = [
    "DIGITAL_CHANNELS",
    "FEATURES",
    "PATTERNS",
    "PERSONA_FEATURES",
    "Feature",
    "customer_features",
    "describe_features",
    "exposure_features",
    "exposure_reason",
    "feature_family",
    "label",
    "lookup",
    "phrase",
    "unit",
    "unavailable_features",
]
