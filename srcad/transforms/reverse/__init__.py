"""Reverse mode: the forward sweep that records, the reverse sweep that accumulates."""
