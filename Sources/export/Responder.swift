import GatehouseEndpoints
import GatehouseResponder

/// `export`: the person's data as a JSON download.
package let responder = ResponderEntry("export", ExportEndpoint())
