"""Linkage across agencies: ED-police incident matching (:mod:`.incidents`).

Person linkage (one person across police, deaths, NHS and council records) is
added to this package separately.
"""
