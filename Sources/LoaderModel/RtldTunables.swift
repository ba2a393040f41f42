import ELFInspect
import Support

/// The integer `glibc.rtld.*` tunables of `GLIBC_TUNABLES` that change what the loader
/// refuses: `glibc.rtld.execstack` (glibc 2.41) and `glibc.rtld.enable_secure` (2.40).
///
/// Measured with glibc 2.41's loader: of several settings of one name the last counts; its
/// value is read as `_dl_strtoul` reads it (blanks, a sign, `0x` hex or `0` octal) and must be
/// used up whole (`0a` is ignored with a warning), then taken as an `int32_t` and kept only
/// within the tunable's range (`2` and `-1` leave the default; an empty value, `0x` and
/// `4294967296` are 0). With `glibc.rtld.enable_secure=1` anywhere in the string, every other
/// tunable of it is ignored; in secure-execution mode all of them are (elf/dl-tunables.c).
public enum RtldTunables {
    /// glibc NEWS: `glibc.rtld.execstack` is new in 2.41 (2.36's loader ignores it, measured).
    public static let executableStackSince = GlibcVersion(2, 41)
    /// glibc NEWS: `glibc.rtld.enable_secure` is new in 2.40 (2.36's ignores it, 2.41's has it).
    public static let enableSecureSince = GlibcVersion(2, 40)

    /// Whether the loader of `glibc` refuses executable stacks: `glibc.rtld.execstack=0`,
    /// outside secure-execution mode (`secure`: the caller's decision, the tunable's included).
    public static func refusesExecutableStack(_ environment: LoaderEnvironment, glibc: GlibcVersion, secure: Bool) -> Bool {
        guard glibc >= executableStackSince, !secure else { return false }
        return environment.tunable("glibc.rtld.execstack").flatMap { value(of: $0, in: 0...1) } == 0
    }

    /// Whether `glibc.rtld.enable_secure=1` makes the loader of `glibc` behave as in
    /// secure-execution mode (`__libc_enable_secure` set as the tunables are read).
    public static func enablesSecureMode(_ environment: LoaderEnvironment, glibc: GlibcVersion) -> Bool {
        guard glibc >= enableSecureSince else { return false }
        return environment.tunable("glibc.rtld.enable_secure").flatMap { value(of: $0, in: 0...1) } == 1
    }

    /// Whether `elf` needs an executable stack: a `PT_GNU_STACK` with `PF_X`, or none at all,
    /// x86-64's default stack permissions holding `PF_X` (`DEFAULT_STACK_PERMS`).
    public static func needsExecutableStack(_ elf: ELFFile) -> Bool {
        guard let stack = elf.programHeaders.last(where: { $0.type == ProgramHeaderType.gnuStack }) else { return true }
        return stack.flags & 1 != 0
    }

    /// An `INT_32` tunable's value as the loader takes it, or nil when it keeps the default.
    static func value(of text: String, in range: ClosedRange<Int32>) -> Int32? {
        guard let number = unsignedValue(of: text).map({ Int32(truncatingIfNeeded: $0) }) else { return nil }
        return range.contains(number) ? number : nil
    }

    /// A `UINT_64` tunable's value as `_dl_strtoul` reads it (a `-` negates, wrapping), or
    /// nil when the text is not used up whole.
    static func unsignedValue(of text: String) -> UInt64? {
        var bytes = Substring(text).utf8[...]
        while let first = bytes.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { bytes = bytes.dropFirst() }
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var base: UInt64 = 10
        if bytes.first == UInt8(ascii: "0") {
            base = 8
            if let x = bytes.dropFirst().first, x | 0x20 == UInt8(ascii: "x") {
                base = 16
                bytes = bytes.dropFirst(2)
            }
        }
        var result: UInt64 = 0
        for byte in bytes {
            let digit: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt64(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            // (a digit past the base, or trailing text: the value is refused, the default kept;
            // one past 64 bits saturates in _dl_strtoul, never to a value in range)
            guard digit < base else { return nil }
            let (product, overflow) = result.multipliedReportingOverflow(by: base)
            guard !overflow, case (let sum, false) = product.addingReportingOverflow(digit) else { return nil }
            result = sum
        }
        return negative ? 0 &- result : result
    }
}
