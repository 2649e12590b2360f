import Mustache

/// A value of a webhook template's context as Mustache sees it: objects answer their members,
/// strings render JSON-escaped, `null` and `false` are empty and falsy, and `json(…)` gives the
/// value's JSON text. Arrays are ``PayloadList``s, so sections iterate them.
struct PayloadNode: MustacheParent, MustacheTransformable, MustacheCustomRenderable {
    let value: JSONValue

    /// The Mustache form of `value`.
    static func wrap(_ value: JSONValue) -> Any {
        if case .array(let elements) = value { return PayloadList(elements: elements) }
        return PayloadNode(value: value)
    }

    func child(named name: String) -> Any? {
        value[name].map(Self.wrap)
    }

    var renderText: String {
        switch value {
        case .string(let text): JSONEscaping.escape(text)
        case .number(let literal): literal
        case .bool(let flag): flag ? "true" : "false"
        case .null: ""
        // An object in a string: its JSON text, escaped like any text.
        case .array, .object: JSONEscaping.escape(value.serialized)
        }
    }

    var isNull: Bool {
        switch value {
        case .null, .bool(false): true
        default: false
        }
    }

    func transform(_ name: String) -> Any? {
        switch name {
        case "json": PayloadRawJSON(text: value.serialized)
        case "empty":
            switch value {
            case .string(let text): text.isEmpty
            case .object(let members): members.isEmpty
            case .null: true
            default: false
            }
        default: nil
        }
    }
}

/// An array of the context: a Mustache sequence (`{{#events}}…{{/events}}`, with
/// `{{^last()}},{{/last()}}` between elements).
struct PayloadList: MustacheSequence, MustacheTransformable, MustacheCustomRenderable {
    let elements: [JSONValue]

    func makeIterator() -> AnyIterator<Any> {
        var iterator = elements.makeIterator()
        return AnyIterator { iterator.next().map(PayloadNode.wrap) }
    }

    var renderText: String { JSONEscaping.escape(JSONValue.array(elements).serialized) }
    var isNull: Bool { false }

    func transform(_ name: String) -> Any? {
        switch name {
        case "json": PayloadRawJSON(text: JSONValue.array(elements).serialized)
        case "count": PayloadNode(value: .number(String(elements.count)))
        case "empty": elements.isEmpty
        case "first": elements.first.map(PayloadNode.wrap)
        case "last": elements.last.map(PayloadNode.wrap)
        default: nil
        }
    }
}

/// JSON text postwatch serialised itself (`{{json(post)}}`): inserted as it is.
struct PayloadRawJSON: MustacheCustomRenderable {
    let text: String
    var renderText: String { text }
    var isNull: Bool { false }
}

extension PayloadTemplate {
    /// The transforms a template may apply to a value, and those of a section's position.
    static let valueTransforms = ["json", "count", "empty", "first", "last"]
    static let positionTransforms = ["first", "last", "index", "even", "odd"]
}
