import Foundation

extension Checker {
    /// `when` events: statuses checked against the API's documented values.
    mutating func trigger(_ event: Syntax.Event) -> Trigger? {
        switch event {
        case .deleted:
            return .deleted
        case .invalid:
            return nil
        case .overdue(let seconds, let range):
            guard seconds > 0 else {
                report(.error, "'overdue' needs a duration longer than 0s", at: range)
                return nil
            }
            return .overdue(seconds: seconds)
        case .transition(let fromName, let toName):
            var ok = true
            switch toName.text {
            case "deleted":
                report(.error, "write 'when deleted' for deleted posts (and 'where from = …' for the status they had)", at: toName.range)
                ok = false
            case "new":
                report(.error, "'new' is where a post comes from, not a status it goes to: when new -> posted", at: toName.range)
                ok = false
            case "overdue":
                report(.error, "'overdue' takes a duration and no '->': when overdue 30m", at: toName.range)
                ok = false
            case let status where !Field.statuses.contains(status):
                report(.error, unknownValue("status", status, Field.statuses), at: toName.range)
                ok = false
            default:
                break
            }
            var from: String?
            if let fromName, fromName.text != "*" {
                switch fromName.text {
                case "deleted":
                    report(.error, "a deleted post has no next status; 'deleted' can only be a 'when' event of its own", at: fromName.range)
                    ok = false
                case let status where !(["new"] + Field.statuses).contains(status):
                    report(.error, unknownValue("status", status, ["new"] + Field.statuses), at: fromName.range)
                    ok = false
                default:
                    from = fromName.text
                }
            }
            guard ok else { return nil }
            if let from, from == toName.text {
                report(.warning, "'\(from) -> \(from)' never happens: an event is a change of status", at: fromName?.range.through(toName.range) ?? toName.range)
            }
            return .transition(from: from, to: toName.text)
        }
    }

    /// A `notify` destination: a declared channel, `console`, or an inline `KIND target`.
    mutating func resolveDestination(_ destination: Syntax.Destination, rule: String) -> String? {
        switch destination {
        case .name(let name):
            if channelRanges[name.text] != nil {
                usedChannels.insert(name.text)
                // A declared channel with an error has been reported already.
                return channels[name.text] == nil ? nil : name.text
            }
            if let kind = ChannelKind(rawValue: name.text) {
                guard kind == .console else {
                    let example = kind == .email ? "\"oncall@example.com\"" : kind == .pagerduty ? "env:PD_ROUTING_KEY" : "env:\(name.text.uppercased())_WEBHOOK"
                    report(.error, "'\(name.text)' needs a target here, as in: notify \(name.text) \(example); or declare a channel and notify it by name", at: name.range)
                    return nil
                }
                if channels["console"] == nil {
                    channels["console"] = ChannelDeclaration(name: "console", kind: .console, targets: [], location: name.range.start, isInline: true)
                }
                return "console"
            }
            let known = Array(channelRanges.keys).sorted()
            if let guess = Suggestion.closest(to: name.text, in: known) {
                report(.error, "unknown channel '\(name.text)'; did you mean '\(guess)'?", at: name.range)
            } else if known.isEmpty {
                report(.error, "unknown channel '\(name.text)': declare it first, as in: channel \(name.text) = slack env:OPS_SLACK_WEBHOOK", at: name.range)
            } else {
                report(.error, "unknown channel '\(name.text)' (declared: \(known.joined(separator: ", ")))", at: name.range)
            }
            return nil
        case .inline(let kindName, let targets):
            guard let kind = channelKind(kindName), let target = targets.first else { return nil }
            guard let (values, _) = resolveTargets(kind: kind, targets: targets, secret: nil, at: kindName.range) else { return nil }
            // Never name a channel after a literal URL: names are logged, URLs are secrets.
            let name: String
            switch target {
            case .secret(let reference, _): name = "\(kind.rawValue) \(reference)"
            case .literal(let literal): name = kind == .email ? "email \(literal.text)" : "\(kind.rawValue) in \"\(rule)\""
            }
            if channels[name] == nil {
                channels[name] = ChannelDeclaration(name: name, kind: kind, targets: values, location: kindName.range.start, isInline: true)
            }
            return name
        }
    }

