import Foundation

/// A Microsoft Teams Workflows (Power Automate) webhook URL, pasted as Teams gives it.
///
/// Two forms are current: the Logic Apps one,
/// `https://prod-12.westus.logic.azure.com:443/workflows/ID/triggers/manual/paths/invoke?api-version=2016-06-01&sp=…&sv=1.0&sig=…`,
/// and the newer Power Platform one,
/// `https://default1234.56.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/ID/triggers/manual/paths/invoke?api-version=1&sp=…&sv=1.0&sig=…`.
/// The whole URL is a secret and `sig` is the credential in it (a shared access signature).
/// The Office 365 connector URLs (`…webhook.office.com/webhookb2/…`) are retired and refused
/// with a message saying so.
///
/// A loopback host (`127.0.0.1`, `localhost`, `::1`) is accepted over http or https, so a
/// local receiver can stand in for Teams in tests and trials.
public struct TeamsURL: Sendable, Hashable {
    /// The `sig` query value, when the URL has one.
    public let signature: String?

    /// Hosts Workflows webhooks are served from: Logic Apps (commercial and US Government
    /// clouds) and Power Platform environments.
    static let hostSuffixes = [".logic.azure.com", ".logic.azure.us", ".environment.api.powerplatform.com"]
    static let powerPlatformSuffix = ".environment.api.powerplatform.com"

    public init?(_ url: String) {
        guard Self.problem(with: url) == nil, let components = URLComponents(string: url) else { return nil }
        self.signature = components.queryItems?.first { $0.name == "sig" }?.value
    }

    /// Why `url` is not a Workflows webhook URL postwatch can post to; nil when it is. The text
    /// names at most the host: the path and query hold the credential.
    public static func problem(with url: String) -> String? {
        let shape = "https://….logic.azure.com/workflows/…/triggers/manual/paths/invoke?…&sig=…"
        guard let components = URLComponents(string: url), let host = components.host?.lowercased(), !host.isEmpty,
              let scheme = components.scheme?.lowercased()
        else { return "is not a Teams Workflows webhook URL (\(shape))" }
        if ChannelKind.isLoopback(host: host) { return scheme == "http" || scheme == "https" ? nil : "is not a Teams Workflows webhook URL (\(shape))" }
        if host.hasSuffix(".webhook.office.com") || host == "outlook.office.com" || host == "outlook.office365.com" {
            return "is an Office 365 connector URL, which Microsoft retired: create a Workflows webhook in Teams and paste its URL"
        }
        guard scheme == "https" else { return "must use https, as every Workflows webhook URL does" }
        guard hostSuffixes.contains(where: { host.hasSuffix($0) }) else {
            return "is not on a Workflows host (*.logic.azure.com, *.logic.azure.us, *.environment.api.powerplatform.com): paste the URL the Teams workflow shows"
        }
        guard components.user == nil, components.password == nil, components.percentEncodedFragment == nil else {
            return "has a user name, password or '#fragment'; a Workflows URL has none"
        }
        let path = components.percentEncodedPath.lowercased()
        guard path.contains("/workflows/"), path.contains("/triggers/") else {
            return "is not a Workflows trigger URL: its path has no /workflows/…/triggers/…"
        }
        let signature = components.queryItems?.first { $0.name == "sig" }?.value ?? ""
        if signature.isEmpty, !host.hasSuffix(powerPlatformSuffix) {
            return "has no 'sig' parameter: paste the whole URL Teams gives, query included"
        }
        return nil
    }
}
