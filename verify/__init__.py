"""Numerics at scale: the scan core, random instances, the claim registry, the runner, reports.

``python -m verify`` runs every registered claim (see :mod:`verify.__main__`).
"""
