import Synchronization

/// The answers peers gave to the transfers of a task, as short codes free of secrets
/// (`HTTP 500`, `SMTP 250`): delivery keeps the last one with each attempt (the history's
/// "with which answer"), whichever channel sent it and however many requests that took.
///
/// ```swift
/// let answers = TransferAnswers()
/// try await CurlTransport.$answers.withValue(answers) { try await channel.send(document) }
/// answers.last   // "HTTP 200"
/// ```
public final class TransferAnswers: Sendable {
    private let answers = Mutex<[String]>([])

    public init() {}

    /// Every answer, in order.
    public var all: [String] { answers.withLock { $0 } }

    /// The last answer; nil when no peer answered (a refused connection, a timeout).
    public var last: String? { answers.withLock { $0.last } }

    func record(_ answer: String) {
        answers.withLock { $0.append(answer) }
    }
}

extension CurlTransport {
    /// Where the transfers started by the current task (and the tasks it creates) note their
    /// answers; nil: nowhere.
    @TaskLocal public static var answers: TransferAnswers?
}
