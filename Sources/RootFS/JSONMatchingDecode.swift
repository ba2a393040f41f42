// Reading JSON the way `as? T` read JSONSerialization's objects: a value of another type,
// null or an absent key is nil, not an error, so the caller can fall back (`Config`, then
// `config`). Damaged content (a string with invalid UTF-8 or a lone surrogate) still throws.

extension KeyedDecodingContainer {
    func decodeIfMatching<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        do { return try decode(type, forKey: key) } catch DecodingError.typeMismatch, DecodingError.valueNotFound, DecodingError.keyNotFound {
            return nil
        }
    }
}

extension UnkeyedDecodingContainer {
    mutating func decodeIfMatching<T: Decodable>(_ type: T.Type) throws -> T? {
        do { return try decode(type) } catch DecodingError.typeMismatch, DecodingError.valueNotFound, DecodingError.keyNotFound {
            return nil
        }
    }
}
