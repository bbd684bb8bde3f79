#if canImport(Glibc)
import Glibc
#endif
import GatehouseConfig
import GatehouseEndpoints
import GatehouseFastCGI
import Logging
import GatehouseSystem

/// The whole life of a responder process: parse arguments (none under CGI,
/// where the command line is the client's), decide CGI or
/// FastCGI, load the configuration (a bad one stops here, naming the key),
/// then serve. Each executable's main.swift is one call to this.
package enum ResponderMain {
    package static func run<E: Endpoint>(_ endpoint: E) -> Never {
        let options: RuntimeOptions
        do {
            options = try RuntimeOptions.parse(RuntimeOptions.arguments(Array(CommandLine.arguments.dropFirst()),
                                                                        environment: { getenv($0).map { String(cString: $0) } }))
        } catch {
            fail("\(error)\n\(RuntimeOptions.usage)", code: 64)
        }
        if options.help {
            FileDescriptor.writeAll(1, Array(RuntimeOptions.usage.utf8))
            exit(0)
        }
        let mode: RuntimeMode
        do {
            mode = try Runtime.start(options)
        } catch {
            fail("\(error)", code: 71)
        }
        let services: Services
        var logger = Logger(label: "gatehouse.\(endpoint.name)") { _ in ErrorLogHandler(level: .info) }
        do {
            let config = try Config.load(path: Config.locate())
            logger.logLevel = Logger.Level(config.logLevel)
            services = try Services.make(config: config, logger: logger, sendsMail: endpoint.sendsMail,
                                         pagesFailed: { fail("configuration: \($0)", code: 78) })
            // A long-lived worker reads its pages now: a broken layout or
            // catalogue stops it at start. A CGI process reads them only if
            // its one request shows a page.
            if case .fastCGI = mode { _ = services.pages }
        } catch {
            fail("configuration: \(error)", code: 78)
        }
        var responder = FastCGIEndpoint(endpoint: EndpointResponder(endpoint, services: services))
        Runtime.serve(mode, maxBody: services.site.maxBodyBytes, responder: &responder)
        exit(0)
    }

    static func fail(_ message: String, code: Int32) -> Never {
        ErrorLog.shared.write(message)
        exit(code)
    }
}
