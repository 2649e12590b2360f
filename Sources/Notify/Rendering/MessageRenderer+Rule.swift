import Rules

extension MessageRenderer {
    /// The renderer of a rule: its own `title`/`body` templates, or the defaults.
    public init(rule: Rule) {
        self.init(title: rule.title, body: rule.body)
    }
}
