"""The support staff console (issue 15): accounts, answering a caller, what the guide could
not answer, and the funnel. See each module's docstring."""
