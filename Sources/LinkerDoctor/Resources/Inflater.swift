/// A streaming DEFLATE decoder (RFC 1951), written here because the package has no zlib
/// module. It keeps only the 32 KiB window the format allows a match to reach back into,
/// so a 434 MB entry is checked in constant memory. Canonical-Huffman decoding follows
/// zlib's contrib/puff/puff.c (count/symbol tables, one bit at a time).
struct Inflater {
    enum Failure: Error, Equatable, Sendable {
        case truncated
        case invalidBlockType
        case invalidStoredLength
        case invalidCodeLengths
        case invalidSymbol
        case distanceTooFar
        case outputTooLong
    }

    private let source: any RandomAccessBytes
    private var position: UInt64
    private let end: UInt64
    private var input: [UInt8] = []
    private var inputIndex = 0
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0
    private var window = [UInt8](repeating: 0, count: 1 << 15)
    private var windowIndex = 0
    private var written: UInt64 = 0
    private var pending: [UInt8] = []
    private let outputLimit: UInt64

    /// Decodes the raw deflate stream at `offset` of `length` bytes; at most `outputLimit` bytes out.
    init(source: any RandomAccessBytes, offset: UInt64, length: UInt64, outputLimit: UInt64) {
        self.source = source
        self.position = offset
        let (end, overflow) = offset.addingReportingOverflow(length)
        self.end = overflow ? UInt64.max : end
        self.outputLimit = outputLimit
        pending.reserveCapacity(1 << 16)
    }

    /// Runs to the final block, handing decoded bytes to `sink` in chunks; returns bytes decoded.
    mutating func run(_ sink: ([UInt8]) -> Void) throws -> UInt64 {
        var last = false
        while !last {
            last = try bits(1) == 1
            switch try bits(2) {
            case 0: try stored(sink)
            case 1: try codes(Self.fixedLength, Self.fixedDistance, sink)
            case 2:
                let (lengths, distances) = try dynamicTables()
                try codes(lengths, distances, sink)
            default: throw Failure.invalidBlockType
            }
        }
        flush(sink)
        return written
    }

    /// Compressed bytes consumed, to the byte after the final block.
    var consumed: UInt64 { position - UInt64(input.count - inputIndex) }

    // MARK: bits

    private mutating func nextByte() throws -> UInt8 {
        if inputIndex == input.count {
            guard position < end else { throw Failure.truncated }
            let want = Int(clamping: min(UInt64(1 << 16), end - position))
            input = try source.read(at: position, count: want)
            guard !input.isEmpty else { throw Failure.truncated }
            position += UInt64(input.count)
            inputIndex = 0
        }
        let byte = input[inputIndex]
        inputIndex += 1
        return byte
    }

    private mutating func bits(_ need: Int) throws -> Int {
        while bitCount < need {
            bitBuffer |= UInt64(try nextByte()) << UInt64(bitCount)
            bitCount += 8
        }
        let value = Int(bitBuffer & ((1 << UInt64(need)) - 1))
        bitBuffer >>= UInt64(need)
        bitCount -= need
        return value
    }

    // MARK: output

    private mutating func emit(_ byte: UInt8, _ sink: ([UInt8]) -> Void) throws {
        guard written < outputLimit else { throw Failure.outputTooLong }
        window[windowIndex] = byte
        windowIndex = (windowIndex + 1) & 0x7FFF
        written += 1
        pending.append(byte)
        if pending.count >= 1 << 16 { flush(sink) }
    }

    private mutating func flush(_ sink: ([UInt8]) -> Void) {
        if !pending.isEmpty {
            sink(pending)
            pending.removeAll(keepingCapacity: true)
        }
    }

    // MARK: blocks

    private mutating func stored(_ sink: ([UInt8]) -> Void) throws {
        bitBuffer = 0   // stored blocks start on a byte boundary (RFC 1951 3.2.4)
        bitCount = 0
        let len = try Int(nextByte()) | Int(nextByte()) << 8
        let nlen = try Int(nextByte()) | Int(nextByte()) << 8
        guard len == (~nlen & 0xFFFF) else { throw Failure.invalidStoredLength }
        for _ in 0..<len { try emit(nextByte(), sink) }
    }

