import Foundation

/// What ffprobe reports of a file, reduced to what the checks need.
public struct ProbeResult: Sendable, Equatable {
    /// ffprobe's `format_name`, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "image2", "png_pipe".
    public var formatName: String
    /// The QuickTime/MP4 major brand ("qt  " for MOV, "isom", "mp42", ...), if any.
    public var majorBrand: String
    public var durationSeconds: Double?
    public var videoCodec: String?
    public var audioCodec: String?
    /// Coded size of the first video stream.
    public var width: Int
    public var height: Int
    /// Display rotation in degrees (a phone's portrait video is often stored landscape with 90).
    public var rotation: Int
    public var videoStreams: Int
    public var audioStreams: Int

    public init(formatName: String, majorBrand: String = "", durationSeconds: Double? = nil, videoCodec: String? = nil,
                audioCodec: String? = nil, width: Int = 0, height: Int = 0, rotation: Int = 0, videoStreams: Int = 0, audioStreams: Int = 0) {
        self.formatName = formatName
        self.majorBrand = majorBrand
        self.durationSeconds = durationSeconds
        self.videoCodec = videoCodec
        self.audioCodec = audioCodec
        self.width = width
        self.height = height
        self.rotation = rotation
        self.videoStreams = videoStreams
        self.audioStreams = audioStreams
    }

    /// The size as a player shows it: rotated by a quarter turn, width and height swap.
    public var displayedWidth: Int { abs(rotation) % 180 == 90 ? height : width }
    public var displayedHeight: Int { abs(rotation) % 180 == 90 ? width : height }

    /// Parses `ffprobe -print_format json -show_format -show_streams`.
    public init(ffprobeJSON data: Data) throws {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ProbeError.unreadable("ffprobe printed no JSON object")
        }
        let format = object["format"] as? [String: Any] ?? [:]
        let streams = object["streams"] as? [[String: Any]] ?? []
        let video = streams.filter { ($0["codec_type"] as? String) == "video" }
        let audio = streams.filter { ($0["codec_type"] as? String) == "audio" }
        let first = video.first ?? [:]
        var rotation = 0
        if let tags = first["tags"] as? [String: Any], let rotate = (tags["rotate"] as? String).flatMap(Int.init) {
            rotation = rotate
        }
        for side in first["side_data_list"] as? [[String: Any]] ?? [] {
            if let value = side["rotation"] as? Int { rotation = value }
            if let value = side["rotation"] as? Double { rotation = Int(value) }
        }
        self.init(
            formatName: format["format_name"] as? String ?? "",
            majorBrand: ((format["tags"] as? [String: Any])?["major_brand"] as? String) ?? "",
            durationSeconds: (format["duration"] as? String).flatMap(Double.init) ?? (first["duration"] as? String).flatMap(Double.init),
            videoCodec: first["codec_name"] as? String,
            audioCodec: audio.first?["codec_name"] as? String,
            width: first["width"] as? Int ?? 0,
            height: first["height"] as? Int ?? 0,
            rotation: rotation,
            videoStreams: video.count,
            audioStreams: audio.count)
    }
}

public enum ProbeError: Error, CustomStringConvertible {
    /// The tool could not read the file at all (not a media file, cut short...).
    case unreadable(String)
    /// ffprobe/ffmpeg is missing or failed to run: the service's problem, not the file's.
    case tool(String)

    public var description: String {
        switch self {
        case .unreadable(let why), .tool(let why): return why
        }
    }
}
