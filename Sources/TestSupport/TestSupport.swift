// The TestSupport module; see DESIGN.md.
