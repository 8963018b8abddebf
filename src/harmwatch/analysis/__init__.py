"""Analyses of the store: each a module with a result object.

Analyses read whole columns from the store into Polars frames
(:mod:`harmwatch.analysis.data`) and compute with Polars, NumPy and SciPy;
nothing iterates over records in Python.
"""
