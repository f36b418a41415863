"""Shared by irqlab's own tests."""

# The fake course's checks are run by the tests, through the plugin; never collected directly.
collect_ignore = ["fixtures"]
