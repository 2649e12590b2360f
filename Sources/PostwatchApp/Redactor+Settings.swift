import Redaction
import Rules
import Synchronization

extension Redactor {
    /// Every secret a run knows: the API key, the SMTP password (set without `--smtp-url`, it is
    /// a secret all the same) and URL, the state database's password, and each channel's URL
    /// and HMAC secret. Email addresses
    /// are where mail goes, not credentials.
    ///
    /// Built once the rules are loaded and handed to the API client and every channel, which
    /// redact the peers' words as they become errors (see ``Redactor``).
    public init(settings: Settings, channels: some Sequence<ChannelDeclaration>) {
        self.init(
            secrets: [
                settings.apiKey, settings.smtp?.password, settings.environment["POSTWATCH_SMTP_PASSWORD"], settings.state.secret,
            ],
            urls: settings.smtp.map { [$0.url] } ?? [])
        for channel in channels {
            // Email addresses are where mail goes, not credentials; URLs are.
            if channel.kind.takesURL {
                for url in channel.targets {
                    add(url: url)
                    channel.kind.credentials(inURL: url).forEach { add(secret: $0) }
                }
            }
            // A PagerDuty routing key is a secret with no URL around it.
            if channel.kind.target == .secretKey { channel.targets.forEach { add(secret: $0) } }
            add(secret: channel.secret)
        }
    }

    /// The secrets known to this process so far, for its log lines and its last error line:
    /// a second line of defence behind the redaction where peer text enters, for messages
    /// postwatch writes itself.
    public static var process: Redactor { processRedactor.withLock { $0 } }

    /// Adds `redactor`'s secrets to ``process``. Only ever adds: after a reload, a removed
    /// channel's URL is still a secret.
    public static func install(_ redactor: Redactor) {
        processRedactor.withLock { $0 = $0.merging(redactor) }
    }
}

/// What ``Redactor/process`` returns; set as settings and rules are read.
private let processRedactor = Mutex(Redactor())
