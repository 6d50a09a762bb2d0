public import WireCore
import MQTTCodec

/// Every protocol's field catalog, registered once.
public enum Catalogs {
    public static let registry: FieldRegistry = {
        var r = FieldRegistry()
        r.register(MQTTField.self)
        return r
    }()
}
