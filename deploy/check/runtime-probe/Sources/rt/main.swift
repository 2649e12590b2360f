// A stand-in for the postwatch binary, built the way the Dockerfile builds it
// (swift build -c release --static-swift-stdlib), to run in the runtime stage emulated by
// `deploy/check.sh --runtime-rootfs`.
import CSys
import Foundation
// What the runtime image must provide to a --static-swift-stdlib binary: libcurl (+TLS with the
// system CA store), SQLite, a writable state directory, time zones.
if CommandLine.arguments.contains("--help") {
    print("usage: postwatch-runtime-probe [STATE.sqlite]")
    exit(0)
}
curl_global_init(Int(CURL_GLOBAL_DEFAULT))
print("curl", String(cString: curl_version()))
var db: OpaquePointer?
let path = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "/var/lib/postwatch/probe.sqlite"
let rc = sqlite3_open(path, &db)
var err: UnsafeMutablePointer<CChar>?
let rc2 = sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS t(x); INSERT INTO t VALUES (1);", nil, nil, &err)
print("sqlite", String(cString: sqlite3_libversion()), "open", rc, "exec", rc2)
let fmt = Date.FormatStyle(date: .numeric, time: .shortened, timeZone: TimeZone(identifier: "Asia/Tokyo") ?? .gmt)
print("tz", TimeZone(identifier: "Asia/Tokyo")?.identifier ?? "nil", Date(timeIntervalSince1970: 0).formatted(fmt))
// CA store: a TLS handshake needs the network; check libcurl finds its default CA bundle path.
print("cafile exists", FileManager.default.fileExists(atPath: "/etc/ssl/certs/ca-certificates.crt"))
exit(rc == 0 && rc2 == 0 ? 0 : 1)
