"""The no-op gettext marker for module-level text.

``N_("...")`` marks a msgid for extraction (``pybabel extract -k N_``) without
translating it; the text is translated when it is rendered for a turn's locale.
Kept in its own tiny module so data modules import nothing heavy.
"""


def N_(msgid: str) -> str:
    """Return ``msgid`` unchanged; extraction picks it up."""
    return msgid
