"""Reproductions of the numerical experiments of the papers (runnable with ``python -m``)."""
