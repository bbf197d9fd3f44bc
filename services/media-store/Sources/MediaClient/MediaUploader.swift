import Crypto
import Foundation
import LumaRPC
import MediaAPI

/// The client side of media-store's chunk protocol, written once for every uploader (lumactl,
/// the studio, the render worker): hash the file, open a session, send chunks from the offset
/// the server says, and after any failure ask the server where it stands (`GetUpload`) instead
/// of guessing. A retried chunk the server already has is acknowledged, not stored twice.
public struct MediaUploader: Sendable {
    let client: any Luma_Media_V1_MediaStoreClientProtocol
    /// Consecutive failed calls tolerated (each followed by a backoff and a GetUpload); also the
    /// rounds in a row the server's offset may stay put, and the times it may move back.
    public var attempts: Int
    public var backoff: RPCBackoff
    /// The largest chunk this client sends, whatever the server allows: what fits in its own
    /// frame limit with room for the envelope.
    public var maxChunk: Int

    public init(client: RPCClient, attempts: Int = 6) {
        self.init(Luma_Media_V1_MediaStoreClient(client), attempts: attempts,
                  maxChunk: max(1024, client.configuration.limits.maxFrameSize - 4096))
    }

    public init(_ client: any Luma_Media_V1_MediaStoreClientProtocol, attempts: Int = 6, maxChunk: Int = 1 << 20) {
        self.client = client
        self.attempts = attempts
        self.maxChunk = maxChunk
        var backoff = RPCBackoff()
        backoff.initial = .milliseconds(200)
        backoff.maximum = .seconds(5)
        self.backoff = backoff
    }

    /// What the uploader reports as it goes: bytes the server holds, of the file's size.
    public typealias Progress = @Sendable (_ stored: UInt64, _ size: UInt64) -> Void

    /// Uploads the file at `path` and returns the checked media. `resume`: a session id from an
    /// earlier, interrupted run of the same file; `owner`: the creator an admin uploads for.
    public func upload(path: String, kind: Luma_Media_V1_MediaKind, fileName: String? = nil, owner: Int64 = 0,
                       resume: String? = nil, progress: Progress = { _, _ in }) async throws -> Luma_Media_V1_Media {
        let (sha256, size) = try Self.digest(path)
        var session: Luma_Media_V1_UploadSession
        if let resume {
            session = try await retrying { try await client.getUpload(.with { $0.uploadID = resume }) }
            guard session.sha256 == sha256, session.size == size else {
                throw RPCError.failedPrecondition("upload \(resume) is of another file (sha256 \(session.sha256.prefix(12))...)", field: "upload_id")
            }
        } else {
            session = try await client.startUpload(.with {
                $0.size = size
                $0.sha256 = sha256
                $0.kind = kind
                $0.fileName = fileName ?? URL(fileURLWithPath: path).lastPathComponent
                $0.ownerCreatorID = owner
            })
        }
        let stored = StoredBytes(session.nextOffset)
        do {
            return try await send(path: path, session: session) { done, size in
                stored.value = done
                progress(done, size)
            }
        } catch let error as RPCError where Self.isTransient(error) {
            // The server holds what it acknowledged: say which session continues it.
            throw UploadInterrupted(uploadID: session.uploadID, stored: stored.value, size: size, cause: error)
        }
    }

