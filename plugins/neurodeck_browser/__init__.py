"""neurodeck_browser plugin (being built)."""
