"""File -> validated rows in the warehouse: read (stage.py), map columns (mapping.py),
validate and load (load.py)."""
