// The PostwatchApp module; see DESIGN.md.
