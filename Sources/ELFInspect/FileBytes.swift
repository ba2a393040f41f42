#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one file, memory-mapped when they come from disk. Immutable once made,
/// so it may be shared across tasks.
public final class FileBytes: @unchecked Sendable {
    public let buffer: UnsafeRawBufferPointer
    private let release: Release

    private enum Release { case munmap, deallocate, none }

    /// Copies `bytes` into memory this object owns.
    public init(_ bytes: [UInt8]) {
        buffer = bytes.withUnsafeBytes(Self.ownedCopy)
        release = .deallocate
    }

    /// Memory of its own holding `source`'s bytes (freed by `deinit` as `.deallocate`).
    private static func ownedCopy(_ source: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 16)
        if let base = source.baseAddress, let target = storage.baseAddress {
            target.copyMemory(from: base, byteCount: source.count)
        }
        return UnsafeRawBufferPointer(rebasing: storage[0..<source.count])
    }

    /// Reads `size` bytes of `fd` from its start into memory this object owns (nil when
    /// read(2) fails or the file is shorter; errno says why). For small files this costs one
    /// system call where a mapping costs three and page faults.
    public init?(reading fd: Int32, size: Int) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        guard let done = Self.read(fd, into: storage, count: size, endsAt: nil), done == size else {
            if errno == 0 { errno = EIO }   // (shorter than `size`)
            storage.deallocate()
            return nil
        }
        buffer = UnsafeRawBufferPointer(rebasing: storage[0..<size])
        release = .deallocate
    }

    /// The `size` bytes of `fd` from its start, when that is all of them (a read of one byte
    /// more ends at `size`); nil when the file holds more or fewer, or a read fails.
    public init?(readingWhole fd: Int32, size: Int) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: size + 1, alignment: 16)
        guard Self.read(fd, into: storage, count: size + 1, endsAt: size) == size else {
            storage.deallocate()
            return nil
        }
        buffer = UnsafeRawBufferPointer(rebasing: storage[0..<size])
        release = .deallocate
    }

    /// Reads up to `count` bytes of `fd` from its start into `storage`: how many it holds
    /// (fewer at the file's end), nil when a read fails (errno says why; 0 for none failed).
    /// - Parameter end: where the file is expected to end: a read that stops short there is
    ///   taken as its end (a regular file's read stops short only at its end), with no
    ///   second read to find it.
    private static func read(_ fd: Int32, into storage: UnsafeMutableRawBufferPointer, count: Int, endsAt end: Int?) -> Int? {
        errno = 0
        var done = 0
        while done < count {
            let asked = count - done
            let n = pread(fd, storage.baseAddress! + done, asked, off_t(done))
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { break }
            done += n
            if n < asked && done == end { break }
        }
        return done
    }

    /// Maps `fd` copy-on-write (nil when mmap(2) fails; errno says why); the descriptor may be closed afterwards (mmap(2)).
    public init?(mapping fd: Int32, size: Int) {
        if size == 0 {
            buffer = UnsafeRawBufferPointer(start: nil, count: 0)
            release = .none
            return
        }
        // Writable but private: libelf may convert data in place; the file never changes.
        guard let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            return nil
        }
        buffer = UnsafeRawBufferPointer(start: address, count: size)
        release = .munmap
    }

    /// A window onto memory owned by `owner` (kept alive by this object).
    public init(slice: UnsafeRawBufferPointer, owner: AnyObject) {
        buffer = slice
        release = .none
        self.owner = owner
    }
    private var owner: AnyObject?

    public var count: Int { buffer.count }

    /// True when the bytes are a mapping of the file (not a copy in memory).
    public var isMapped: Bool { release == .munmap }

    /// A copy of the first `count` bytes, owned by the new object.
    public func prefix(_ count: Int) -> FileBytes {
        let length = max(0, min(count, buffer.count))
        return FileBytes(owning: Self.ownedCopy(UnsafeRawBufferPointer(rebasing: buffer[0..<length])))
    }

    private init(owning buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
        release = .deallocate
    }

    /// Lets the kernel drop this mapping's pages from the process (`MADV_DONTNEED`): they
    /// come back from the page cache, unchanged, when next read. A closure of thousands of
    /// libraries then costs memory only for the pages still being read, not for every file
    /// ever opened. No effect on bytes this object owns (they would be lost).
    public func dropResidentPages() {
        guard release == .munmap, let base = buffer.baseAddress else { return }
        madvise(UnsafeMutableRawPointer(mutating: base), buffer.count, MADV_DONTNEED)
    }

    /// `dropResidentPages` for the whole pages below `offset`: a mapping read once from start
    /// to end (an image copied into a new one) holds only the pages still ahead.
    public func dropResidentPages(below offset: Int) {
        guard release == .munmap, let base = buffer.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let end = min(offset, buffer.count) / page * page
        if end > 0 { madvise(UnsafeMutableRawPointer(mutating: base), end, MADV_DONTNEED) }
    }

    /// Maps the pages of `range` of a mapping now (`MADV_POPULATE_READ`, Linux 5.14; nothing
    /// on older kernels): one call where reading them would take a page fault per 64 KB
    /// window, each costing microseconds in a virtual machine.
    public func populate(_ range: Range<Int>) {
        #if os(Linux)
        guard release == .munmap, let base = buffer.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = min(range.lowerBound, buffer.count) / page * page, end = min(range.upperBound, buffer.count)
        guard start < end else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, 22 /* MADV_POPULATE_READ */)
        #endif
    }

    public var bytes: [UInt8] { Array(buffer) }

    deinit {
        switch release {
        case .munmap:
            if let base = buffer.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), buffer.count) }
        case .deallocate:
            if let base = buffer.baseAddress { UnsafeMutableRawPointer(mutating: base).deallocate() }
        case .none:
            break
        }
    }
}
