"""Claim modules, one per topic of a paper; importing a module registers its claims.

Every module in this package is imported by :func:`verify.registry.all_claims`.
"""
