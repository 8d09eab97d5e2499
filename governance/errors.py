"""Errors a service raises that are neither bad input nor a refusal."""


class Conflict(Exception):
    """The row is no longer in a state that allows the step (someone else acted first): nothing
    changed. The API answers 409; a page shows the message."""
