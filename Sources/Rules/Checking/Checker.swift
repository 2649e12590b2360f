import Foundation
import Mustache

/// Checks parsed rule files against the language's types and builds the rule set.
///
/// Names are global across files; every problem is reported, and the caller loads nothing when
/// any of them is an error.
struct Checker {
    let environment: [String: String]
    /// When false, a missing `env:`/`file:` secret is no error and gets a placeholder value.
    var requireSecrets = true
    var files: [String: SourceFile] = [:]
    var diagnostics: [Diagnostic] = []
    var channels: [String: ChannelDeclaration] = [:]
    var channelRanges: [String: SourceRange] = [:]
    var usedChannels: Set<String> = []
    var rules: [Rule] = []
    var ruleRanges: [String: SourceRange] = [:]
    /// Maintenance windows by name; a name in `windowRanges` without a window had an error.
    var windows: [String: MaintenanceWindow] = [:]
    var windowRanges: [String: SourceRange] = [:]
    var usedWindows: Set<String> = []
    /// Each window's `notify` names, resolved once the channels are checked.
    var windowNotices: [(window: String, names: [Syntax.Name])] = []
    /// Regular expressions compiled once per pattern: compiling is the slowest part of a load.
    var regexes: [String: CompiledRegex] = [:]
    /// Templates parsed once per text (rules of one file often share a title or body).
    var templates: [String: MustacheTemplate] = [:]

    init(environment: [String: String]) {
        self.environment = environment
    }

    mutating func report(_ level: Diagnostic.Level, _ message: String, at range: SourceRange, notes: [Diagnostic.Note] = []) {
        let line = files[range.start.file]?.line(range.start.line) ?? ""
        diagnostics.append(Diagnostic(level: level, message: message, range: range, notes: notes, sourceLine: line))
    }

    /// Checks all files: windows, then channels (a rule may use a channel declared in a later
    /// file, and a channel a window).
    mutating func check(_ parsed: [(SourceFile, [Syntax.Item])]) {
        for (file, _) in parsed { files[file.name] = file }
        for (_, items) in parsed {
            for case .window(let window) in items { checkWindow(window) }
        }
        for (_, items) in parsed {
            for item in items {
                switch item {
                case .channel(let channel): checkChannel(channel)
                case .brokenChannel(let name):
                    channelRanges[name.text] = channelRanges[name.text] ?? name.range
                    usedChannels.insert(name.text)
                case .rule, .window: break
                }
            }
        }
        resolveWindowNotices()
        for (_, items) in parsed {
            for case .rule(let rule) in items { checkRule(rule) }
        }
        // With errors around (a rule that did not parse may be the user), "unused" is noise.
        guard !diagnostics.contains(where: \.isError) else { return }
        for (name, range) in channelRanges.sorted(by: { $0.key < $1.key }) where !usedChannels.contains(name) {
            report(.warning, "channel '\(name)' is not used by any rule", at: range)
        }
        for (name, range) in windowRanges.sorted(by: { $0.key < $1.key }) where !usedWindows.contains(name) {
            report(.warning, "window \"\(name)\" is not used by any rule or channel (mute during \"\(name)\")", at: range)
        }
    }

    // MARK: - Channels

    mutating func checkChannel(_ syntax: Syntax.Channel) {
        let name = syntax.name.text
        if let first = channelRanges[name] {
            report(.error, "duplicate channel name '\(name)'", at: syntax.name.range,
                   notes: [Diagnostic.Note(message: "'\(name)' is first declared here", range: first)])
            return
        }
        channelRanges[name] = syntax.name.range
        guard let kind = channelKind(syntax.kind) else { return }
        let resolved = resolveTargets(kind: kind, targets: syntax.targets, secret: syntax.secret, at: syntax.kind.range)
        // Checked even when a target is wrong, so that one run reports both.
        let layout = syntax.layout.map { channelLayout($0, kind: kind) }
        if case .some(.none) = layout { return }
        guard let (targets, secret) = resolved else { return }
        let endpoint = checkEndpoint(syntax.endpoint, kind: kind)
        guard endpoint.ok else { return }
        var declaration = ChannelDeclaration(
            name: name, kind: kind, targets: targets, secret: secret, endpoint: endpoint.url,
            location: syntax.name.range.start, layout: layout.flatMap { $0 })
        guard applyWebhookOptions(syntax, kind: kind, secret: secret, into: &declaration) else { return }
        guard let muted = namedWindows(syntax.muteDuring) else { return }
        declaration.muteDuring = muted
        channels[name] = declaration
    }

