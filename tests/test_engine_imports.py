"""Users who do not choose Spark never load it, and nobody's Spark environment is changed.

``import cxlib`` and loading a data set must not import pyspark (it is imported only when
Spark is chosen), and must leave ``SPARK_LOCAL_IP`` and ``PYARROW_IGNORE_TIMEZONE`` as
they were: pandera sets them when pyspark is installed (pandera issue #2344), and
``SPARK_LOCAL_IP=127.0.0.1`` makes a Spark driver on a cluster send its executors to
localhost. Each check runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from cxlib.paths import PROJECT_ROOT

CHECK = """
import json, os, sys
import cxlib
cx = cxlib.load({data!r}, tables=["customers"])
print(json.dumps({{"pyspark": "pyspark" in sys.modules,
                  "env": {{k: os.environ.get(k) for k in
                          ("SPARK_LOCAL_IP", "PYARROW_IGNORE_TIMEZONE")}}}}))
"""


def _facts(data: str, env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-c", CHECK.format(data=data)], env=env,
                         capture_output=True, text=True, check=True, cwd=PROJECT_ROOT)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_loading_data_imports_no_spark_and_sets_no_spark_variable(small_sample):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SPARK_LOCAL_IP", "PYARROW_IGNORE_TIMEZONE", "CXLIB_ENGINE")}  # fmt: skip
    facts = _facts(str(small_sample), env)
    assert facts == {"pyspark": False, "env": {"SPARK_LOCAL_IP": None,
                                               "PYARROW_IGNORE_TIMEZONE": None}}  # fmt: skip
    env["SPARK_LOCAL_IP"] = "10.1.2.3"  # a user's own setting is kept
    assert _facts(str(small_sample), env)["env"]["SPARK_LOCAL_IP"] == "10.1.2.3"
