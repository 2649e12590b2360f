import Foundation

/// Every network call of postwatch: HTTP(S) and SMTP(S) on libcurl, many transfers in flight on
/// one multi handle driven by a dedicated thread.
///
/// PLACEHOLDER API: the implementation lands with issue 2.
public final class CurlTransport: Sendable {
    /// How transfers are made; built by the command line, never read from the environment here.
    public struct Configuration: Sendable {
        /// A private CA bundle added to the system's (`--ca-file`).
        public var caFile: String?
        /// Plain `http://` is allowed to loopback hosts only, unless this is set.
        public var allowPlainHTTP: Bool
        public var userAgent: String

        public init(caFile: String? = nil, allowPlainHTTP: Bool = false, userAgent: String = "postwatch") {
            self.caFile = caFile
            self.allowPlainHTTP = allowPlainHTTP
            self.userAgent = userAgent
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Sends one HTTP request; any status code is a response, only a failed transfer throws.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        throw CurlError(code: .other, curlCode: 0, message: "not implemented")
    }

    /// Sends one mail over SMTP.
    public func send(_ request: MailRequest) async throws -> MailResponse {
        throw CurlError(code: .other, curlCode: 0, message: "not implemented")
    }
}
