"""Per-customer features: one row per customer, and the one data dictionary that describes them.

:func:`customer_features` builds the table (:mod:`cxlib.features.customer`);
:data:`FEATURES` and :data:`PATTERNS` are the data dictionary, read through
:func:`feature_family` and :func:`describe_features`.
"""

from cxlib.features.customer import (
    DAYS_PER_MONTH,
    DIGITAL_CHANNELS,
    FEATURES,
    PATTERNS,
    customer_features,
    describe_features,
    feature_family,
    unavailable_features,
)

__all__ = [
    "DAYS_PER_MONTH",
    "DIGITAL_CHANNELS",
    "FEATURES",
    "PATTERNS",
    "customer_features",
    "describe_features",
    "feature_family",
    "unavailable_features",
]