    /// The `layout` option's value, one of the kind's layouts; nil after reporting an error.
    mutating func channelLayout(_ word: Syntax.Name, kind: ChannelKind) -> ChatLayout? {
        let layouts = kind.layouts.map(\.rawValue)
        guard !layouts.isEmpty else {
            let kinds = ChannelKind.allCases.filter { !$0.layouts.isEmpty }.map(\.rawValue).joined(separator: " and ")
            report(.error, "a \(kind.rawValue) channel has one layout and takes no 'layout' option (only \(kinds) do)", at: word.range)
            return nil
        }
        if let layout = ChatLayout(rawValue: word.text), kind.layouts.contains(layout) { return layout }
        let choices = "use \(layouts.map { "'\($0)'" }.joined(separator: " or "))"
        if let guess = Suggestion.closest(to: word.text, in: layouts) {
            report(.error, "unknown \(kind.rawValue) layout '\(word.text)'; did you mean '\(guess)'?", at: word.range)
        } else {
            report(.error, "unknown \(kind.rawValue) layout '\(word.text)' (\(choices))", at: word.range)
        }
        return nil
    }

    mutating func channelKind(_ word: Syntax.Name) -> ChannelKind? {
        if let kind = ChannelKind(rawValue: word.text) { return kind }
        let kinds = ChannelKind.allCases.map(\.rawValue)
        if let guess = Suggestion.closest(to: word.text, in: kinds) {
            report(.error, "unknown channel kind '\(word.text)'; did you mean '\(guess)'?", at: word.range)
        } else {
            report(.error, "unknown channel kind '\(word.text)' (use \(kinds.joined(separator: ", ")))", at: word.range)
        }
        return nil
    }

    // MARK: - Rules

    mutating func checkRule(_ syntax: Syntax.Rule) {
        let name = syntax.name.text
        if let first = ruleRanges[name] {
            // Names key throttles and outbox entries: two rules sharing one would share them silently.
            report(.error, "duplicate rule name \"\(name)\"", at: syntax.name.range,
                   notes: [Diagnostic.Note(message: "\"\(name)\" is first defined here", range: first)])
        } else {
            ruleRanges[name] = syntax.name.range
        }
        var builder = RuleBuilder()
        var seen: [String: SourceRange] = [:]
        var failed = false
        for node in syntax.clauses {
            let keyword = node.keyword.text
            // `when` and `notify` may be repeated (they add up); every other clause is single.
            if keyword != "when", keyword != "notify", let first = seen[keyword] {
                report(.error, "this rule already has a '\(keyword)' clause", at: node.keyword.range,
                       notes: [Diagnostic.Note(message: "the first one is here", range: first)])
                failed = true
                continue
            }
            seen[keyword] = seen[keyword] ?? node.keyword.range
            if !checkClause(node.clause, rule: name, into: &builder) { failed = true }
        }
        // A clause that did not parse was reported; "no when" on top of "unknown clause 'wehn'" is noise.
        if syntax.hasBrokenClauses { return }
        if seen["when"] == nil {
            report(.error, "rule \"\(name)\" has no 'when' clause: say which events it watches, like: when failed", at: syntax.name.range)
            failed = true
        }
        if seen["notify"] == nil {
            report(.error, "rule \"\(name)\" has no 'notify' clause: say where to send, like: notify ops", at: syntax.name.range)
            failed = true
        }
        if !failed, !checkSchedules(builder, clauses: seen) { failed = true }
        if !failed, let whereSyntax = builder.whereSyntax {
            warnIfUnreachable(triggers: builder.triggers, condition: whereSyntax, rule: name)
        }
        for template in builder.templates {
            checkTemplateFields(template.text, literal: template.literal, groupBy: builder.groupBy)
        }
        guard !failed else { return }
        if let bodyRange = seen["body"] { warnIfBodyUnshown(channels: builder.channels, at: bodyRange) }
        rules.append(Rule(
            name: name, severity: builder.severity, triggers: builder.triggers, channels: builder.channels,
            groupBy: builder.groupBy, throttle: builder.throttle.map { .seconds($0) }, title: builder.title,
            body: builder.body, location: syntax.name.range.start, condition: builder.whereSyntax.map(Self.spell),
            predicate: builder.predicate, resolution: builder.resolution, schedules: builder.schedules))
    }

    /// A rule's own `body` that none of its channels shows (their layouts draw the posts): a
    /// warning naming them, so that a template written for Slack is not silently unused. A body
    /// some channel shows (an email beside Slack's blocks) is the author's intent: no warning.
    mutating func warnIfBodyUnshown(channels names: [String], at range: SourceRange) {
        let declared = names.compactMap { channels[$0] }
        guard declared.count == names.count, !declared.isEmpty, !declared.contains(where: { $0.kind.showsRuleBody(layout: $0.layout) })
        else { return }
        let list = declared.map { channel in
            "'\(channel.name)' (\(channel.kind.rawValue)\((channel.layout ?? channel.kind.defaultLayout).map { " \($0.rawValue)" } ?? ""))"
        }.joined(separator: ", ")
        let textLayouts = declared.contains { $0.kind.layouts.contains(.text) }
        let verbs = declared.count == 1 ? "draws each post in its own layout and takes" : "draw each post in their own layout and take"
        report(.warning, "this body is never shown: \(list) \(verbs) the rule's title only"
            + (textLayouts ? "; 'layout text' on a slack or mattermost channel shows the body" : ""), at: range)
    }

