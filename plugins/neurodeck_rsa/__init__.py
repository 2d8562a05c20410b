"""neurodeck_rsa plugin (being built)."""
