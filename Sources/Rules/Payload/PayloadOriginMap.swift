/// Which part of a webhook template each scalar of its output came from, so that `rules lint`
/// can point at the template where the rendered JSON breaks.
///
/// The template is rendered once more with invisible markers around every tag (private-use
/// scalars numbering the tag, before and after it); the output without them maps each scalar
/// to a tag's value, or to the template text after the last tag closed. The markers defeat
/// Mustache's standalone-line rule, so this output may differ from the real one in whitespace
/// only, which changes no JSON error: the error is found again in this output.
struct PayloadOriginMap {
    enum Origin {
        /// Inside what `tag` inserted; `isStart` when at its first scalar.
        case value(MustacheTags.Tag, isStart: Bool)
        /// The template's own text, at this scalar offset.
        case text(Int)
    }

    private static let openBase: UInt32 = 0xF0000
    private static let closeBase: UInt32 = 0x100000

    let origins: [Origin]
    /// Where the unmarked output stops being JSON (nil: it parses, the markers changed it).
    let error: JSONSyntaxError?

    init?(template text: String, context: JSONValue) {
        let tags = MustacheTags.scan(text)
        guard tags.count < 0xFFFF else { return nil }
        var marked = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var position = 0
        for (index, tag) in tags.enumerated() {
            marked.append(contentsOf: scalars[position..<tag.offset])
            marked.append(Unicode.Scalar(Self.openBase + UInt32(index))!)
            marked.append(contentsOf: scalars[tag.offset..<tag.offset + tag.length])
            marked.append(Unicode.Scalar(Self.closeBase + UInt32(index))!)
            position = tag.offset + tag.length
        }
        marked.append(contentsOf: scalars[position...])
        guard let template = try? PayloadTemplate(String(marked)) else { return nil }
        let output = template.renderText(context)

        var clean = String.UnicodeScalarView()
        var origins: [Origin] = []
        var inside: (tag: Int, count: Int)?
        var after: (end: Int, count: Int) = (0, 0)
        for scalar in output.unicodeScalars {
            let value = scalar.value
            if value >= Self.closeBase, Int(value - Self.closeBase) < tags.count {
                let tag = tags[Int(value - Self.closeBase)]
                inside = nil
                after = (tag.offset + tag.length, 0)
            } else if value >= Self.openBase, value < Self.openBase + 0xFFFF, Int(value - Self.openBase) < tags.count {
                inside = (Int(value - Self.openBase), 0)
            } else {
                clean.append(scalar)
                if let current = inside {
                    origins.append(.value(tags[current.tag], isStart: current.count == 0))
                    inside?.count += 1
                } else {
                    origins.append(.text(after.end + after.count))
                    after.count += 1
                }
            }
        }
        // The end of the output: after whatever came last.
        if let current = inside {
            origins.append(.value(tags[current.tag], isStart: false))
        } else {
            origins.append(.text(max(0, after.end + after.count - 1)))
        }
        self.origins = origins
        do {
            _ = try JSONParser.parse(String(clean))
            self.error = nil
        } catch {
            self.error = error
        }
    }

    func origin(ofScalar offset: Int) -> Origin? {
        origins.indices.contains(offset) ? origins[offset] : nil
    }
}
