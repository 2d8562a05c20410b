"""neurodeck_brainmae plugin (being built)."""
