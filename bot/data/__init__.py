"""Declarative domain data. Every record carries a :class:`~bot.data.sources.Source`."""
