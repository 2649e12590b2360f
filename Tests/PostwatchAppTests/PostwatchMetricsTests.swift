import Metrics
import Synchronization
import Testing
@testable import PostwatchApp

/// The metric objects are made once per label values, not on every call.
@Suite struct PostwatchMetricsTests {
    /// A metrics backend that counts the metrics it is asked to make and what each counter adds up to.
    final class CountingBackend: MetricsFactory {
        final class Handler: CounterHandler, RecorderHandler, TimerHandler {
            let total = Mutex<Int64>(0)
            func increment(by amount: Int64) { total.withLock { $0 += amount } }
            func reset() { total.withLock { $0 = 0 } }
            func record(_ value: Int64) {}
            func record(_ value: Double) {}
            func recordNanoseconds(_ duration: Int64) {}
        }

        /// Every metric made: its label, its label values, its handler.
        let made = Mutex<[(label: String, values: [String], handler: Handler)]>([])

        private func make(_ label: String, _ dimensions: [(String, String)]) -> Handler {
            let handler = Handler()
            made.withLock { $0.append((label, dimensions.map(\.1), handler)) }
            return handler
        }

        func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { make(label, dimensions) }
        func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
            make(label, dimensions)
        }
        func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { make(label, dimensions) }
        func destroyCounter(_ handler: any CounterHandler) {}
        func destroyRecorder(_ handler: any RecorderHandler) {}
        func destroyTimer(_ handler: any TimerHandler) {}

        func count(_ label: String) -> Int { made.withLock { $0.filter { $0.label == label }.count } }

        func total(_ label: String, _ values: [String]) -> Int64? {
            made.withLock { $0.first { $0.label == label && $0.values == values }?.handler.total.withLock { $0 } }
        }
    }

    @Test func aMetricIsMadeOncePerLabelValues() {
        let backend = CountingBackend()
        let metrics = PostwatchMetrics(factory: backend)
        #expect(backend.made.withLock { $0.isEmpty }, "a series appears when first used")
        for _ in 0..<3 { metrics.delivery(channelKind: .slack, result: .delivered) }
        metrics.delivery(channelKind: .slack, result: .retry)
        metrics.delivery(channelKind: nil, result: .failed)
        for _ in 0..<2 { metrics.cycleFailed(apiErrorCode: "internal") }
        metrics.cycleFailed(apiErrorCode: nil)
        for _ in 0..<2 {
            metrics.outboxDepth([.pending: 3, .dead: 1])
            metrics.rulesLoaded(successfully: true)
            metrics.processStarted()
        }

        #expect(backend.count("postwatch_deliveries_total") == 3)
        #expect(backend.total("postwatch_deliveries_total", ["slack", "delivered"]) == 3)
        #expect(backend.total("postwatch_deliveries_total", ["slack", "retry"]) == 1)
        // A permanent refusal counts as dead, of a channel no longer declared as unknown.
        #expect(backend.total("postwatch_deliveries_total", ["unknown", "dead"]) == 1)
        #expect(backend.count("postwatch_cycles_total") == 2)
        #expect(backend.total("postwatch_cycles_total", ["api_error"]) == 2)
        #expect(backend.total("postwatch_cycles_total", ["error"]) == 1)
        #expect(backend.count("postwatch_api_errors_total") == 1)
        #expect(backend.count("postwatch_outbox_depth") == 2)
        #expect(backend.count("postwatch_rules_last_reload_successful") == 1)
        #expect(backend.count("postwatch_build_info") == 1)
        #expect(backend.count("postwatch_last_successful_cycle_timestamp_seconds") == 1)
    }
}
