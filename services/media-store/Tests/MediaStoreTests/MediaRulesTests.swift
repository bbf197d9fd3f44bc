import Foundation
import Testing
@testable import MediaStore

/// The checks as pure functions of what ffprobe saw: every refusal's exact words.
@Suite("Media rules")
struct MediaRulesTests {
    let rules = MediaRules()

    /// A phone's MP4 as ffprobe reports it, changed by the test.
    func video(width: Int = 1080, height: Int = 1920, seconds: Double? = 30, codec: String? = "h264", audio: String? = "aac",
               format: String = "mov,mp4,m4a,3gp,3g2,mj2", brand: String = "isom", rotation: Int = 0) -> ProbeResult {
        ProbeResult(formatName: format, majorBrand: brand, durationSeconds: seconds, videoCodec: codec, audioCodec: audio,
                    width: width, height: height, rotation: rotation, videoStreams: codec == nil ? 0 : 1, audioStreams: audio == nil ? 0 : 1)
    }

    func refusal(_ probe: ProbeResult, kind: MediaKind = .video, rules: MediaRules? = nil) -> String? {
        switch (rules ?? self.rules).check(probe, kind: kind) {
        case .success: return nil
        case .failure(let refusal): return refusal.reason
        }
    }

    @Test func aVerticalH264VideoIsAcceptedAsMeasured() throws {
        let accepted = try rules.check(video(seconds: 42.25), kind: .video).get()
        #expect(accepted == MediaRules.Accepted(container: "mp4", contentType: "video/mp4", width: 1080, height: 1920, durationMS: 42_250,
                                                videoCodec: "h264", audioCodec: "aac"))
        let mov = try rules.check(video(codec: "hevc", audio: nil, brand: "qt  "), kind: .video).get()
        #expect(mov.container == "mov" && mov.contentType == "video/quicktime" && mov.videoCodec == "hevc" && mov.audioCodec == "")
    }

    @Test func eachRefusalSaysWhy() {
        #expect(refusal(video(width: 1920, height: 1080)) == "1920x1080 is landscape; shorts are vertical (9:16, e.g. 1080x1920)")
        #expect(refusal(video(width: 1080, height: 1080)) == "1080x1080 is square; shorts are vertical (9:16, e.g. 1080x1920)")
        #expect(refusal(video(width: 1080, height: 1500)) == "1080x1500 is not 9:16 (within 3 %); shorts are 9:16, e.g. 1080x1920")
        #expect(refusal(video(seconds: 190)) == "3 min 10 s is longer than 90 s")
        #expect(refusal(video(seconds: 2)) == "2 s is shorter than 5 s")
        #expect(refusal(video(seconds: 4.5)) == "4.5 s is shorter than 5 s")
        #expect(refusal(video(codec: "vp9")) == "video codec vp9 is not H.264 or HEVC; export the video as H.264 or HEVC")
        #expect(refusal(video(codec: "mpeg4")) == "video codec mpeg4 is not H.264 or HEVC; export the video as H.264 or HEVC")
        #expect(refusal(video(audio: "mp3")) == "audio codec mp3 is not AAC; export the video with AAC audio")
        #expect(refusal(video(format: "matroska,webm")) == "a matroska file is not a video a phone records; upload an MP4 or MOV")
        #expect(refusal(video(codec: nil)) == "the file has no video stream")
        #expect(refusal(video(seconds: nil)) == "the file's duration cannot be read")
        #expect(refusal(video(width: 0, height: 0)) == "the picture's size cannot be read")
    }

    @Test func theBoundsAreTheFlagsAndTheTolerance() {
        let strict = MediaRules(minDuration: 7.5, maxDuration: 60, aspectTolerance: 0.01)
        #expect(refusal(video(seconds: 6), rules: strict) == "6 s is shorter than 7.5 s")
        #expect(refusal(video(seconds: 61), rules: strict) == "1 min 1 s is longer than 60 s")
        #expect(refusal(video(width: 1080, height: 1880), rules: strict) == "1080x1880 is not 9:16 (within 1 %); shorts are 9:16, e.g. 1080x1920")
        // 1080x1880 is 2 % off 9:16: inside the default 3 %.
        #expect(refusal(video(width: 1080, height: 1880)) == nil)
        // The bounds themselves are accepted.
        #expect(refusal(video(seconds: 5)) == nil)
        #expect(refusal(video(seconds: 90)) == nil)
    }

    /// Just over a bound must not read "90 s is longer than 90 s".
    @Test func aDurationJustPastABoundIsShownPreciselyEnoughToSeeWhy() {
        #expect(refusal(video(seconds: 90.4)) == "90.4 s is longer than 90 s")
        #expect(refusal(video(seconds: 90.04)) == "90.04 s is longer than 90 s")
        #expect(refusal(video(seconds: 4.96)) == "4.96 s is shorter than 5 s")
        #expect(refusal(video(seconds: 4.9999)) == "4.9999 s is shorter than 5 s")
    }

    @Test func rotationSwapsWidthAndHeight() {
        for rotation in [90, -90, 270, -270] {
            let probe = video(width: 1920, height: 1080, rotation: rotation)
            #expect(probe.displayedWidth == 1080 && probe.displayedHeight == 1920, "rotation \(rotation)")
            #expect(refusal(probe) == nil, "rotation \(rotation)")
        }
        for rotation in [180, -180, 0] {
            let probe = video(width: 1080, height: 1920, rotation: rotation)
            #expect(probe.displayedWidth == 1080 && probe.displayedHeight == 1920)
        }
        // A portrait-coded video turned a quarter is landscape as shown.
        #expect(refusal(video(width: 1080, height: 1920, rotation: 90)) == "1920x1080 is landscape; shorts are vertical (9:16, e.g. 1080x1920)")
        let accepted = try? rules.check(video(width: 1920, height: 1080, rotation: -90), kind: .video).get()
        #expect(accepted?.width == 1080 && accepted?.height == 1920)
    }

    @Test func durationsReadAsPeopleSayThem() {
        #expect(MediaRules.duration(45) == "45 s")
        #expect(MediaRules.duration(4.5) == "4.5 s")
        #expect(MediaRules.duration(2) == "2 s")
        #expect(MediaRules.duration(2.04) == "2 s")
        #expect(MediaRules.duration(59.6) == "1 min")
        #expect(MediaRules.duration(120) == "2 min")
        #expect(MediaRules.duration(190) == "3 min 10 s")
        #expect(MediaRules.duration(95) == "1 min 35 s")
        #expect(MediaRules.duration(3725) == "62 min 5 s")
    }

    @Test func thumbnailsAreVerticalJPEGOrPNG() throws {
        let png = ProbeResult(formatName: "png_pipe", videoCodec: "png", width: 720, height: 1280, videoStreams: 1)
        #expect(try rules.check(png, kind: .image).get() == MediaRules.Accepted(
            container: "png", contentType: "image/png", width: 720, height: 1280, durationMS: 0, videoCodec: "png", audioCodec: ""))
        let jpeg = ProbeResult(formatName: "image2", videoCodec: "mjpeg", width: 720, height: 1280, videoStreams: 1)
        #expect(try rules.check(jpeg, kind: .image).get().contentType == "image/jpeg")
        #expect(refusal(ProbeResult(formatName: "image2", videoCodec: "mjpeg", width: 1280, height: 720, videoStreams: 1), kind: .image)
                == "1280x720 is landscape; shorts are vertical (9:16, e.g. 1080x1920)")
        #expect(refusal(ProbeResult(formatName: "gif", videoCodec: "gif", width: 720, height: 1280, videoStreams: 1), kind: .image)
                == "a thumbnail must be a JPEG or PNG image, not gif (gif)")
        #expect(refusal(video(), kind: .image) == "a thumbnail must be a JPEG or PNG image, not h264 (mov)")
        // An image is not a video.
        #expect(refusal(png) == "a png file is not a video a phone records; upload an MP4 or MOV")
    }

    @Test func ffprobeJSONIsRead() throws {
        let json = """
            {"streams": [
              {"index": 0, "codec_name": "h264", "codec_type": "video", "width": 1920, "height": 1080,
               "side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}]},
              {"index": 1, "codec_name": "aac", "codec_type": "audio"}],
             "format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "12.480000", "tags": {"major_brand": "qt  "}}}
            """
        let probe = try ProbeResult(ffprobeJSON: Data(json.utf8))
        #expect(probe == ProbeResult(formatName: "mov,mp4,m4a,3gp,3g2,mj2", majorBrand: "qt  ", durationSeconds: 12.48, videoCodec: "h264",
                                     audioCodec: "aac", width: 1920, height: 1080, rotation: -90, videoStreams: 1, audioStreams: 1))
        #expect(probe.displayedWidth == 1080 && probe.displayedHeight == 1920)
        let old = try ProbeResult(ffprobeJSON: Data("""
            {"streams": [{"codec_name": "hevc", "codec_type": "video", "width": 1920, "height": 1080, "duration": "7.5", "tags": {"rotate": "90"}}],
             "format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2"}}
            """.utf8))
        #expect(old.rotation == 90 && old.durationSeconds == 7.5 && old.audioCodec == nil && old.audioStreams == 0)
        #expect(throws: ProbeError.self) { try ProbeResult(ffprobeJSON: Data("[]".utf8)) }
    }

    /// What ffprobe really says of files ffmpeg made.
    @Test func theRealProberMeasuresRealFiles() async throws {
        let files = try await Fixtures.files()
        let prober = FFmpegProber()
        let vertical = try await prober.probe(files.vertical)
        #expect(vertical.videoCodec == "h264" && vertical.audioCodec == "aac" && vertical.width == 540 && vertical.height == 960)
        #expect(abs((vertical.durationSeconds ?? 0) - 6) < 0.2)
        let rotated = try await prober.probe(files.rotated)
        #expect(rotated.width == 320 && rotated.height == 180 && abs(rotated.rotation) == 90)
        #expect(rotated.displayedWidth == 180 && rotated.displayedHeight == 320)
        #expect(try await prober.readThrough(files.small) == nil)
        let damage = try await prober.readThrough(files.truncated)
        #expect(damage != nil && damage?.contains(files.truncated) == false)
        let mov = try await prober.probe(files.mov)
        #expect(mov.majorBrand.trimmingCharacters(in: .whitespaces) == "qt")
        await #expect(throws: ProbeError.self) { try await prober.probe(files.directory + "/nothing-here.mp4") }
    }
}
