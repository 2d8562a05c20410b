"""neurodeck_ntf plugin (being built)."""
