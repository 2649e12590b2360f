import CCurl
import Foundation

/// Every network call of postwatch: HTTP(S) and SMTP(S) on libcurl, many transfers in flight on
/// one multi handle driven by a dedicated thread.
///
/// Create one per process (with the command line's configuration) and share it: transfers to the
/// same host reuse connections, and thousands can be in flight at once without a thread each.
/// The thread starts with the first transfer and ends when the transport is released (transfers
/// hold the transport while they run, so it is never released under one).
///
/// ```swift
/// let transport = CurlTransport(configuration: .init(caFile: "/etc/postwatch/ca.pem"))
/// let response = try await transport.send(HTTPRequest(url: "https://example.com/"))
/// ```
///
/// Security defaults: TLS verification always on, protocols limited to `https`/`http` (plain
/// `http` only to loopback unless `allowPlainHTTP`) and `smtp`/`smtps`, no redirects unless a
/// request asks, proxies only when configured (the environment's `http_proxy` is ignored), and
/// error messages show a URL as `scheme://host[:port]/…` at most.
public final class CurlTransport: Sendable {
    /// How transfers are made; built by the command line, never read from the environment here.
    public struct Configuration: Sendable {
        /// A PEM file of private CA certificates to trust (`--ca-file`), in addition to the system's.
        ///
        /// libcurl (OpenSSL) is given it as `CURLOPT_CAINFO`, which replaces only the default
        /// bundle *file*: the system's certificate directory (`CURLOPT_CAPATH`, `/etc/ssl/certs` on
        /// Debian) stays in use, so public CAs keep working. On a system whose libcurl has no CA
        /// directory, put every CA to trust in this file.
        public var caFile: String?
        /// Plain `http://` is allowed to loopback hosts only, unless this is set.
        public var allowPlainHTTP: Bool
        public var userAgent: String
        /// A proxy URL for every HTTP transfer; `nil` means none (the environment is not read).
        public var proxy: String?

        public init(caFile: String? = nil, allowPlainHTTP: Bool = false, userAgent: String = "postwatch", proxy: String? = nil) {
            self.caFile = caFile
            self.allowPlainHTTP = allowPlainHTTP
            self.userAgent = userAgent
            self.proxy = proxy
        }
    }

    public let configuration: Configuration
    let loop: CurlMultiLoop
    /// The SMTP connections of `loop`'s multi handle that authenticated (reused ones send no AUTH).
    let authenticatedConnections = AuthenticatedConnections()

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        loop = CurlMultiLoop()
    }

    deinit {
        loop.stop()
    }

    /// Sends one HTTP request; any status code is a response, only a failed transfer throws
    /// (`CurlError`, or `CancellationError` when the task is cancelled).
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var request = request
        var hops = 0
        while true {
            let (response, location) = try await perform(request)
            Self.answers?.record("HTTP \(response.status)")
            guard request.followRedirects, [301, 302, 303, 307, 308].contains(response.status),
                  let location, hops < 10 else { return response }
            hops += 1
            request = redirected(request, to: location, status: response.status)
        }
    }

    /// Sends one mail over SMTP; throws `CurlError` when the server accepted it for nobody.
    /// When it refused some recipients only, the mail went to the others and
    /// `MailResponse.recipients` says who was refused.
    public func send(_ request: MailRequest) async throws -> MailResponse {
        do {
            let response = try await perform(request)
            Self.answers?.record("SMTP \(response.replyCode)")
            return response
        } catch let error as CurlError where error.smtpReply > 0 {
            Self.answers?.record("SMTP \(error.smtpReply)")
            throw error
        }
    }

    /// Options every transfer shares.
    func applyCommonOptions(_ transfer: CurlTransfer, connectTimeout: Duration, totalTimeout: Duration) {
        transfer.set(CURLOPT_NOSIGNAL, 1)
        transfer.set(CURLOPT_SSL_VERIFYPEER, 1)
        transfer.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile = configuration.caFile { transfer.set(CURLOPT_CAINFO, caFile) }
        transfer.set(CURLOPT_PROXY, configuration.proxy ?? "")
        // A deadline set by the task (check's --delivery-timeout) cuts the transfer's own
        // timeouts short: a send started a second before it ends may take a second, not 30.
        let remaining = Self.deadline.map { max(.milliseconds(1), $0 - .now) }
        transfer.set(CURLOPT_CONNECTTIMEOUT_MS, min(connectTimeout, remaining ?? connectTimeout).milliseconds)
        transfer.set(CURLOPT_TIMEOUT_MS, min(totalTimeout, remaining ?? totalTimeout).milliseconds)
    }

    /// When every transfer started by the current task (and the tasks it creates) must be over:
    /// each is given at most the time left, however long its own timeout. Nil: their own.
    ///
    /// ```swift
    /// try await CurlTransport.$deadline.withValue(.now + .seconds(20)) { try await channel.send(document) }
    /// ```
    @TaskLocal public static var deadline: ContinuousClock.Instant?
}

extension Duration {
    /// Whole milliseconds, at least 1 (0 means "no timeout" to libcurl).
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
