import Curl
import Foundation
import Infinipost
import Logging
import TestSupport

/// One transport for the whole test bundle, as in the product: one multi handle for everything.
let sharedTransport = CurlTransport()

func makeClient(
    _ server: SandboxServer, apiKey: String? = nil, retry: RetryPolicy = RetryPolicy(),
    requestTimeout: Duration = .seconds(10), maxPageBytes: Int = 8 << 20,
    clock: ManualClock? = ManualClock(), logger: Logger = Logger(label: "test")
) -> InfinipostClient {
    let configuration = InfinipostConfiguration(
        baseURL: server.baseURL, apiKey: apiKey ?? server.apiKey, connectTimeout: .seconds(5),
        requestTimeout: requestTimeout, retry: retry, maxPageBytes: maxPageBytes)
    // A manual clock records the waits and returns at once: retry tests run in milliseconds.
    if let clock {
        return InfinipostClient(configuration: configuration, transport: sharedTransport, logger: logger, clock: clock)
    }
    return InfinipostClient(configuration: configuration, transport: sharedTransport, logger: logger)
}

/// Runs `body` and returns the `APIError` it threw; nil when it threw nothing or something else.
func apiError(_ body: () async throws -> Void) async -> APIError? {
    do {
        try await body()
        return nil
    } catch let error as APIError {
        return error
    } catch {
        return nil
    }
}
