"""The test suite runs srcad with SRCAD_VERIFY=1: the pipeline verifies the IR after every pass
(srcad/pipeline.py), so a pass that breaks the SSA rules fails at that pass, not later in
generated code. It costs the suite no measurable time (measured on test_control_flow,
test_corpus and test_python_forms: within noise)."""

import os

os.environ.setdefault("SRCAD_VERIFY", "1")
