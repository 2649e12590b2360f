import Redaction

extension APIError {
    /// The error with every secret `redactor` knows taken out of its message and code, both of
    /// which can come from the API's answer.
    public func redacted(by redactor: Redactor) -> APIError {
        APIError(
            code: Code(rawValue: redactor.redact(code.rawValue)), message: redactor.redact(message), httpStatus: httpStatus,
            attempts: attempts, retryAfter: retryAfter)
    }
}
