import Foundation
import Hummingbird
import LumaRPC
import MediaAPI

/// A media-store file as an HTTP response: whole (200) or the one range asked for (206, 416),
/// with its ETag (the file's SHA-256) honouring If-Range, streamed a chunk at a time after the
/// handler returns, so a 1 GiB video never sits in memory. The studio (to reviewers) and
/// luma-feed (to the app) serve media this way; who may see the file is theirs to decide first.
public enum MediaHTTPResponse {
    /// Reads at most `count` bytes at `offset` (fewer when media-store's chunk is smaller).
    public typealias Read = @Sendable (_ offset: UInt64, _ count: UInt64) async throws -> Data

    /// The most asked of media-store per ReadMedia (its default chunk size).
    public static let readChunk: UInt64 = 1 << 20

    public static func make(_ request: Request, media: Luma_Media_V1_Media, cacheControl: String, read: @escaping Read) -> Response {
        let eTag = "\"\(media.sha256)\""
        var headers: HTTPFields = [.acceptRanges: "bytes", .eTag: eTag, .cacheControl: cacheControl]
        if request.headers[.ifNoneMatch].map({ $0.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == eTag } }) == true {
            return Response(status: .notModified, headers: headers)
        }
        var range = ByteRange.parse(request.headers[.range], size: media.size)
        // A range asked for on condition that the file is still the one the player saw.
        if let ifRange = request.headers[.ifRange], ifRange != eTag, range != .unsatisfiable { range = .whole }
        let status: HTTPResponse.Status
        let first: UInt64, last: UInt64
        switch range {
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(media.size)"
            headers[.contentLength] = "0"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .whole where media.size == 0:
            return Response(status: .ok, headers: headers)
        case .whole:
            status = .ok
            (first, last) = (0, media.size - 1)
        case .part(let bytes):
            status = .partialContent
            (first, last) = (bytes.lowerBound, bytes.upperBound)
            headers[.contentRange] = "bytes \(first)-\(last)/\(media.size)"
        }
        headers[.contentType] = media.contentType
        let length = last - first + 1
        headers[.contentLength] = String(length)
        let size = media.size
        let id = media.id
        let body = ResponseBody(contentLength: Int(length)) { writer in
            var offset = first
            while offset <= last {
                let data = try await read(offset, min(last - offset + 1, readChunk))
                guard !data.isEmpty else { throw RPCError(.dataLoss, "media \(id) ended at \(offset) of \(size) bytes") }
                try await writer.write(ByteBuffer(bytes: data.count > Int(last - offset + 1) ? data.prefix(Int(last - offset + 1)) : data))
                offset += UInt64(data.count)
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }
}
