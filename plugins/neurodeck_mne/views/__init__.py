"""Qt views of the MNE plugin (imported only by the GUI)."""
