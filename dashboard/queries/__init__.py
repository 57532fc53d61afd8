"""Every SQL query the dashboard runs, one module per subject: named functions over a cursor, values
bound, returning DataFrames. ``loads`` (what is loaded), and one module per page family as they come."""
