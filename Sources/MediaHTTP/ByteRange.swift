import Foundation

/// What a Range header asks of a file of `size` bytes (RFC 9110 14.2): one range, clamped to
/// the file; `bytes=-N` is the last N bytes. A header this does not serve (several
/// ranges, another unit, bad syntax) is ignored, as the RFC allows: the whole file.
public enum ByteRange: Equatable, Sendable {
    case whole
    case part(ClosedRange<UInt64>)
    /// 416: the range starts at or past the end (or asks for the last 0 bytes).
    case unsatisfiable

    public static func parse(_ header: String?, size: UInt64) -> ByteRange {
        guard let header else { return .whole }
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes="), !text.contains(",") else { return .whole }
        let spec = text.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        let ends = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard ends.count == 2 else { return .whole }
        func number(_ text: Substring) -> UInt64? {
            guard !text.isEmpty, text.count <= 19, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return UInt64(text)
        }
        if ends[0].isEmpty {
            guard let suffix = number(ends[1]) else { return .whole }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .part((size > suffix ? size - suffix : 0)...(size - 1))
        }
        guard let first = number(ends[0]) else { return .whole }
        var last = size == 0 ? 0 : size - 1
        if !ends[1].isEmpty {
            guard let asked = number(ends[1]), asked >= first else { return .whole }
            last = min(asked, last)
        }
        guard first < size else { return .unsatisfiable }
        return .part(first...last)
    }
}
