"""Texts -> sentiment and topics from one transformer encoder pass."""
