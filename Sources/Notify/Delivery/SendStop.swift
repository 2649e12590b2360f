import Synchronization

/// Raised by a send's pacing when it stopped the send (its claim passed to another replica);
/// read by ``Delivery`` after the send, which then neither counts nor marks it.
final class SendStop: Sendable {
    private let raised = Atomic<Bool>(false)

    func raise() { raised.store(true, ordering: .releasing) }

    var isRaised: Bool { raised.load(ordering: .acquiring) }
}
