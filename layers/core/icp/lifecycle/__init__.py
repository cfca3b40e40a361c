"""The steps of the workflows. Each module is one task of a state machine."""
