"""Test settings shared by every file.

Hypothesis draws random shapes and weights for the gradient checks. Under CI the draws are derandomized (the same
examples every run), so that a result can be reproduced; on a developer's machine they vary from run to run and
explore more. Either way, a failing example is printed with everything needed to rerun it. For a long search:

    HYPOTHESIS_PROFILE=stress python -m pytest tests/test_layers.py tests/test_network.py
"""
import os

from hypothesis import settings

settings.register_profile("ci", max_examples=50, derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=50, deadline=None, print_blob=True)
settings.register_profile("stress", max_examples=2000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
