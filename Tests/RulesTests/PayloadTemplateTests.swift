import Foundation
import Testing

@testable import Rules

/// The webhook template's pieces: JSON escaping, the strict parser and its positions, the
/// context's values and `json()`, and a template read from a file next to the rules.
@Suite struct PayloadTemplateTests {
    /// Every scalar of the Basic Multilingual Plane (and some beyond), escaped inside quotes,
    /// parses with Foundation's parser as exactly that text.
    @Test func escapingRoundTripsEveryScalarThroughFoundation() throws {
        var scalars = (0..<0xD800).compactMap(Unicode.Scalar.init)
        scalars += (0xE000..<0x10000).compactMap(Unicode.Scalar.init)
        scalars += [0x1F389, 0x10FFFF, 0xF0000].compactMap(Unicode.Scalar.init)
        for chunk in stride(from: 0, to: scalars.count, by: 4096) {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[chunk..<min(chunk + 4096, scalars.count)])
            let text = String(view)
            let json = "[\"" + JSONEscaping.escape(text) + "\"]"
            let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String]
            #expect(parsed == [text], "chunk at \(chunk)")
            #expect(try JSONParser.parse(json) == .array([.string(text)]))
        }
        #expect(JSONEscaping.escape("a\u{2028}b\u{2029}\u{7F}\u{00}") == #"a\u2028b\u2029\u007f\u0000"#)
    }

    @Test(arguments: [
        (#"{"a": 1,}"#, 1, 9, "expected a key in double quotes, found '}'"),
        ("{\"a\": \"x\ny\"}", 1, 9, "a line break inside a string: it must be escaped"),
        ("[1, 2]\n[3]", 2, 1, "expected the end of the JSON text, found '['"),
        (#"{"a" 1}"#, 1, 6, "expected ':' after the key \"a\", found '1'"),
        (#"["é", tru]"#, 1, 7, "expected a value, found 't'"),
        (#"{"a": 01}"#, 1, 8, "expected ',' or '}' after the value of \"a\", found '1'"),
        (#""\x""#, 1, 2, "an invalid escape '\\x' in a string"),
        ("", 1, 1, "expected a value, found the end of the text"),
    ])
    func theParserSaysWhereAndWhy(text: String, line: Int, column: Int, message: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.line == line && error.column == column, "\(error)")
            #expect(error.message == message)
        }
        // Not compared with Foundation: on Linux it takes a trailing comma, which Python's
        // `json` and browsers refuse; receivers are the judges, so postwatch is strict.
    }

    @Test func valuesParseAsFoundationParsesThem() throws {
        let text = #"{"n": -1.5e3, "t": true, "f": false, "z": null, "s": "\ud83c\udf89\/", "a": [0, {}], "o": {"k": []}}"#
        let value = try JSONParser.parse(text)
        #expect(value["n"] == .number("-1.5e3"))
        #expect(value["s"] == .string("🎉/"))
        #expect(value.serialized == #"{"n":-1.5e3,"t":true,"f":false,"z":null,"s":"🎉/","a":[0,{}],"o":{"k":[]}}"#)
    }

    @Test func valuesRenderEscapedAndJSONRendersTheValue() throws {
        let template = try PayloadTemplate(
            #"{"e": "{{s}}", "t": "{{{s}}}", "j": {{json(s)}}, "n": {{n}}, "z": "{{z}}", "zj": {{json(z)}}, "o": {{json(o)}}, "os": "{{o}}", "c": {{count(a)}}, "l": [{{#a}}{{.}}{{^last()}},{{/last()}}{{/a}}], "f": "{{#f}}yes{{/f}}{{^f}}no{{/f}}"}"#)
        let context = try JSONParser.parse(#"{"s": "q\"b\\n\n", "n": 3, "z": null, "o": {"k": "v"}, "a": [1, 2, 3], "f": false}"#)
        let output = template.renderText(context)
        #expect(output == #"{"e": "q\"b\\n\n", "t": "q\"b\\n\n", "j": "q\"b\\n\n", "n": 3, "z": "", "zj": null, "o": {"k":"v"}, "os": "{\"k\":\"v\"}", "c": 3, "l": [1,2,3], "f": "no"}"#)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(parsed["e"] as? String == "q\"b\\n\n")
    }

    @Test func aDocumentLackingAFieldHasItAsNull() throws {
        let document = JSONValue.object([("rule", .string("R")), ("events", .array([.object([("kind", .string("transition"))])]))])
        let context = PayloadTemplate.context(document: document)
        #expect(context["suppressed"] == .null)
        #expect(context["count"] == .number("1"))
        guard case .array(let events)? = context["events"] else { Issue.record("no events"); return }
        #expect(events.first?["overdueSeconds"] == .null)
        #expect(events.first?["kind"] == .string("transition"))
        #expect(context["group"] == nil, "group holds the rule's group-by fields only")
    }

    /// `template file:PATH` is relative to the rule file, and its errors point into it.
    @Test func aTemplateFileNextToTheRules() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("payload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = """
            channel hook = webhook env:HOOK template file:payload.json.mustache
            rule "R" {
              when failed
              notify hook
            }
            """
        try rules.write(to: directory.appendingPathComponent("a.rules"), atomically: true, encoding: .utf8)
        let payload = directory.appendingPathComponent("payload.json.mustache")
        try "{\n  \"text\": \"{{title}}\",\n  \"caption\": \"{{#events}}{{post.caption}}{{/events}}\"\n}\n".write(to: payload, atomically: true, encoding: .utf8)
        let environment = ["HOOK": "https://hooks.example.com/x"]
        let set = try RuleSet.load(path: directory.appendingPathComponent("a.rules").path, environment: environment)
        let template = try #require(set.channels["hook"]?.template)
        #expect(template.text.hasPrefix("{\n  \"text\""))

        try "{\n  \"text\": {{title}}\n}\n".write(to: payload, atomically: true, encoding: .utf8)
        do {
            _ = try RuleSet.load(path: directory.appendingPathComponent("a.rules").path, environment: environment)
            Issue.record("a template that is not JSON loaded")
        } catch {
            let diagnostic = try #require(error.diagnostics.first)
            #expect(diagnostic.location.file == payload.path)
            #expect(diagnostic.location.line == 2 && diagnostic.location.column == 11, "\(diagnostic)")
            #expect(diagnostic.sourceLine == "  \"text\": {{title}}")
            #expect(diagnostic.message.contains("in the value of {{title}}"))
        }
    }
}
