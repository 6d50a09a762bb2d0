public import WireCore
import MQTTCodec
import STOMPCodec
import WebSocketCodec

/// Every protocol's field catalog, registered once.
public enum Catalogs {
    public static let registry: FieldRegistry = {
        var r = FieldRegistry()
        r.register(MQTTField.self)
        r.register(STOMPField.self)
        r.register(WebSocketField.self)
        return r
    }()
}