    /// What a rule's clauses add up to while they are checked.
    struct RuleBuilder {
        var triggers: [Trigger] = []
        var triggerRanges: [SourceRange] = []
        var channels: [String] = []
        var groupBy: [String] = []
        var throttle: Int?
        var severity: Severity = .warning
        var title: MustacheTemplate?
        var body: MustacheTemplate?
        var whereSyntax: Syntax.Expression?
        var predicate: Predicate?
        var templates: [(text: String, literal: Syntax.StringLiteral)] = []
        var resolution: Resolution = .automatic
        var schedules = Rule.Schedules()
    }

    /// Returns false when the clause has an error.
    mutating func checkClause(_ clause: Syntax.Clause, rule: String, into builder: inout RuleBuilder) -> Bool {
        switch clause {
        case .when(let events):
            var ok = true
            for event in events {
                guard let trigger = trigger(event) else { ok = false; continue }
                if !builder.triggers.contains(trigger) { builder.triggers.append(trigger) }
            }
            return ok
        case .where(let expression):
            builder.whereSyntax = expression
            guard let predicate = compile(expression) else { return false }
            builder.predicate = predicate
            return true
        case .notify(let destinations):
            var ok = true
            for destination in destinations {
                guard let channel = resolveDestination(destination, rule: rule) else { ok = false; continue }
                if !builder.channels.contains(channel) { builder.channels.append(channel) }
            }
            return ok
        case .groupBy(let names):
            var ok = true
            for name in names {
                guard let field = field(name) else { ok = false; continue }
                // A time, duration or number has (nearly) one value per post, and messages are
                // keyed by text: rather than a group per post or an empty `{{group.x}}`, say so.
                guard field.isGroupable else {
                    let groupable = Field.allCases.filter(\.isGroupable).map(\.rawValue)
                    report(
                        .error,
                        "cannot group by '\(name.text)': it is \(field.type.name), not text "
                            + "(group by one of \(groupable.joined(separator: ", ")))",
                        at: name.range)
                    ok = false
                    continue
                }
                if !builder.groupBy.contains(field.rawValue) { builder.groupBy.append(field.rawValue) }
            }
            return ok
        case .throttle(let seconds, let range):
            guard seconds > 0 else {
                report(.error, "a throttle must be longer than 0s", at: range)
                return false
            }
            builder.throttle = seconds
            return true
        case .severity(let word):
            guard let severity = Severity(rawValue: word.text) else {
                let values = Severity.allCases.reversed().map(\.rawValue)
                report(.error, unknownValue("severity", word.text, values), at: word.range)
                return false
            }
            builder.severity = severity
            return true
        case .resolve(let events):
            guard let triggers = resolveTriggers(events, firing: builder.triggers) else { return false }
            builder.resolution = .when(triggers)
            return true
        case .resolveNever:
            builder.resolution = .never
            return true
        case .muteDuring(let names):
            guard let windows = namedWindows(names) else { return false }
            builder.schedules.muteDuring = windows
            return true
        case .digest(let syntax):
            guard let digest = digestSchedule(syntax) else { return false }
            builder.schedules.digest = digest
            return true
        case .repeat(let syntax):
            guard let reminder = reminderPolicy(syntax) else { return false }
            builder.schedules.reminder = reminder
            return true
        case .title(let literal), .body(let literal):
            guard let template = template(literal) else { return false }
            builder.templates.append((literal.text, literal))
            if case .title = clause { builder.title = template } else { builder.body = template }
            return true
        }
    }

    /// `unknown platform 'tiktoc'; did you mean 'tiktok'?` or `…(use tiktok, instagram)`.
    func unknownValue(_ what: String, _ value: String, _ values: [String]) -> String {
        if let guess = Suggestion.closest(to: value, in: values) {
            return "unknown \(what) '\(value)'; did you mean '\(guess)'?"
        }
        return "unknown \(what) '\(value)' (use \(values.joined(separator: ", ")))"
    }

    /// Looks up a field name, reporting an unknown one with a suggestion.
    mutating func field(_ name: Syntax.Name) -> Field? {
        if let field = Field.named(name.text) { return field }
        if let guess = Suggestion.closest(to: name.text, in: Field.names) {
            report(.error, "unknown field '\(name.text)'; did you mean '\(guess)'?", at: name.range)
        } else {
            report(.error, "unknown field '\(name.text)' (fields: \(Field.names.joined(separator: ", ")))", at: name.range)
        }
        return nil
    }
}
