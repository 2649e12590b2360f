import Foundation
import PostgresNIO
@testable import PostgresState
import TestSupport
import Testing
import Watch

/// `sslmode=verify-full` against a real server with a certificate of a CA made for the test:
/// it connects over TLS with that CA, and refuses a server whose certificate another CA
/// signed, or whose name is not the host's.
@Suite(.enabled(if: PostgresServer.shouldTest), .serialized) struct PostgresTLSTests {
    @Test func verifyFullConnectsWithTheRightCAAndRefusesAnother() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let server = try await PostgresServer.start(.init(tls: (certificates.serverCertificate, certificates.serverKey)))
        do {
            let url = "postgres://postgres@localhost:\(server.port)/postgres?sslmode=verify-full"
            let store = try await PostgresStore.open(
                configuration: try PostgresConfiguration(url: url, caFile: certificates.ca), replicaId: "tls")
            let encrypted = try await store.withConnection { connection in
                let rows = try await connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: store.logger)
                return try await rows.decode(Bool.self).reduce(false) { $0 || $1 }
            }
            #expect(encrypted)
            #expect(try await store.loadState().cyclesRecorded == 0)
            await store.close()

            // Another CA signed nothing of this server's.
            await #expect {
                try await PostgresStore.open(configuration: try PostgresConfiguration(url: url, caFile: certificates.otherCA), replicaId: "tls")
            } throws: { error in
                (error as? StoreError)?.code == .open && "\(error)".contains("localhost:\(server.port)")
                    && "\(error)".contains("CERTIFICATE_VERIFY_FAILED")
            }
            // The certificate names localhost, not 127.0.0.1: verify-full refuses it, verify-ca
            // (the CA only) takes it.
            let byAddress = "postgres://postgres@127.0.0.1:\(server.port)/postgres"
            await #expect {
                try await PostgresStore.open(
                    configuration: try PostgresConfiguration(url: byAddress + "?sslmode=verify-full", caFile: certificates.ca),
                    replicaId: "tls")
            } throws: { error in
                error is StoreError && "\(error)".contains("failedToValidateHostname")
            }
            let verifyCA = try await PostgresStore.open(
                configuration: try PostgresConfiguration(url: byAddress + "?sslmode=verify-ca", caFile: certificates.ca), replicaId: "tls")
            await verifyCA.close()
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test func aPasswordIsSentAndAWrongOneIsRefusedWithoutBeingShown() async throws {
        let server = try await PostgresServer.start(.init(password: "right-horse-battery"))
        do {
            let url = "postgres://postgres@127.0.0.1:\(server.port)/postgres?sslmode=disable"
            let store = try await PostgresStore.open(
                configuration: try PostgresConfiguration(url: url, password: "right-horse-battery"), replicaId: "pw")
            #expect(try await store.loadState().cyclesRecorded == 0)
            await store.close()
            await #expect {
                try await PostgresStore.open(configuration: try PostgresConfiguration(url: url, password: "wrong-staple"), replicaId: "pw")
            } throws: { error in
                let message = "\(error)"
                return message.contains("28P01") && !message.contains("wrong-staple") && !message.contains("right-horse")
            }
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }
}

/// A CA, a server certificate it signed for `localhost`, and a second CA, made with `openssl`.
private struct TestCertificates {
    let directory: String
    var ca: String { directory + "/ca.pem" }
    var otherCA: String { directory + "/other-ca.pem" }
    var serverCertificate: String { directory + "/server.crt" }
    var serverKey: String { directory + "/server.key" }

    static func make() async throws -> TestCertificates {
        let directory = NSTemporaryDirectory() + "postwatch-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        let caExtensions = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
        try await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=postwatch test CA",
                           "-keyout", directory + "/ca.key", "-out", certificates.ca] + caExtensions, in: directory)
        try await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=postwatch other CA",
                           "-keyout", directory + "/other-ca.key", "-out", certificates.otherCA] + caExtensions, in: directory)
        try await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                           "-keyout", certificates.serverKey, "-out", directory + "/server.csr"], in: directory)
        try """
            subjectAltName = DNS:localhost
            basicConstraints = CA:FALSE
            keyUsage = digitalSignature, keyEncipherment
            extendedKeyUsage = serverAuth
            """.write(toFile: directory + "/server.ext", atomically: true, encoding: .utf8)
        try await openssl(["x509", "-req", "-in", directory + "/server.csr", "-CA", certificates.ca, "-CAkey", directory + "/ca.key",
                           "-CAcreateserial", "-days", "2", "-extfile", directory + "/server.ext", "-out", certificates.serverCertificate],
                          in: directory)
        return certificates
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func openssl(_ arguments: [String], in directory: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await process.exited()
        guard process.terminationStatus == 0 else {
            throw TestSupportError("openssl \(arguments.prefix(2).joined(separator: " ")) failed (\(process.terminationStatus))")
        }
    }
}
