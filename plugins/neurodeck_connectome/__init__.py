"""neurodeck_connectome plugin (being built)."""
