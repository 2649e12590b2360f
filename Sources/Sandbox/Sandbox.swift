// The Sandbox module; see DESIGN.md.
