"""Test settings shared by every file.

Hypothesis draws random shapes and weights for the gradient checks. Under CI the draws are derandomized (the same
examples every run), so that a result can be reproduced; on a developer's machine they vary from run to run and
explore more. Either way, a failing example is printed with everything needed to rerun it.
"""
import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
