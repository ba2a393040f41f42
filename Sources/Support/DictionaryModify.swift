extension Dictionary {
    /// Calls `body` on the value stored under `key`, stored first as `defaultValue` when
    /// there is none: one hash of the key, where a read and then a write made two (and a
    /// string key is hashed byte by byte).
    @inlinable
    package mutating func modify(_ key: Key, default defaultValue: @autoclosure () -> Value, _ body: (inout Value) -> Void) {
        body(&self[key, default: defaultValue()])
    }
}