    /// Sends the rest of an open session's file, then finishes it.
    public func send(path: String, session start: Luma_Media_V1_UploadSession, progress: Progress = { _, _ in }) async throws -> Luma_Media_V1_Media {
        var session = start
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RPCError.invalidArgument("cannot read \(path)", field: "file")
        }
        defer { try? handle.close() }
        progress(session.nextOffset, session.size)
        var failures = 0
        // A media-store that never moves its offset forward, or keeps sending the uploader back,
        // would otherwise be answered with the same bytes forever (found by Fuzz/FuzzUpload):
        // rounds in a row without progress, and rewinds in all, are bounded by `attempts`.
        var stalled = 0
        var rewinds = 0
        while !session.finished && session.nextOffset < session.size {
            // An offset past any file (FileHandle traps beyond Int64.max): found by Fuzz/FuzzUpload.
            guard session.nextOffset <= UInt64(Int64.max) else {
                throw RPCError.failedPrecondition("media-store says upload \(session.uploadID) continues at offset \(session.nextOffset), past any file")
            }
            try handle.seek(toOffset: session.nextOffset)
            let length = Int(min(UInt64(max(1, min(Int(session.chunkSize), maxChunk))), session.size - session.nextOffset))
            guard let data = try handle.read(upToCount: length), data.count == length else {
                throw RPCError.failedPrecondition("\(path) changed while it was uploaded (shorter than \(session.size) bytes)", field: "file")
            }
            let id = session.uploadID, offset = session.nextOffset
            do {
                session = try await client.appendChunk(.with {
                    $0.uploadID = id
                    $0.offset = offset
                    $0.data = data
                })
                failures = 0
            } catch let error as RPCError where (Self.isTransient(error) && failures + 1 < attempts) || (error.code == .failedPrecondition && error.field == "offset") {
                // The chunk may or may not have been stored: ask the server where the session
                // stands and continue from there.
                if Self.isTransient(error) {
                    failures += 1
                    try await pause(failures)
                }
                session = try await retrying { try await client.getUpload(.with { $0.uploadID = id }) }
            }
            progress(session.nextOffset, session.size)
            stalled = session.nextOffset > offset || session.finished ? 0 : stalled + 1
            if session.nextOffset < offset { rewinds += 1 }
            guard stalled < attempts, rewinds <= attempts else {
                let what = stalled >= attempts ? "did not move upload \(id) past offset \(offset) in \(stalled) rounds"
                                               : "sent upload \(id) back to an earlier offset \(rewinds) times"
                throw RPCError.failedPrecondition("media-store \(what); stopped rather than send the same bytes again (resume it later with its upload id)")
            }
        }
        let id = session.uploadID
        return try await retrying { try await client.finishUpload(.with { $0.uploadID = id }) }
    }

    /// Runs `call` again after failures that can clear (the server down, restarting or slow).
    func retrying<T: Sendable>(_ call: () async throws -> T) async throws -> T {
        var failures = 0
        while true {
            do {
                return try await call()
            } catch let error as RPCError where Self.isTransient(error) && failures + 1 < attempts {
                failures += 1
                try await pause(failures)
            }
        }
    }

    func pause(_ failures: Int) async throws {
        try await Task.sleep(nanoseconds: UInt64(max(0, backoff.delay(afterFailures: failures).nanoseconds)))
    }

    static func isTransient(_ error: RPCError) -> Bool {
        [.unavailable, .deadlineExceeded, .aborted, .cancelled].contains(error.code)
    }

    /// The file's sha256 (hex) and size, read in 1 MiB pieces.
    public static func digest(_ path: String) throws -> (sha256: String, size: UInt64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RPCError.invalidArgument("cannot read \(path)", field: "file")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: UInt64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += UInt64(chunk.count)
        }
        guard size > 0 else { throw RPCError.invalidArgument("\(path) is empty", field: "file") }
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), size)
    }
}

/// An upload that stopped part-way on a failure that can clear (the server unreachable for
/// longer than the retries): `uploadID` continues it (`upload(path:resume:)`).
public struct UploadInterrupted: Error, CustomStringConvertible {
    public let uploadID: String
    public let stored: UInt64
    public let size: UInt64
    public let cause: RPCError

    public var description: String { "upload \(uploadID) interrupted at \(stored) of \(size) bytes: \(cause)" }
}

/// The progress callback's last report, for the error that says where an upload stopped.
final class StoredBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: UInt64
    init(_ value: UInt64) { stored = value }
    var value: UInt64 {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
