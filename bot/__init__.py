"""Zairyu Guide: guidance for Japan's Online Residency Application System.

The package root stays import-light so that ``python -m bot assess`` starts fast.
The engine lives in :mod:`bot.engine`; the pure assessment in :mod:`bot.assess`.
"""

__all__: list[str] = []
