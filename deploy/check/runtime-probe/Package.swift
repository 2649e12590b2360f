// swift-tools-version:6.1
import PackageDescription
let package = Package(name: "rt", targets: [
    .systemLibrary(name: "CSys", path: "Sources/CSys"),
    .executableTarget(name: "rt", dependencies: ["CSys"]),
])
