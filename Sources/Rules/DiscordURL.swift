import Foundation

/// A Discord webhook URL, pasted as Discord gives it:
/// `https://discord.com/api/webhooks/ID/TOKEN` (also on `discordapp.com`, the `ptb.` and
/// `canary.` clients' hosts, and with an API version, `/api/v10/webhooks/…`). The token is the
/// credential; the whole URL is a secret. A query (`thread_id=…`) is kept. Discord's Slack
/// shim (`…/slack`) is accepted and posted to natively (``problem(with:)`` only checks the
/// shape); the GitHub shim (`…/github`) takes another payload and is refused.
///
/// A loopback host is accepted over http or https with any path, so a local receiver can stand
/// in for Discord in tests and trials.
public enum DiscordURL {
    static let hosts: Set<String> = ["discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com", "ptb.discordapp.com", "canary.discordapp.com"]

    /// Why `url` is not a Discord webhook URL postwatch can post to; nil when it is. The text
    /// names at most the host: the path holds the token.
    public static func problem(with url: String) -> String? {
        let shape = "https://discord.com/api/webhooks/ID/TOKEN"
        guard let components = URLComponents(string: url), let host = components.host?.lowercased(), !host.isEmpty,
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else { return "is not a Discord webhook URL (\(shape))" }
        if ChannelKind.isLoopback(host: host) { return nil }
        guard scheme == "https" else { return "must use https, as every Discord webhook URL does" }
        guard hosts.contains(host) else {
            return "is not on Discord's host (discord.com): paste the webhook URL Discord shows (\(shape))"
        }
        guard components.user == nil, components.password == nil, components.percentEncodedFragment == nil else {
            return "has a user name, password or '#fragment'; a Discord webhook URL has none"
        }
        var segments = components.percentEncodedPath.split(separator: "/").map(String.init)
        if segments.last == "slack" { segments.removeLast() }
        if segments.last == "github" {
            return "is Discord's GitHub shim (…/github), which takes GitHub's payloads: paste the URL without '/github'"
        }
        // api, an optional version, webhooks, the numeric ID, the token.
        if segments.count == 5, segments[1].count > 1, segments[1].hasPrefix("v"), segments[1].dropFirst().allSatisfy(\.isNumber) {
            segments.remove(at: 1)
        }
        guard segments.count == 4, segments[0] == "api", segments[1] == "webhooks" else {
            return "is not a Discord webhook URL: its path is not /api/webhooks/ID/TOKEN"
        }
        guard !segments[2].isEmpty, segments[2].allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return "is not a Discord webhook URL: the webhook ID after /api/webhooks/ is not a number"
        }
        guard segments[3].count >= 20 else {
            return "has a token too short to be Discord's: paste the whole URL Discord shows"
        }
        return nil
    }
}
