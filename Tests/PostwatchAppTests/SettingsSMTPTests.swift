import Testing
import PostwatchApp

/// `--smtp-tls none` with a login sent the password in clear across the network without a word.
@Suite struct SettingsSMTPTests {
    static func settings(url: String, tls: String, user: String?, password: String? = nil) throws(CommandError) -> Settings {
        var flags = Settings.Flags()
        flags.smtpURL = url
        flags.smtpTLS = tls
        flags.smtpUser = user
        var environment: [String: String] = [:]
        environment["POSTWATCH_SMTP_PASSWORD"] = password
        return try Settings(flags: flags, environment: environment, requireAPIKey: false)
    }

    @Test(arguments: [
        ("smtp://mail.example.com:587", "pw-user" as String?, nil as String?),
        ("smtp://10.0.0.5:25", nil, "only-a-password"),
        ("smtp://127.example.com:25", "pw-user", nil),
    ] as [(String, String?, String?)])
    func aLoginWithoutTLSToAnotherHostIsRefused(url: String, user: String?, password: String?) {
        #expect {
            _ = try Self.settings(url: url, tls: "none", user: user, password: password)
        } throws: { error in
            guard let error = error as? CommandError else { return false }
            return error.status == .configuration && error.message.contains("in clear")
        }
    }

    @Test(arguments: [
        ("smtp://127.0.0.1:2525", "none", "pw-user" as String?),
        ("smtp://localhost:25", "none", "pw-user"),
        ("smtp://[::1]:25", "none", "pw-user"),
        ("smtp://mail.example.com:25", "none", nil),  // a relay without login
        ("smtp://mail.example.com:587", "required", "pw-user"),
    ] as [(String, String, String?)])
    func loopbackOrTLSOrNoLoginIsAccepted(url: String, tls: String, user: String?) throws {
        let settings = try Self.settings(url: url, tls: tls, user: user)
        #expect(settings.smtp?.url == url)
    }
}
