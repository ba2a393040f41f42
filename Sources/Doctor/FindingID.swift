/// A finding's stable id (docs/findings.md): `LD…` for the general loader rules, `OF…` for
/// OpenFace's documented failures and model files. Compared and stored as a value; the text
/// appears only when a report is rendered.
public struct FindingID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.init(rawValue: value) }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    /// In the order of their text (`LD002` before `OF001`), as reports list them.
    public static func < (lhs: FindingID, rhs: FindingID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The general rules' ids.
extension FindingID {
    public static let interpreterNotFound: FindingID = "LD001"
    public static let libraryNotFound: FindingID = "LD002"
    public static let versionNotFound: FindingID = "LD003"
    public static let symbolNotFound: FindingID = "LD004"
    public static let staleCache: FindingID = "LD005"
    public static let danglingSymlink: FindingID = "LD006"
    public static let wrongClassSkipped: FindingID = "LD007"
    public static let unsafeSearchPath: FindingID = "LD008"
    public static let noVersionInformation: FindingID = "LD009"
    public static let badCandidate: FindingID = "LD010"
    public static let runtimeCompanionMissing: FindingID = "LD011"
    public static let staticExecutable: FindingID = "LD012"
    public static let preloadIgnored: FindingID = "LD013"
    public static let isaLevelTooHigh: FindingID = "LD014"
    public static let auxiliaryFilterAbsent: FindingID = "LD015"
    public static let versionFileNotLoaded: FindingID = "LD016"
    public static let filterCycle: FindingID = "LD017"
    public static let programFilter: FindingID = "LD018"
    public static let indirectExternAccess: FindingID = "LD019"
    public static let protectedDirectReference: FindingID = "LD020"
    public static let ifuncInExecutable: FindingID = "LD021"
    public static let ifuncNotRelocated: FindingID = "LD022"
    public static let copySizeMismatch: FindingID = "LD023"
    public static let versionRecordUnsupported: FindingID = "LD024"
    public static let interpreterUnusable: FindingID = "LD025"
    public static let bloomFilterAssertion: FindingID = "LD026"
    public static let programNotExecutable: FindingID = "LD027"
    public static let stubLibraryLoaded: FindingID = "LD028"
    public static let secureExecution: FindingID = "LD029"
    public static let auditInterface: FindingID = "LD030"
    public static let containerUserUnknown: FindingID = "LD031"
    public static let libraryCutShort: FindingID = "LD032"
    public static let programCutShort: FindingID = "LD033"
    public static let dynamicInfoAssertion: FindingID = "LD034"
    public static let dynamicEntryUnchecked: FindingID = "LD035"
    public static let loaderLoadedTwice: FindingID = "LD036"
    public static let executableStackRefused: FindingID = "LD037"
}
