import ContentAPI
import CreatorsAPI

/// One item: its verse and scripts, the video, its history, and what the person may do next.
enum ItemPage {
    struct Eligible {
        let creator: Luma_Creators_V1_Creator
        let remaining: Int
    }

    static func render(_ item: Luma_Content_V1_ContentItem, session: StudioSession, flash: StudioSession.Flash?,
                       eligible: [Eligible] = [], creatorName: String? = nil, renderCreatorName: String? = nil) -> HTML {
        let facts: [(String, String)] = [
            ("Date", item.postDate), ("Mode", item.mode.label), ("Language", item.language), ("Status", item.status.label),
            ("Topic", item.topicLabel.isEmpty ? item.category : item.topicLabel),
            ("Creator", item.creatorID == 0 ? "none" : creatorName.map { "\($0) (\(item.creatorID))" } ?? "\(item.creatorID)"),
        ]
        let factsHTML: [HTML] = facts.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }
        var sections: [HTML] = []
        if item.status == .rejected && !item.rejectionNote.isEmpty {
            sections.append("<section class=\"card rejection\" aria-labelledby=\"note-heading\"><h2 id=\"note-heading\">Rejection note</h2><p id=\"rejection-note\">\(item.rejectionNote)</p></section>")
        }
        if !item.verseReference.isEmpty {
            let note: HTML = item.verseNote.isEmpty ? "" : "<p class=\"notice\">\(item.verseNote)</p>"
            sections.append("""
                <section class="card" aria-labelledby="verse-heading"><h2 id="verse-heading">Verse: \(item.verseReference)</h2>
                <blockquote>\(item.verseText)</blockquote>\(note)</section>
                """)
        }
        let scripts: [(String, String)] = [
            ("Camera script", item.cameraScript), ("Devotional reflection", item.devotionalReflection),
            ("Meditation script", item.meditationScript), ("Background prompt", item.backgroundPrompt),
        ]
        if scripts.contains(where: { !$0.1.isEmpty }) {
            sections.append("<section class=\"card\" aria-labelledby=\"scripts-heading\"><h2 id=\"scripts-heading\">Scripts</h2>\(scripts.filter { !$0.1.isEmpty }.map { "<h3>\($0.0)</h3><p>\($0.1)</p>" as HTML })</section>")
        }
        // An AI creator's render (admins): what content-pipeline says of it, and Retry render.
        if session.role == .admin && item.hasRender && item.render.id != 0 {
            sections.append(RenderView.section(item, session: session, flash: flash, creatorName: renderCreatorName))
        }
        if item.videoMediaID != 0 {
            sections.append(uploadedVideo(item))
        } else if !item.creatorVideoURL.isEmpty {
            sections.append("""
                <section class="card" aria-labelledby="video-heading"><h2 id="video-heading">Video</h2>
                <video controls preload="none" src="\(item.creatorVideoURL)" poster="\(item.creatorVideoThumbnail)" width="270"></video>
                <p><a href="\(item.creatorVideoURL)">\(item.creatorVideoURL)</a></p></section>
                """)
        }
        sections.append(actions(item, session: session, flash: flash, eligible: eligible))
        if !item.history.isEmpty {
            let events: [HTML] = item.history.map { event in
                let who: HTML = event.creatorID == 0 ? "" : " by creator \(event.creatorID)"
                let note: HTML = event.note.isEmpty ? "" : ": \(event.note)"
                return "<li><time datetime=\"\(event.at)\">\(event.at)</time> \(event.action)\(who)\(note)</li>"
            }
            sections.append("<section class=\"card\" aria-labelledby=\"history-heading\"><h2 id=\"history-heading\">History</h2><ol class=\"history\">\(events)</ol></section>")
        }
        let back: HTML = session.role == .admin
            ? "<p><a href=\"/calendar?month=\(String(item.postDate.prefix(7)))\">Back to the calendar</a></p>"
            : "<p><a href=\"/assignments\">Back to my assignments</a></p>"
        return Layout.page("Item \(item.id): \(item.postDate) \(item.kind)", session: session, flash: flash, """
            \(back)
            <dl class="facts status-\(item.status.label)">\(factsHTML)</dl>
            \(sections)
            """)
    }

    /// A video held by media-store: played through the studio (which checks the item is the
    /// person's), with what media-store measured of it.
    static func uploadedVideo(_ item: Luma_Content_V1_ContentItem) -> HTML {
        let video = "/items/\(item.id)/video?m=\(item.videoMediaID)"
        let thumbnail = item.thumbnailMediaID == 0 ? "" : "/items/\(item.id)/thumbnail?m=\(item.thumbnailMediaID)"
        let poster: HTML = thumbnail.isEmpty ? "" : " poster=\"\(thumbnail)\""
        let image: HTML = thumbnail.isEmpty ? "" : "<dt>Thumbnail</dt><dd><img src=\"\(thumbnail)\" alt=\"The video's thumbnail\" width=\"90\"></dd>"
        let duration = String(format: "%.1f s", Double(item.videoDurationMs) / 1000)
        return """
            <section class="card" aria-labelledby="video-heading"><h2 id="video-heading">Video</h2>
            <video id="item-video" controls preload="metadata" src="\(video)"\(poster) width="270"></video>
            <dl class="facts" id="video-facts"><dt>Duration</dt><dd>\(duration)</dd>
            <dt>Resolution</dt><dd>\(item.videoWidth)x\(item.videoHeight)</dd>
            <dt>Codecs</dt><dd>\(item.videoCodecs)</dd>\(image)</dl>
            <p><a href="\(video)">Download the video</a></p></section>
            """
    }

    static func actions(_ item: Luma_Content_V1_ContentItem, session: StudioSession, flash: StudioSession.Flash?, eligible: [Eligible]) -> HTML {
        let csrf = Layout.csrf(session)
        var forms: [HTML] = []
        let path = "/items/\(item.id)"
        if session.role == .creator {
            if item.status == .assigned || item.status == .rejected {
                // The token comes first: the studio checks it before it stores a byte of the file.
                forms.append("""
                    <form method="post" action="\(path)/upload" enctype="multipart/form-data" data-upload>\(csrf)
                    <h3>Upload the video</h3>
                    \(Layout.field("Video file (MP4 or MOV, H.264 or HEVC, vertical 9:16, 5 to 90 seconds, at most 1 GiB)", name: "video_file",
                                   type: "file", required: true, flash: flash, extra: "accept=\"video/mp4,video/quicktime,.mp4,.mov\""))
                    \(Layout.field("Thumbnail image (optional: JPEG or PNG, 9:16; without one, a frame of the video)", name: "thumbnail_file",
                                   type: "file", flash: flash, extra: "accept=\"image/jpeg,image/png,.jpg,.jpeg,.png\""))
                    <p class="upload-progress"><progress id="upload-progress" max="100" value="0" hidden></progress>
                    <span id="upload-status" role="status" aria-live="polite"></span></p>
                    <p><button type="submit">\(item.status == .rejected ? "Upload and resubmit" : "Upload and submit")</button></p></form>
                    <script src="/studio-upload.js" defer></script>
                    """)
                forms.append("""
                    <form method="post" action="\(path)/submit">\(csrf)
                    <h3>Or give the video's address</h3>
                    \(Layout.field("Video URL (https)", name: "video_url", type: "url", value: item.creatorVideoURL, required: true, flash: flash))
                    \(Layout.field("Thumbnail URL (https)", name: "thumbnail_url", type: "url", value: item.creatorVideoThumbnail, required: true, flash: flash))
                    <p><button type="submit">\(item.status == .rejected ? "Resubmit video" : "Submit video")</button></p></form>
                    """)
            }
        } else {
            switch item.status {
            case .empty:
                forms.append("<form method=\"post\" action=\"\(path)/generate\">\(csrf)<button type=\"submit\">Generate</button></form>")
            case .generated:
                let options: [HTML] = eligible.map { entry in
                    let name = entry.creator.displayName + (entry.creator.isAi && !entry.creator.displayName.contains("(AI)") ? " (AI)" : "")
                    return "<option value=\"\(entry.creator.id)\"\(HTML(raw: entry.remaining <= 0 ? " disabled" : ""))>\(name): \(entry.remaining) left this month</option>"
                }
                let assign: HTML = eligible.isEmpty
                    ? "<p>No active creator can film \(item.kind).</p>"
                    : """
                        <form method="post" action="\(path)/assign">\(csrf)
                        <p class="field"><label for="field-creator_id">Creator</label>
                        <select id="field-creator_id" name="creator_id">\(options)</select>
                        \(Layout.fieldError("creator_id", flash: flash))</p>
                        <p><button type="submit">Assign</button></p></form>
                        """
                forms.append(assign)
                forms.append("<form method=\"post\" action=\"\(path)/regenerate\">\(csrf)<button type=\"submit\" class=\"secondary\">Regenerate</button></form>")
            case .assigned:
                forms.append("<form method=\"post\" action=\"\(path)/unassign\">\(csrf)<button type=\"submit\" class=\"secondary\">Unassign</button></form>")
            case .submitted:
                forms.append("<form method=\"post\" action=\"\(path)/approve\">\(csrf)<button type=\"submit\">Approve</button></form>")
                forms.append("""
                    <form method="post" action="\(path)/reject">\(csrf)
                    <p class="field"><label for="field-note">Rejection note (what to change)</label>
                    <textarea id="field-note" name="note" rows="3" required>\(flash?.values["note"] ?? "")</textarea>
                    \(Layout.fieldError("note", flash: flash))</p>
                    <p><button type="submit" class="danger">Reject</button></p></form>
                    """)
            default:
                break
            }
        }
        guard !forms.isEmpty else { return "" }
        return "<section class=\"card actions\" aria-labelledby=\"actions-heading\"><h2 id=\"actions-heading\">Next step</h2>\(forms)</section>"
    }
}
