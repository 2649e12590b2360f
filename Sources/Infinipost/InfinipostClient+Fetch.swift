import Curl
import Foundation
import Redaction
import Timekeeping

/// One request, and what its answer means.
extension InfinipostClient {
    /// Sends `request` once and returns the page, or throws `APIError` saying what went wrong.
    ///
    /// This is where the API's words enter postwatch, so the error is redacted here, once: it is
    /// then retried, logged, written to the cycles table and counted in a metrics label (its
    /// code comes from the API too), and every one of those must be free of secrets.
    func fetch(_ request: HTTPRequest) async throws -> PostsPage {
        do {
            let response: HTTPResponse
            do {
                response = try await transport.send(request)
            } catch let error as CurlError {
                throw Self.apiError(for: error, configuration: configuration)
            }
            return try Self.page(from: response)
        } catch let error as APIError {
            var redactor = configuration.redactor
            redactor.add(secret: configuration.apiKey)
            throw error.redacted(by: redactor)
        }
    }

    /// Reads an answer: the page on 200, else the API's error (or what the answer looked like).
    static func page(from response: HTTPResponse) throws(APIError) -> PostsPage {
        let contentType = response.header("Content-Type")
        guard response.status == 200 else {
            throw error(from: response, contentType: contentType)
        }
        // The hand-written parser reads a page several times faster. JSONDecoder stays for what it
        // does not read: a valid page it refuses is still decoded, a broken one still described.
        if let page = PostsPageParser.parse(response.body) { return page }
        do {
            return try JSONDecoder.infinipost().decode(PostsPage.self, from: response.body)
        } catch {
            throw APIError(
                code: .badResponse,
                message: ResponseDiagnosis.describe(body: response.body, contentType: contentType, decodingError: error),
                httpStatus: 200)
        }
    }

    static func error(from response: HTTPResponse, contentType: String?) -> APIError {
        let status = response.status
        let retryAfter = response.retryAfter ?? response.header("Retry-After").flatMap(Int.init).map { Duration.seconds(max(0, $0)) }
        if let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: response.body) {
            return APIError(
                code: APIError.Code(rawValue: String(envelope.error.code.prefix(100))),
                message: String(envelope.error.message.prefix(500)), httpStatus: status, retryAfter: retryAfter)
        }
        let code: APIError.Code =
            switch status {
            case 401: .unauthenticated
            case 429: .rateLimited
            default: .badResponse
            }
        let shape = response.body.isEmpty
            ? "an empty body"
            : "a body that is not the API's error JSON (\(ResponseDiagnosis.shortDescription(body: response.body, contentType: contentType)))"
        return APIError(
            code: code, message: "HTTP \(status) with \(shape)", httpStatus: status, retryAfter: retryAfter)
    }

    static func apiError(for error: CurlError, configuration: InfinipostConfiguration) -> APIError {
        switch error.code {
        case .timedOut:
            return APIError(
                code: .timeout,
                message: "no complete answer within \(configuration.requestTimeout.compactDescription): \(error.message)")
        case .responseTooLarge:
            return APIError(
                code: .responseTooLarge,
                message: "response larger than the \(ResponseDiagnosis.byteCount(configuration.maxPageBytes)) page cap")
        case _ where error.isTransient || [7, 18, 52, 55, 56].contains(error.curlCode):
            // 18: the body ended before its Content-Length (a cut connection); 52: no answer at all.
            return APIError(code: .connection, message: error.description)
        default:
            // TLS, a refused protocol, a bad URL: asking again will not help.
            return APIError(code: .transport, message: error.description, httpStatus: nil)
        }
    }
}
