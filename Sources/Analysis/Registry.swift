public import WireCore
import MQTTCodec
import STOMPCodec
import WebSocketCodec
import TLSCodec

/// Every protocol's field catalog, registered once.
public enum Catalogs {
    public static let registry: FieldRegistry = {
        var r = FieldRegistry()
        r.register(MQTTField.self)
        r.register(STOMPField.self)
        r.register(WebSocketField.self)
        r.register(TLSField.self)
        return r
    }()
}
