import Foundation

/// What a file must be to be stored, decided once here from what the probe saw. Each refusal
/// says exactly why, in words a creator can act on.
public struct MediaRules: Sendable, Equatable {
    /// A short's duration bounds, in seconds (--min-duration / --max-duration).
    public var minDuration: Double
    public var maxDuration: Double
    /// How far width/height may be from 9/16, relative (0.03 = 3 %).
    public var aspectTolerance: Double

    public init(minDuration: Double = 5, maxDuration: Double = 90, aspectTolerance: Double = 0.03) {
        self.minDuration = minDuration
        self.maxDuration = maxDuration
        self.aspectTolerance = aspectTolerance
    }

    /// What a file that passed is stored as.
    public struct Accepted: Sendable, Equatable {
        public var container: String
        public var contentType: String
        public var width: Int
        public var height: Int
        public var durationMS: Int
        public var videoCodec: String
        public var audioCodec: String
    }

    static let videoCodecs = ["h264": "H.264", "hevc": "HEVC"]
    static let imageCodecs = ["mjpeg": ("jpeg", "image/jpeg"), "png": ("png", "image/png")]

    /// The file as stored, or why it is refused.
    public func check(_ probe: ProbeResult, kind: MediaKind) -> Result<Accepted, MediaRefusal> {
        switch kind {
        case .video: return checkVideo(probe)
        case .image: return checkImage(probe)
        }
    }

    func checkVideo(_ probe: ProbeResult) -> Result<Accepted, MediaRefusal> {
        let formats = probe.formatName.split(separator: ",")
        guard formats.contains("mov") || formats.contains("mp4") else {
            return .failure(.init("a \(Self.formatLabel(probe.formatName)) file is not a video a phone records; upload an MP4 or MOV"))
        }
        guard probe.videoStreams > 0, let codec = probe.videoCodec else {
            return .failure(.init("the file has no video stream"))
        }
        guard Self.videoCodecs[codec] != nil else {
            return .failure(.init("video codec \(codec) is not H.264 or HEVC; export the video as H.264 or HEVC"))
        }
        if let audio = probe.audioCodec, audio != "aac" {
            return .failure(.init("audio codec \(audio) is not AAC; export the video with AAC audio"))
        }
        if let shape = shapeRefusal(probe) { return .failure(shape) }
        guard let duration = probe.durationSeconds, duration > 0 else {
            return .failure(.init("the file's duration cannot be read"))
        }
        if duration < minDuration {
            return .failure(.init("\(Self.duration(duration, beyond: minDuration)) is shorter than \(Self.limit(minDuration))"))
        }
        if duration > maxDuration {
            return .failure(.init("\(Self.duration(duration, beyond: maxDuration)) is longer than \(Self.limit(maxDuration))"))
        }
        let isMOV = probe.majorBrand.trimmingCharacters(in: .whitespaces) == "qt"
        return .success(Accepted(
            container: isMOV ? "mov" : "mp4", contentType: isMOV ? "video/quicktime" : "video/mp4",
            width: probe.displayedWidth, height: probe.displayedHeight, durationMS: Int((duration * 1000).rounded()),
            videoCodec: codec, audioCodec: probe.audioCodec ?? ""))
    }

    func checkImage(_ probe: ProbeResult) -> Result<Accepted, MediaRefusal> {
        let isImageFile = probe.formatName == "image2" || probe.formatName.hasSuffix("_pipe")
        guard isImageFile, let codec = probe.videoCodec, let (container, type) = Self.imageCodecs[codec] else {
            return .failure(.init("a thumbnail must be a JPEG or PNG image, not \(probe.videoCodec.map { "\($0) (\(Self.formatLabel(probe.formatName)))" } ?? Self.formatLabel(probe.formatName))"))
        }
        if let shape = shapeRefusal(probe) { return .failure(shape) }
        return .success(Accepted(container: container, contentType: type, width: probe.displayedWidth, height: probe.displayedHeight,
                                 durationMS: 0, videoCodec: codec, audioCodec: ""))
    }

    /// Vertical, and 9:16 within the tolerance.
    func shapeRefusal(_ probe: ProbeResult) -> MediaRefusal? {
        let width = probe.displayedWidth, height = probe.displayedHeight
        guard width > 0, height > 0 else { return .init("the picture's size cannot be read") }
        if width > height { return .init("\(width)x\(height) is landscape; shorts are vertical (9:16, e.g. 1080x1920)") }
        if width == height { return .init("\(width)x\(height) is square; shorts are vertical (9:16, e.g. 1080x1920)") }
        let ratio = Double(width) / Double(height)
        guard abs(ratio / (9.0 / 16.0) - 1) <= aspectTolerance else {
            return .init("\(width)x\(height) is not 9:16 (within \(Int((aspectTolerance * 100).rounded())) %); shorts are 9:16, e.g. 1080x1920")
        }
        return nil
    }

    /// "45 s", "4.5 s", "3 min 10 s".
    public static func duration(_ seconds: Double) -> String {
        if seconds < 10, (seconds * 10).rounded() != (seconds.rounded() * 10) {
            return String(format: "%.1f s", seconds)
        }
        let whole = Int(seconds.rounded())
        guard whole >= 60 else { return "\(whole) s" }
        return whole % 60 == 0 ? "\(whole / 60) min" : "\(whole / 60) min \(whole % 60) s"
    }

    /// A duration refused against `bound`, as people say it unless that would read as the bound
    /// itself ("90 s is longer than 90 s" for 90.4 s): then with as many decimals as it takes.
    static func duration(_ seconds: Double, beyond bound: Double) -> String {
        let shown = (seconds < 10 && (seconds * 10).rounded() != seconds.rounded() * 10) ? (seconds * 10).rounded() / 10 : seconds.rounded()
        guard seconds < bound ? shown >= bound : shown <= bound else { return duration(seconds) }
        for digits in 1...6 {
            let text = String(format: "%.\(digits)f", seconds)
            if let value = Double(text), seconds < bound ? value < bound : value > bound { return text + " s" }
        }
        return "\(seconds) s"
    }

    /// A bound as the flags give it: "90 s", "7.5 s".
    static func limit(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }

    static func formatLabel(_ formatName: String) -> String {
        let first = formatName.split(separator: ",").first.map(String.init) ?? ""
        return first.isEmpty ? "unknown" : first.replacingOccurrences(of: "_pipe", with: "")
    }
}

/// Why a file is refused: a sentence for the uploader.
public struct MediaRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
