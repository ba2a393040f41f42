/// What a PyTorch `.pth` file is: `torch.save` writes a ZIP whose entries sit under one
/// folder (`archive/data.pkl`, `archive/data/0`, …) since PyTorch 1.6, and before that a
/// pickle stream that opens with protocol 2 and the magic number 0x1950a86a20f9469cfc6c
/// (torch/serialization.py, MAGIC_NUMBER and _legacy_save).
public enum TorchCheckpoint {
    public enum Kind: Equatable, Sendable {
        case zip(archiveName: String)
        case legacyPickle
    }

    /// `\x80\x02` (PROTO 2), then LONG1 (`\x8a`) of 10 bytes: the magic number, little-endian.
    static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// Legacy pickle by its magic; nil when the file starts like neither kind.
    public static func sniffLegacy(head: [UInt8]) -> Bool { head.starts(with: legacyMagic) }

    /// True for a ZIP's local-header signature `PK\x03\x04`.
    public static func looksLikeZip(head: [UInt8]) -> Bool { head.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    /// The archive folder when `entries` look like `torch.save`'s ZIP layout.
    public static func archiveName(of entries: [ZipEntry]) -> String? {
        guard let pickle = entries.first(where: { $0.name.hasSuffix("/data.pkl") }) else { return nil }
        let folder = String(pickle.name.dropLast("/data.pkl".count))
        guard !folder.isEmpty, !folder.containsSlash,
              entries.allSatisfy({ $0.name.hasPrefix(folder + "/") })
        else { return nil }
        return folder
    }
}