    struct Huffman: Sendable {
        var count: [Int]    // number of codes of each length 0...15
        var symbol: [Int]   // symbols ordered by code

        /// Nil when the lengths over-subscribe the code space (puff.c construct()).
        static func validated(lengths: [Int]) -> Huffman? {
            let h = Huffman(lengths: lengths)
            var left = 1
            for len in 1..<16 {
                left <<= 1
                left -= h.count[len]
                if left < 0 { return nil }
            }
            return h
        }

        /// Lengths must each be 0...15.
        init(lengths: [Int]) {
            count = [Int](repeating: 0, count: 16)
            for l in lengths { count[l] += 1 }
            var offsets = [Int](repeating: 0, count: 16)
            for len in 1..<15 { offsets[len + 1] = offsets[len] + count[len] }
            symbol = [Int](repeating: 0, count: lengths.count)
            for (sym, l) in lengths.enumerated() where l != 0 {
                symbol[offsets[l]] = sym
                offsets[l] += 1
            }
        }
    }

    private mutating func decode(_ h: Huffman) throws -> Int {
        var code = 0, first = 0, index = 0
        for len in 1..<16 {
            code |= try bits(1)
            let count = h.count[len]
            if code - count < first {
                let i = index + (code - first)
                guard i >= 0, i < h.symbol.count else { throw Failure.invalidSymbol }
                return h.symbol[i]
            }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw Failure.invalidSymbol
    }

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                     35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                      3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                       257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                       8193, 12289, 16385, 24577]
    private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                        7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    // These lengths are a valid code by construction (RFC 1951 3.2.6).
    private static let fixedLength = Huffman(lengths: (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 })
    private static let fixedDistance = Huffman(lengths: [Int](repeating: 5, count: 30))

    private mutating func codes(_ lengthCode: Huffman, _ distanceCode: Huffman, _ sink: ([UInt8]) -> Void) throws {
        while true {
            let sym = try decode(lengthCode)
            if sym < 256 { try emit(UInt8(sym), sink); continue }
            if sym == 256 { return }
            let li = sym - 257
            guard li < Self.lengthBase.count else { throw Failure.invalidSymbol }
            let length = Self.lengthBase[li] + (try bits(Self.lengthExtra[li]))
            let di = try decode(distanceCode)
            guard di < Self.distanceBase.count else { throw Failure.invalidSymbol }
            let distance = Self.distanceBase[di] + (try bits(Self.distanceExtra[di]))
            guard UInt64(distance) <= written else { throw Failure.distanceTooFar }
            for _ in 0..<length {
                try emit(window[(windowIndex - distance) & 0x7FFF], sink)
            }
        }
    }

    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private mutating func dynamicTables() throws -> (Huffman, Huffman) {
        let nlen = try bits(5) + 257
        let ndist = try bits(5) + 1
        let ncode = try bits(4) + 4
        guard nlen <= 286, ndist <= 30 else { throw Failure.invalidCodeLengths }
        var codeLengths = [Int](repeating: 0, count: 19)
        for i in 0..<ncode { codeLengths[Self.codeLengthOrder[i]] = try bits(3) }
        guard let lencode = Huffman.validated(lengths: codeLengths) else { throw Failure.invalidCodeLengths }
        var lengths: [Int] = []
        lengths.reserveCapacity(nlen + ndist)
        while lengths.count < nlen + ndist {
            let sym = try decode(lencode)
            if sym < 16 { lengths.append(sym); continue }
            var value = 0
            let repeatCount: Int
            switch sym {
            case 16:
                guard let previous = lengths.last else { throw Failure.invalidCodeLengths }
                value = previous
                repeatCount = 3 + (try bits(2))
            case 17: repeatCount = 3 + (try bits(3))
            default: repeatCount = 11 + (try bits(7))
            }
            guard lengths.count + repeatCount <= nlen + ndist else { throw Failure.invalidCodeLengths }
            lengths.append(contentsOf: repeatElement(value, count: repeatCount))
        }
        guard lengths[256] != 0,
              let lengthCode = Huffman.validated(lengths: Array(lengths[0..<nlen])),
              let distanceCode = Huffman.validated(lengths: Array(lengths[nlen...]))
        else { throw Failure.invalidCodeLengths }
        return (lengthCode, distanceCode)
    }
}
