import Doctor

/// The ids of `resources`' findings (docs/findings-resources.md), one per kind of damage.
extension FindingID {
    public static let resourceMissing: FindingID = "RS001"
    public static let resourceNotARegularFile: FindingID = "RS002"
    public static let resourceEmpty: FindingID = "RS003"
    public static let resourceIsHTML: FindingID = "RS004"
    public static let resourceIsLFSPointer: FindingID = "RS005"
    public static let resourceTooShort: FindingID = "RS006"

    public static let imageNotATar: FindingID = "RS010"
    public static let imageTarDamaged: FindingID = "RS011"
    public static let imageWithoutManifest: FindingID = "RS012"
    public static let imageManifestUnreadable: FindingID = "RS013"
    public static let imageNotTheExpectedTag: FindingID = "RS014"
    public static let imageMemberAbsent: FindingID = "RS015"
    public static let imageUndersized: FindingID = "RS016"

    public static let zipIncomplete: FindingID = "RS020"
    public static let zipEntryDamaged: FindingID = "RS021"
    public static let zipWithoutModel: FindingID = "RS022"
    public static let zipEntryUnverified: FindingID = "RS023"

    public static let matNotAMatFile: FindingID = "RS030"
    public static let matTruncated: FindingID = "RS031"
    public static let checkpointUnrecognised: FindingID = "RS032"
    public static let checkpointDamaged: FindingID = "RS033"
    public static let hashNameMismatch: FindingID = "RS034"

    public static let openFaceTreeMisplaced: FindingID = "RS040"
    public static let openFaceTreeIncomplete: FindingID = "RS041"
    public static let patchExpertsAbsent: FindingID = "RS042"
    public static let patchExpertDamaged: FindingID = "RS043"
}
