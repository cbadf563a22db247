"""Charts as pure functions returning matplotlib Figures (no pyplot state, no UI), shared by
the app, the exports and the brochures."""
