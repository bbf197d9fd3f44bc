import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The files, content-addressed, under one root:
///
///     blobs/ab/ab12...ef   a checked file, named by its sha256 (never written in place)
///     uploads/<id>.part    an upload's bytes so far
///     tmp/                 thumbnails being extracted
///     trash/<sha256>       a removed blob, kept an hour so a backup that copied the database
///                          just before the removal still finds the file
///
/// A name under `blobs/` exists only for a whole file whose sha256 was checked: bytes arrive in
/// `uploads/`, and `rename(2)` (atomic on one file system) moves them in once checked, so a
/// process killed mid-write leaves at worst a `.part` file, which looks like what it is.
public struct BlobDirectory: Sendable {
    public let root: String

    public init(root: String) throws {
        self.root = URL(fileURLWithPath: root).standardizedFileURL.path
        for sub in ["blobs", "uploads", "tmp", "trash"] {
            try FileManager.default.createDirectory(atPath: self.root + "/" + sub, withIntermediateDirectories: true)
        }
    }

    public func blobPath(_ sha256: String) -> String { "\(root)/blobs/\(sha256.prefix(2))/\(sha256)" }
    public func partPath(_ upload: String) -> String { "\(root)/uploads/\(upload).part" }
    public func temporaryPath(_ name: String) -> String { "\(root)/tmp/\(name)" }

    public func hasBlob(_ sha256: String) -> Bool { FileManager.default.fileExists(atPath: blobPath(sha256)) }

    /// Writes `data` at `offset` of the upload's part file and cuts anything after it: the
    /// database's next offset is the truth, so bytes a killed process wrote past it are dropped.
    public func write(upload: String, offset: Int64, data: Data) throws {
        let path = partPath(upload)
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw BlobError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = pwrite(fd, raw.baseAddress! + written, raw.count - written, off_t(offset) + off_t(written))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw BlobError.io("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                written += n
            }
        }
        guard ftruncate(fd, off_t(offset) + off_t(data.count)) == 0 else {
            throw BlobError.io("cannot truncate \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The sha256 (hex) and size of a file, read in 1 MiB pieces.
    public static func digest(of path: String) throws -> (sha256: String, size: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BlobError.io("cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += Int64(chunk.count)
        }
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), size)
    }

    /// Moves a checked file into `blobs/` under its sha256 (made durable first). If that blob
    /// exists already (the same bytes uploaded before), the copy is dropped.
    public func adopt(_ path: String, sha256: String) throws {
        let target = blobPath(sha256)
        if FileManager.default.fileExists(atPath: target) {
            try? FileManager.default.removeItem(atPath: path)
            return
        }
        try Self.sync(path)
        let directory = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard rename(path, target) == 0 else {
            throw BlobError.io("cannot move \(path) to \(target): \(String(cString: strerror(errno)))")
        }
        try Self.sync(directory)
    }

    public func trashPath(_ sha256: String) -> String { "\(root)/trash/\(sha256)" }

    /// Takes a blob out of `blobs/` into `trash/` (its time set to now, so the clean-up deletes
    /// it an hour later): a backup whose database copy still names it can copy it meanwhile.
    public func removeBlob(_ sha256: String) {
        let trash = trashPath(sha256)
        try? FileManager.default.removeItem(atPath: trash)
        if rename(blobPath(sha256), trash) == 0 { _ = utimes(trash, nil) }
    }

    /// Where a blob's bytes are: in `blobs/`, or in `trash/` shortly after its removal.
    public func readablePath(_ sha256: String) -> String? {
        [blobPath(sha256), trashPath(sha256)].first { FileManager.default.fileExists(atPath: $0) }
    }
    public func removePart(_ upload: String) { try? FileManager.default.removeItem(atPath: partPath(upload)) }

    /// Reads at most `length` bytes from `offset` of a stored file.
    public func read(_ sha256: String, offset: Int64, length: Int) throws -> Data {
        let path = blobPath(sha256)
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BlobError.missing(path) }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        return try handle.read(upToCount: length) ?? Data()
    }

    /// Every blob's sha256 with its modification time (for the clean-up of blobs no row names).
    public func blobs() -> [(sha256: String, modified: Date)] {
        let base = root + "/blobs"
        var found: [(String, Date)] = []
        for prefix in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: base + "/" + prefix)) ?? [] where name.count == 64 {
                let attributes = try? FileManager.default.attributesOfItem(atPath: "\(base)/\(prefix)/\(name)")
                found.append((name, attributes?[.modificationDate] as? Date ?? .distantPast))
            }
        }
        return found
    }

    /// Files in `tmp/` and `trash/`, and part files no session names, with their modification times.
    public func strayFiles(openUploads: Set<String>) -> [(path: String, modified: Date)] {
        var found: [(String, Date)] = []
        for (sub, keep) in [("tmp", { (_: String) in false }), ("trash", { (_: String) in false }),
                            ("uploads", { openUploads.contains(($0 as NSString).deletingPathExtension) })] {
            let base = root + "/" + sub
            for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where !keep(name) {
                let attributes = try? FileManager.default.attributesOfItem(atPath: base + "/" + name)
                found.append((base + "/" + name, attributes?[.modificationDate] as? Date ?? .distantPast))
            }
        }
        return found
    }

    static func sync(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BlobError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        _ = fsync(fd)
    }
}

public enum BlobError: Error, CustomStringConvertible {
    case io(String)
    case missing(String)

    public var description: String {
        switch self {
        case .io(let message): return message
        case .missing(let path): return "\(path) is missing"
        }
    }
}
