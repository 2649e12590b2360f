import Foundation
import Testing

/// Golden payload files: the exact bytes a channel sends for a fixed document, kept in
/// `Golden/files/<kind>/<name>` and reviewed against the vendor's documented schema.
///
/// A difference fails the test and shows both; `POSTWATCH_RECORD_GOLDEN=1 swift test --filter …`
/// writes the current bytes instead (then review them with `git diff` before committing). JSON
/// is compared after pretty-printing with sorted keys, so the file reads well and a key order
/// change alone is not a difference.
enum GoldenFile {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("files")

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Checks `data` against `Golden/files/<kind>/<name>`; `name` ending in `.json` compares as JSON.
    static func check(
        _ data: Data, kind: String, name: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let file = directory.appendingPathComponent(kind).appendingPathComponent(name)
        let actual = name.hasSuffix(".json") ? try pretty(data) : data
        if ProcessInfo.processInfo.environment["POSTWATCH_RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: file)
            return
        }
        guard let expected = FileManager.default.contents(atPath: file.path) else {
            throw Failure(description: "no golden file \(kind)/\(name): record it with POSTWATCH_RECORD_GOLDEN=1 and review it")
        }
        #expect(
            String(decoding: actual, as: UTF8.self) == String(decoding: expected, as: UTF8.self),
            "\(kind)/\(name) differs from the golden file (POSTWATCH_RECORD_GOLDEN=1 rewrites it)",
            sourceLocation: sourceLocation)
    }

    static func pretty(_ data: Data) throws -> Data {
        let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        var out = try JSONSerialization.data(
            withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        out.append(0x0A)
        return out
    }
}
