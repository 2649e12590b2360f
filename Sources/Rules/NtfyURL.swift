import Foundation

/// An ntfy topic URL, `https://ntfy.sh/mytopic`, taken apart for the JSON publish form: the
/// server's root (where JSON is posted) and the topic (which goes in the body).
///
/// The topic is the credential on a public server: anyone who knows it can read and write it.
public struct NtfyURL: Sendable, Hashable {
    /// `https://ntfy.sh/` (a self-hosted server under a path keeps it: `https://host/ntfy/`).
    public let root: String
    /// `mytopic`.
    public let topic: String

    /// ntfy's own rule for topic names.
    static let topicCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

    /// Nil unless `url` is `http(s)://HOST[/PREFIX]/TOPIC` with no query, fragment or credentials.
    public init?(_ url: String) {
        guard WebURL.isHTTP(url), let components = URLComponents(string: url),
              components.percentEncodedQuery == nil, components.percentEncodedFragment == nil,
              components.user == nil, components.password == nil
        else { return nil }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let topic = String(path[path.index(after: slash)...])
        guard (1...64).contains(topic.count), topic.allSatisfy(Self.topicCharacters.contains) else { return nil }
        var root = components
        root.percentEncodedPath = String(path[...slash])
        guard let rootURL = root.string else { return nil }
        self.root = rootURL
        self.topic = topic
    }
}
