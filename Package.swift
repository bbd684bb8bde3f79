// swift-tools-version:6.0
import PackageDescription

// Layers, bottom to top (`ls Sources` shows them):
//   GatehouseSystem     leaf: system calls, files, subprocesses, templates and
//                       escapers, dates, hex and base64
//   GatehouseJSON       strict JSON with Python's error messages
//   GatehouseCrypto     Argon2id, crypt(3), keyed BLAKE2b, CSPRNG, HMAC-SHA1
//                       and signature checks (libcrypto by dlopen, libsodium)
//   GatehouseWebAuthn   passkeys' formats and checks: a bounded CBOR reader,
//                       COSE keys, authenticator data, client data, the
//                       registration and assertion ceremonies; no accounts
//   GatehouseCore       accounts: records, the store protocols, sign-in,
//                       sessions, codes, policy; clock, randomness, mail and
//                       store injected; no configuration, no concrete store
//   GatehouseFiles      local files done right: atomic replacement, append-only
//                       logs, sorted-line lookups, the disk reserve, record text
//   GatehouseStore      the flat-file adapter of the core's store protocols
//                       (records, the counter table)
//   GatehousePostgres   the PostgreSQL adapter of the same protocols (libpq)
//   GatehouseConfig     gatehouse.conf: the settings table, read into types
//   GatehouseMail/SMTP  spool-first mail (the outbox) and its transports; plain
//                       settings in, no configuration
//   GatehouseEvents     account events for the site's hooks: their spool, the
//                       program sink, the signature; GatehouseWebhook POSTs
//                       them (libcurl, gatehousectl only)
//   GatehouseApp        wiring: configuration in; store, policies, mail
//                       settings, accounts out
//   GatehouseHTTP       requests, bodies, field rules, negotiation, responses
//   GatehousePages      HTML pages: the layout, generated forms, catalogues
//   GatehouseFastCGI    libfcgi accept loop and CGI fallback
//   GatehouseEndpoints  one handler per endpoint: request in, response out
//   GatehouseResponder  a responder process: config, services, FastCGI, hand-off
//   token, logout, …    one responder per endpoint: its name and endpoint
//   gatehouse           all of them in one executable, linked under each name
//   gatehousectl        the admin CLI
// HTTP and FastCGI know HTTP, not accounts; the core knows accounts, not
// HTTP. The responders link no Foundation: every CGI request pays for what
// is linked.
let package = Package(
    name: "gatehouse",
    products: [
        // Every responder in one file, hard-linked under each endpoint's name
        // (token, me, …): one copy of the code in memory for all their workers.
        .executable(name: "gatehouse", targets: ["gatehouse"]),
        .executable(name: "gatehousectl", targets: ["gatehousectl"]),
        // For Fuzz/ (the libFuzzer harness, a package of its own so that the
        // normal build never needs the sanitizers): the parsers it drives.
        .library(name: "GatehouseFuzzTargets", targets: ["GatehouseJSON", "GatehouseHTTP", "GatehousePages", "GatehouseCore", "GatehouseConfig", "GatehouseEndpoints",
                                                     "GatehouseFiles", "GatehouseSystem", "GatehouseWebAuthn", "GatehouseBreach"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CFastCGI", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CSodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CCrypt", providers: [.apt(["libcrypt-dev"])]),
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibPQ", providers: [.apt(["libpq-dev"])]),
        .target(name: "CCurlShim", dependencies: ["CCurl"]),

        // The leaf every layer may use: system calls, files, subprocesses,
        // the template renderer and escapers, dates, hex and base64.
        .target(name: "GatehouseSystem", dependencies: ["CSodium"]),
        .target(name: "GatehouseCrypto", dependencies: ["CSodium", "CCrypt", "GatehouseSystem"]),
        // Local files done right: atomic replacement, append-only logs,
        // sorted-line lookups, the disk reserve, the record text format.
        .target(name: "GatehouseFiles", dependencies: ["GatehouseSystem"]),
        // The filter of breached passwords: a binary fuse filter, its file, the corpus's import.
        .target(name: "GatehouseBreach", dependencies: ["GatehouseFiles", "GatehouseSystem"]),
        .target(name: "GatehouseStore", dependencies: ["GatehouseFiles", "GatehouseSystem", "GatehouseCore"]),
        .target(name: "GatehouseConfig", dependencies: ["GatehouseSystem"]),
        .target(name: "GatehousePostgres", dependencies: ["CLibPQ", "GatehouseCore", "GatehouseSystem"]),
        .target(name: "GatehouseJSON"),
        .target(name: "GatehouseWebAuthn", dependencies: ["GatehouseCrypto", "GatehouseJSON", "GatehouseSystem"]),
        .target(name: "GatehouseCore", dependencies: [
            "GatehouseSystem", "GatehouseCrypto", "GatehouseJSON", "GatehouseWebAuthn",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "GatehouseFastCGI", dependencies: [
            "CFastCGI", "GatehouseSystem", .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "GatehouseHTTP", dependencies: ["GatehouseJSON", "GatehouseSystem"]),
        // What a person sees: the site owner's layout, generated forms, the
        // language catalogues.
        .target(name: "GatehousePages", dependencies: ["GatehouseHTTP", "GatehouseJSON", "GatehouseSystem"]),
        .target(name: "GatehouseMail", dependencies: [
            "GatehouseSystem", "GatehouseFiles", "GatehouseCore", "GatehouseCrypto",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "GatehouseSMTP", dependencies: ["GatehouseMail", "CCurl", "CCurlShim"]),
        .target(name: "GatehouseEvents", dependencies: [
            "GatehouseSystem", "GatehouseFiles", "GatehouseCore", "GatehouseCrypto", "GatehouseJSON",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "GatehouseWebhook", dependencies: ["GatehouseEvents", "GatehouseCore", "CCurl", "CCurlShim"]),
        // The wiring: configuration in; store, mailer and accounts out.
        .target(name: "GatehouseApp", dependencies: [
            "GatehouseSystem", "GatehouseFiles", "GatehouseConfig", "GatehouseCore", "GatehouseCrypto", "GatehouseStore", "GatehousePostgres",
            "GatehouseMail", "GatehouseWebAuthn", "GatehouseBreach", "GatehouseEvents",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "GatehouseEndpoints", dependencies: [
            "GatehouseHTTP", "GatehousePages", "GatehouseCore", "GatehouseCrypto", "GatehouseJSON", "GatehouseSystem",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // A responder process: the configuration read, the services made,
        // an endpoint served over FastCGI or CGI, mail handed off.
        .target(name: "GatehouseResponder", dependencies: [
            "GatehouseEndpoints", "GatehouseApp", "GatehouseFastCGI", "GatehouseMail", "GatehouseEvents", "GatehouseConfig",
            "GatehouseCore", "GatehouseHTTP", "GatehousePages", "GatehouseSystem", "GatehouseCrypto",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // One responder per endpoint, each a name and the endpoint it serves.
        .target(name: "token", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "logout", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "me", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "change-password", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "send-otp", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "verify-otp", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "verify", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "openapi", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "mfa", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "reauth", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "sessions", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "passkeys", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "change-email", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "signup", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "delete-account", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .target(name: "export", dependencies: ["GatehouseEndpoints", "GatehouseResponder"]),
        .executableTarget(name: "gatehouse", dependencies: ["GatehouseResponder", "token", "logout", "me", "change-password", "send-otp", "verify-otp", "verify", "openapi", "mfa", "reauth", "sessions", "passkeys", "change-email", "signup", "delete-account", "export"]),
        .executableTarget(name: "gatehousectl", dependencies: [
            "GatehouseApp", "GatehouseCore", "GatehouseStore", "GatehousePostgres", "GatehouseCrypto", "GatehouseConfig", "GatehouseMail",
            "GatehouseSMTP", "GatehouseBreach", "GatehouseEvents", "GatehouseWebhook",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Drives the store from many processes at once for the hammer and
        // crash tests and the benchmarks; not installed.
        .executableTarget(name: "gatehouse-stress", dependencies: [
            "GatehouseSystem", "GatehouseStore", "GatehousePostgres", "GatehouseCore", "GatehouseCrypto", "GatehouseBreach",
        ]),

        .testTarget(name: "GatehouseSystemTests", dependencies: ["GatehouseSystem"]),
        .testTarget(name: "GatehouseFilesTests", dependencies: ["GatehouseFiles", "GatehouseSystem", "TestSupport"]),
        .testTarget(name: "GatehouseEventsTests", dependencies: ["GatehouseEvents", "GatehouseCore", "GatehouseFiles", "GatehouseSystem",
                                                              "GatehouseCrypto", "GatehouseJSON", "TestSupport"]),
        .testTarget(name: "GatehouseBreachTests", dependencies: ["GatehouseBreach", "GatehouseFiles", "GatehouseSystem", "TestSupport"]),
        .testTarget(name: "GatehouseAppTests", dependencies: ["GatehouseApp", "GatehouseConfig", "GatehouseMail", "GatehouseSystem", "GatehouseCore",
                                                            "GatehouseCrypto"]),
        .testTarget(name: "GatehouseStoreTests", dependencies: ["TestSupport", "GatehouseStore", "GatehouseCore", "GatehousePostgres"]),
        .testTarget(name: "GatehouseCryptoTests", dependencies: ["GatehouseCrypto"]),
        .testTarget(name: "GatehouseConfigTests", dependencies: ["GatehouseConfig"]),
        .testTarget(name: "GatehouseJSONTests", dependencies: ["GatehouseJSON"]),
        .testTarget(name: "GatehouseWebAuthnTests", dependencies: ["TestSupport", "GatehouseWebAuthn", "GatehouseJSON", "GatehouseCrypto", "GatehouseSystem"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "GatehouseHTTPTests", dependencies: ["GatehouseHTTP"]),
        .testTarget(name: "GatehousePagesTests", dependencies: ["GatehousePages", "GatehouseHTTP", "GatehouseJSON", "GatehouseSystem"]),
        .testTarget(name: "GatehouseCoreTests", dependencies: ["TestSupport", "GatehouseCore", "GatehouseCrypto", "GatehouseSystem", "GatehouseJSON", "CSodium",
                                                             .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "GatehouseFastCGITests", dependencies: ["GatehouseFastCGI"]),
        // What the test targets share (no Foundation): file helpers, and a
        // store in memory that passes the store contract.
        .target(name: "TestSupport", dependencies: ["GatehouseCore"], path: "Tests/TestSupport"),
        .testTarget(name: "GatehouseEndpointsTests", dependencies: [
            "TestSupport", "GatehouseEndpoints", "GatehouseResponder", "GatehouseJSON", "GatehouseSystem", "GatehouseCore", "GatehouseStore", "GatehouseCrypto", "GatehouseConfig", "GatehouseHTTP", "GatehousePages",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "GatehouseMailTests", dependencies: [
            "TestSupport", "GatehouseConfig", "GatehouseMail", "GatehouseSMTP", "GatehouseCore", "GatehouseStore",
            "GatehouseSystem", "GatehouseCrypto", .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)
