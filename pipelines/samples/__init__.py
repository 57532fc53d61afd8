"""Sample data generators (synthetic data, clearly labelled as such)."""
