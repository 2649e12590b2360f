import Foundation
import Mustache

/// A `webhook` channel's own body: a Mustache template rendered over the notification document,
/// whose output must be JSON (`channel hook = webhook env:URL template file:payload.json.mustache`).
///
/// Every value is inserted **JSON-escaped**, for use inside a JSON string: `"{{post.caption}}"`
/// is one valid string whatever the caption holds (quotes, backslashes, control characters,
/// U+2028). `{{{x}}}` is the same as `{{x}}`: there is no way to insert a post's text unescaped.
/// `{{json(x)}}` inserts a value as JSON (`{{json(post)}}` → `{"accountId":…}`, a string with
/// its quotes, `null`), serialised by postwatch. See docs/webhooks.md for the context.
///
/// ```swift
/// let template = try PayloadTemplate(#"{"text": "{{rule}}: {{count}} posts", "posts": [{{#events}}{{json(post)}}{{^last()}},{{/last()}}{{/events}}]}"#)
/// let body = try template.render(document: document)  // JSON, or a PayloadRenderError
/// ```
public struct PayloadTemplate: Sendable, Hashable, CustomStringConvertible {
    /// The template as written.
    public let text: String
    /// Where it was written (a file, or the rule file of an inline one): for messages only.
    public let source: String
    let template: MustacheTemplate

    /// Parses `text`; a Mustache syntax error throws (the checker reports it at its place).
    public init(_ text: String, source: String = "<template>") throws {
        self.text = text
        self.source = source
        // Plain text for Mustache: the JSON escaping is the values' own (see `PayloadNode`).
        self.template = try MustacheTemplate(string: Self.textMode + text)
    }

    static let textMode = "{{% CONTENT_TYPE: TEXT}}"

    public static func == (lhs: PayloadTemplate, rhs: PayloadTemplate) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
    public var description: String { "template \(source)" }

    /// The names a template sees: the document's own fields, plus `count` (of events), `title`
    /// and `body` (the message's text), which every receiver's payload wants at hand.
    ///
    /// A field a document leaves out (`suppressed`, an event's `overdueSeconds` or `cycle`) is
    /// there as `null`, so that `{{json(suppressed)}}` is `null` rather than nothing, which would
    /// break the JSON after lint passed it (the lint sample has every field).
    public static func context(document: JSONValue) -> JSONValue {
        guard case .object(var members) = withNulls(document, like: PayloadSample.document, top: true) else { return document }
        if case .array(let events)? = document["events"] { members.append(("count", .number(String(events.count)))) }
        if let message = document["message"] {
            members.append(("title", message["title"] ?? .string("")))
            members.append(("body", message["body"] ?? .string("")))
        }
        return .object(members)
    }

    /// `value` with `null` for each field `shape` has and it lacks; not inside `group`, which
    /// holds the rule's `group by` fields only.
    static func withNulls(_ value: JSONValue, like shape: JSONValue, top: Bool = false) -> JSONValue {
        switch (value, shape) {
        case (.object(var members), .object(let fields)):
            for index in members.indices {
                if top && members[index].key == "group" { continue }
                if let field = shape[members[index].key] { members[index].value = withNulls(members[index].value, like: field) }
            }
            for field in fields where value[field.key] == nil && !(top && field.key == "group") { members.append((field.key, .null)) }
            return .object(members)
        case (.array(let elements), .array(let samples)):
            guard let sample = samples.first else { return value }
            // Every element of the sample's lists has the same fields but the optional ones:
            // the first one with them stands for all.
            let full = samples.max { a, b in
                if case .object(let x) = a, case .object(let y) = b { return x.count < y.count }
                return false
            } ?? sample
            return .array(elements.map { withNulls($0, like: full) })
        default:
            return value
        }
    }

    /// The text the template renders over `context` (a value from ``context(document:)``), not
    /// yet checked to be JSON.
    public func renderText(_ context: JSONValue) -> String {
        template.render(PayloadNode.wrap(context))
    }

    /// The request body for a document (its JSON form, as sent to plain webhooks): rendered,
    /// then checked to be one JSON value, so that garbage is never sent.
    public func render(document json: Data) throws(PayloadRenderError) -> Data {
        let document: JSONValue
        do {
            document = try JSONParser.parse(String(decoding: json, as: UTF8.self))
        } catch {
            throw PayloadRenderError(message: "the notification document is not JSON: \(error)")
        }
        let output = renderText(Self.context(document: document))
        do {
            _ = try JSONParser.parse(output)
        } catch {
            throw PayloadRenderError(message: "the webhook template did not render JSON: \(error.description) of the rendered body")
        }
        return Data(output.utf8)
    }
}

/// A template's output that is not JSON (sending it would be garbage): a permanent failure.
public struct PayloadRenderError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
