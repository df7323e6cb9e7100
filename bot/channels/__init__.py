"""Channels: thin translations between a transport and :class:`bot.engine.Engine`.

Only modules in this package may know which channel they serve.
"""
