import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The daemon's HTTP API (`/api/v1/silences`), on its own Hummingbird server: served only when
/// `--api-token-file` is given, on `--api-address` (127.0.0.1:9465 by default: never beyond
/// loopback unless the user names an address). Separate from the metrics server, whose address
/// is often opened to a Prometheus on another host.
public struct APIServer: Service, CustomStringConvertible {
    public var description: String { "APIServer" }

    public struct Configuration: Sendable {
        public var address: MetricsServer.Configuration
        public var token: APIToken

        public init(address: MetricsServer.Configuration, token: APIToken) {
            self.address = address
            self.token = token
        }

        /// The default address.
        public static let defaultAddress = "127.0.0.1:9465"

        /// `--api-address` parsed (its own flag named in errors).
        public static func address(parsing text: String) throws(CommandError) -> MetricsServer.Configuration {
            try MetricsServer.Configuration(parsing: text, option: "--api-address", purpose: "the API")
        }
    }

    private let application: Application<CallbackResponder<BasicRequestContext>>

    public init(
        configuration: Configuration, admin: SilenceAdmin, logger: Logger, onRunning: (@Sendable (Int) async -> Void)? = nil
    ) {
        let api = SilenceAPI(admin: admin, token: configuration.token, logger: logger)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: SilenceAPI.maxBody)
            } catch {
                // A caller without the token learns nothing, not even that its body was too large.
                guard api.authorizes(request.headers[.authorization]) else { return Self.response(SilenceAPI.unauthorized) }
                return Self.response(SilenceAPI.error(413, "too_large", "the body is larger than \(SilenceAPI.maxBody) bytes"))
            }
            var query: [String: String] = [:]
            for (name, value) in request.uri.queryParameters where query[String(name)] == nil {
                query[String(name)] = String(value)
            }
            let answer = await api.respond(to: SilenceAPI.Request(
                method: request.method.rawValue, path: request.uri.path, query: query,
                authorization: request.headers[.authorization], body: Data(body.readableBytesView)))
            return Self.response(answer)
        }
        application = Application(
            responder: responder,
            configuration: .init(
                address: .hostname(configuration.address.host, port: configuration.address.port), serverName: "postwatch"),
            onServerRunning: { channel in await onRunning?(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    static func response(_ answer: SilenceAPI.Response) -> Response {
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    public func run() async throws {
        try await application.run()
    }
}