    /// Reads secrets and validates targets for a channel kind; nil after reporting an error.
    mutating func resolveTargets(
        kind: ChannelKind, targets: [Syntax.Target], secret: Syntax.Target?, at kindRange: SourceRange
    ) -> (targets: [String], secret: String?)? {
        var ok = true
        if let secret, !kind.takesSecret {
            report(.error, "only webhook channels (the HMAC key that signs the body) and ntfy channels (the access token) take a 'secret'", at: secret.range)
            ok = false
        }
        switch kind.target {
        case .none:
            if let first = targets.first {
                report(.error, "a console channel takes no target: it prints to standard output", at: first.range)
                return nil
            }
        case .oneURL:
            if targets.isEmpty {
                report(.error, "a \(kind.rawValue) channel needs its URL, as in: \(kind.rawValue) env:\(kind.rawValue.uppercased())_WEBHOOK_URL", at: kindRange)
                return nil
            }
            if targets.count > 1 {
                report(.error, "a \(kind.rawValue) channel takes one URL; declare one channel per URL", at: targets[1].range)
                return nil
            }
        case .addresses:
            if targets.isEmpty {
                report(.error, "an email channel needs at least one address, as in: email \"oncall@example.com\"", at: kindRange)
                return nil
            }
        case .secretKey:
            guard let first = targets.first else {
                report(.error, "a \(kind.rawValue) channel needs its routing key, as in: \(kind.rawValue) env:PD_ROUTING_KEY", at: kindRange)
                return nil
            }
            if targets.count > 1 {
                report(.error, "a \(kind.rawValue) channel takes one routing key; declare one channel per service", at: targets[1].range)
                return nil
            }
            // Secrets never live in rule files, and a key is nothing but a secret.
            if case .literal = first {
                report(.error, "a routing key is a secret: write it as env:NAME or file:PATH, never in the rule file", at: first.range)
                return nil
            }
        }
        var values: [String] = []
        for target in targets {
            guard let value = read(target) else {
                if case .secret(let reference, _) = target, !requireSecrets {
                    values.append(Self.placeholder(for: reference, kind: kind))
                } else {
                    ok = false
                }
                continue
            }
            switch kind.target {
            case .addresses:
                // A variable or file may hold several addresses separated by commas.
                let addresses = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                for address in addresses where !EmailAddress.isValid(address) {
                    report(.error, badValue(target, "is not a valid email address", shown: address), at: target.range)
                    ok = false
                }
                values += addresses
            case .secretKey:
                // PagerDuty's keys are 32 letters and digits; anything with a space or a control
                // character was pasted wrong (and would not survive a JSON round trip unnoticed).
                if value.contains("://") {
                    report(.error, badValue(target, "is a URL, not a routing key (the 32 characters of the integration's Integration Key)", shown: nil), at: target.range)
                    ok = false
                } else if value.isEmpty || value.count > 255 || value.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true }) {
                    report(.error, badValue(target, "is not a routing key (one word of letters and digits, like the 32 characters PagerDuty shows)", shown: nil), at: target.range)
                    ok = false
                }
                values.append(value)
            case .oneURL, .none:
                if !WebURL.isHTTP(value) {
                    report(.error, badValue(target, "is not an http(s) URL", shown: nil), at: target.range)
                    ok = false
                } else if let problem = kind.problem(withURL: value) {
                    report(.error, badValue(target, problem, shown: nil), at: target.range)
                    ok = false
                }
                values.append(value)
            }
        }
        var secretValue: String?
        if let secret {
            secretValue = read(secret)
            // The ntfy token goes in a header: a line break in it would start another header.
            if let value = secretValue, kind == .ntfy, value.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true }) {
                report(.error, badValue(secret, "is not a single-line access token", shown: nil), at: secret.range)
                ok = false
            }
            if secretValue == nil {
                if requireSecrets { ok = false } else { secretValue = "unresolved-secret" }
            }
        }
        return ok ? (values, secretValue) : nil
    }

    /// The message for a bad target, never quoting a secret's value.
    func badValue(_ target: Syntax.Target, _ problem: String, shown: String?) -> String {
        switch target {
        case .secret(let reference, _):
            switch reference {
            case .environment(let name): "the value of environment variable \(name) \(problem)"
            case .file(let path): "the content of file \(path) \(problem)"
            }
        case .literal(let literal):
            // A literal URL may embed a token: show only its scheme.
            shown.map { "'\($0)' \(problem)" } ?? "'\(WebURL.redacted(literal.text))' \(problem)"
        }
    }

    /// Stands for a secret that is not available (`rules test` and `lint --skip-secrets` send nothing).
    static func placeholder(for reference: SecretReference, kind: ChannelKind) -> String {
        switch kind {
        case .email: "unresolved@secret.invalid"
        // A placeholder the channel can be built from: the kind's own URL shape.
        case .telegram: "https://secret.invalid/bot0:unresolved/sendMessage?chat_id=0"
        case .pagerduty: "unresolved-routing-key"
        case .teams: "https://secret.invalid.logic.azure.com/workflows/unresolved/triggers/manual/paths/invoke?sig=unresolved"
        case .slack, .mattermost, .discord, .webhook, .ntfy, .console: "https://secret.invalid/unresolved"
        }
    }

    /// The value of a target: the string itself, or the secret read from the environment or a file.
    mutating func read(_ target: Syntax.Target) -> String? {
        switch target {
        case .literal(let literal):
            return literal.text
        case .secret(.environment(let name), let range):
            guard let value = environment[name] else {
                if requireSecrets { report(.error, "environment variable \(name) is not set", at: range) }
                return nil
            }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else {
                if requireSecrets { report(.error, "environment variable \(name) is empty", at: range) }
                return nil
            }
            return trimmed
        case .secret(.file(let path), let range):
            // A relative path is relative to the rule file, so a rules directory can carry its secrets.
            let base = (range.start.file as NSString).deletingLastPathComponent
            let full = path.hasPrefix("/") || base.isEmpty ? path : (base as NSString).appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: full) else {
                if requireSecrets { report(.error, "cannot read secret file \(full)", at: range) }
                return nil
            }
            guard let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                if requireSecrets { report(.error, "secret file \(full) is empty or not UTF-8 text", at: range) }
                return nil
            }
            return text
        }
    }
}
