"""Fixtures of the analysis tests.

The small scenario's session fixtures (``scenario_store``, ``scenario_truth``,
``scenario_dir``, ``scenario_demo``) live in ``tests/conftest.py``: the analysis,
report and CLI tests share one loaded scenario.
"""
