import GatehouseSystem

/// `hook_exec`: the program runs once per event with the payload on its
/// standard input, no shell, and an environment of its own (a CGI
/// responder's holds every request header; this one holds only what is
/// named here), within `timeout` seconds. Exit status 0 means taken.
package struct ExecHook: HookTransport {
    let argv: [String]
    let timeout: Int

    package init(argv: [String], timeout: Int) {
        self.argv = argv
        self.timeout = timeout
    }

    package func deliver(_ payload: [UInt8], id: String, type: String) -> String? {
        Subprocess.run(argv, input: payload, timeout: timeout, environment: [
            "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "GATEHOUSE_EVENT=" + type, "GATEHOUSE_EVENT_ID=" + id,
        ])
    }
}
