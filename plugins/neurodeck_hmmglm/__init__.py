"""neurodeck_hmmglm plugin (being built)."""
