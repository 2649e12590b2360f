// The Notify module; see DESIGN.md.
