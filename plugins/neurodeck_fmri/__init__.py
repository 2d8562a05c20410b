"""neurodeck_fmri plugin (being built)."""
