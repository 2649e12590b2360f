import CCurl
import Foundation
import Synchronization

/// One curl multi handle driven by one dedicated thread: every transfer of a `CurlTransport`
/// runs on it, so a thousand transfers in flight cost a thousand easy handles, not threads.
///
/// Other threads only queue work (under a `Mutex`) and call `curl_multi_wakeup`, the one multi
/// function documented as callable from any thread. `@unchecked Sendable` for that reason: the
/// multi pointer is used by the loop thread alone, apart from the wakeup.
final class CurlMultiLoop: @unchecked Sendable {
    private struct Queue {
        var added: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
        var stopping = false
        var started = false
    }

    private let multi: UnsafeMutableRawPointer?
    private let queue = Mutex(Queue())

    init() {
        _ = CurlGlobal.initialized
        multi = curl_multi_init()
    }

    deinit {
        // Runs after the thread ended (it holds a reference while it runs), or if it never started.
        if let multi { curl_multi_cleanup(multi) }
    }

    /// Runs `transfer` to completion and returns libcurl's result code. A cancelled task removes
    /// its transfer from the multi handle and gets `CancellationError`.
    func run(_ transfer: CurlTransfer) async throws -> CURLcode {
        try Task.checkCancellation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<CURLcode, any Error>) in
                transfer.attach(continuation)
                submit(transfer)
            }
        } onCancel: {
            cancel(transfer)
        }
    }

    /// Ends the thread: transfers still in flight fail. Called when the transport goes away.
    func stop() {
        let wake = queue.withLock { queue in
            queue.stopping = true
            return queue.started
        }
        if wake, let multi { curl_multi_wakeup(multi) }
    }

    private func submit(_ transfer: CurlTransfer) {
        guard let multi else {
            transfer.fail(CurlError(code: .other, curlCode: Int32(CURLE_FAILED_INIT.rawValue), message: "curl_multi_init failed"))
            return
        }
        let (accepted, startThread) = queue.withLock { queue -> (Bool, Bool) in
            if queue.stopping { return (false, false) }
            queue.added.append(transfer)
            defer { queue.started = true }
            return (true, !queue.started)
        }
        guard accepted else {
            transfer.fail(CurlError(code: .other, curlCode: 0, message: "the transport was shut down"))
            return
        }
        if startThread {
            let thread = Thread { [self] in runLoop() }
            thread.name = "postwatch-curl"
            thread.start()
        } else {
            curl_multi_wakeup(multi)
        }
    }

    private func cancel(_ transfer: CurlTransfer) {
        guard transfer.requestCancel(), let multi else { return }
        let wake = queue.withLock { queue in
            queue.cancelled.append(transfer)
            return queue.started
        }
        if wake { curl_multi_wakeup(multi) }
    }

    /// The thread's body: add queued transfers, drop cancelled ones, perform, report finished ones.
    private func runLoop() {
        guard let multi else { return }
        var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        while true {
            let (added, cancelled, stopping) = queue.withLock { queue in
                defer {
                    queue.added.removeAll()
                    queue.cancelled.removeAll()
                }
                return (queue.added, queue.cancelled, queue.stopping)
            }
            for transfer in added {
                if transfer.isCancelRequested {
                    transfer.fail(CancellationError())
                } else if curl_multi_add_handle(multi, transfer.easy) == CURLM_OK {
                    active[transfer.easy] = transfer
                } else {
                    transfer.complete(CURLE_FAILED_INIT)
                }
            }
            for transfer in cancelled where active.removeValue(forKey: transfer.easy) != nil {
                curl_multi_remove_handle(multi, transfer.easy)
                transfer.fail(CancellationError())
            }
            if stopping {
                for transfer in active.values {
                    curl_multi_remove_handle(multi, transfer.easy)
                    transfer.fail(CurlError(code: .other, curlCode: 0, message: "the transport was shut down"))
                }
                return
            }

            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                // Read the result before removing the handle: that frees the message.
                let result = message.pointee.data.result
                if let transfer = active.removeValue(forKey: easy) {
                    curl_multi_remove_handle(multi, easy)
                    transfer.complete(result)
                }
            }
            // Sleeps until a socket is ready, libcurl's next timer fires, or `curl_multi_wakeup`.
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}

/// `curl_global_init` exactly once per process, before the first handle (a Swift `static let`
/// is initialised once, thread-safely).
enum CurlGlobal {
    static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}
