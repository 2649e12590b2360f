extension StringProtocol {
    /// The length in UTF-16 code units (what Slack, Discord and the other chat services count),
    /// read from the UTF-8 bytes: every byte that starts a scalar is one unit, and a 4-byte
    /// scalar (outside the Basic Multilingual Plane: most emoji) is two. `utf16.count` gives the
    /// same but builds an index (breadcrumbs) for every non-ASCII string it measures, which a
    /// layout measuring each post's text several times paid for again and again.
    var utf16Length: Int {
        var length = 0
        for byte in utf8 where byte & 0xC0 != 0x80 {
            length += byte >= 0xF0 ? 2 : 1
        }
        return length
    }
}
