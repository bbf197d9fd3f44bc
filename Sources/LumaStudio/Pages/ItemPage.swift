import ContentAPI
import CreatorsAPI
import LumaRPC

/// One item: its verse and scripts, the video, its history, and the moves content-pipeline
/// says the person may make (`item.actions`): the page offers those and no others.
enum ItemPage {
    static func render(_ item: Luma_Content_V1_ContentItem, session: StudioSession, flash: StudioSession.Flash?, names: Names,
                       assignable: Result<Luma_Content_V1_ListAssignableCreatorsResponse, any Error>? = nil) -> HTML {
        let creator = item.creatorID == 0 ? "none" : names.creator(item.creatorID)
        let facts: [(String, String)] = [
            ("Date", item.postDate), ("Mode", item.mode.label), ("Language", item.language), ("Status", item.status.label),
            ("Topic", item.topicLabel.isEmpty ? item.category : item.topicLabel), ("Creator", creator),
        ]
        var factsHTML: [HTML] = facts.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }
        if !item.publication.isEmpty {
            factsHTML.append("<dt>Publication</dt><dd id=\"publication\">\(publicationWords(item))</dd>")
        }
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
            let renderer = item.render.creatorID == 0 ? nil : names.creators[item.render.creatorID]
            sections.append(RenderView.section(item, session: session, flash: flash, creatorName: renderer))
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
        sections.append(actions(item, session: session, flash: flash, assignable: assignable))
        sections.append(HistoryView.section(item, names: names))
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

    /// What content-pipeline says of an approved item's publication, in words.
    static func publicationWords(_ item: Luma_Content_V1_ContentItem) -> String {
        let when = item.publishedAt.isEmpty ? "" : " (\(item.publishedAt))"
        switch item.publication {
        case "scheduled": return "scheduled: published at midnight of its date in its channel's time zone\(when)"
        case "published": return "published\(when)"
        case "unpublished": return item.unpublishNote.isEmpty ? "unpublished" : "unpublished: \(item.unpublishNote)"
        default: return item.publication
        }
    }

    /// A form for each move in `item.actions`, in the order a person works through them.
    /// (Retry render sits in the render section, next to what the render says.)
    static func actions(_ item: Luma_Content_V1_ContentItem, session: StudioSession, flash: StudioSession.Flash?,
                        assignable: Result<Luma_Content_V1_ListAssignableCreatorsResponse, any Error>?) -> HTML {
        let csrf = Layout.csrf(session)
        let path = "/items/\(item.id)"
        let allowed = Set(item.actions)
        var forms: [HTML] = []
        func button(_ verb: String, _ label: String, style: String = "") -> HTML {
            let styled: HTML = style.isEmpty ? "" : " class=\"\(style)\""
            return "<form method=\"post\" action=\"\(path)/\(verb)\">\(csrf)<button type=\"submit\"\(styled)>\(label)</button>\(Layout.fieldError(verb, flash: flash))</form>"
        }
        // Labels say which round this is (a rejected video is resubmitted); whether it may be
        // submitted at all is the service's call.
        let again = item.status == .rejected
        if allowed.contains(.submit) {
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
                <p><button type="submit">\(again ? "Upload and resubmit" : "Upload and submit")</button></p></form>
                <script src="/studio-upload.js" defer></script>
                """)
            forms.append("""
                <form method="post" action="\(path)/submit">\(csrf)
                <h3>Or give the video's address</h3>
                \(Layout.field("Video URL (https)", name: "video_url", type: "url", value: item.creatorVideoURL, required: true, flash: flash))
                \(Layout.field("Thumbnail URL (https)", name: "thumbnail_url", type: "url", value: item.creatorVideoThumbnail, required: true, flash: flash))
                <p><button type="submit">\(again ? "Resubmit video" : "Submit video")</button></p></form>
                """)
        }
        if allowed.contains(.generate) { forms.append(button("generate", "Generate")) }
        if allowed.contains(.assign) { forms.append(assignForm(item, csrf: csrf, flash: flash, assignable: assignable)) }
        if allowed.contains(.approve) { forms.append(button("approve", "Approve")) }
        if allowed.contains(.reject) {
            forms.append("""
                <form method="post" action="\(path)/reject">\(csrf)
                <p class="field"><label for="field-note">Rejection note (what to change)</label>
                <textarea id="field-note" name="note" rows="3" required>\(flash?.values["note"] ?? "")</textarea>
                \(Layout.fieldError("note", flash: flash))</p>
                <p><button type="submit" class="danger">Reject</button></p></form>
                """)
        }
        if allowed.contains(.unpublish) {
            forms.append("""
                <form method="post" action="\(path)/unpublish">\(csrf)
                <p class="field"><label for="field-note">Why it is pulled from the feed (kept in the history)</label>
                <textarea id="field-note" name="note" rows="2" required>\(flash?.values["note"] ?? "")</textarea>
                \(Layout.fieldError("note", flash: flash))</p>
                <p><button type="submit" class="danger">Unpublish</button></p></form>
                """)
        }
        if allowed.contains(.republish) { forms.append(button("republish", "Republish")) }
        if allowed.contains(.unassign) { forms.append(button("unassign", "Unassign", style: "secondary")) }
        if allowed.contains(.regenerate) { forms.append(button("regenerate", "Regenerate", style: "secondary")) }
        if allowed.contains(.delete) { forms.append(button("delete", "Delete", style: "danger")) }
        guard !forms.isEmpty else { return "" }
        return "<section class=\"card actions\" id=\"actions\" aria-labelledby=\"actions-heading\"><h2 id=\"actions-heading\">Next step</h2>\(forms)</section>"
    }

    /// The creators content-pipeline says the item may go to, with what is left of their month;
    /// one that cannot take it is shown disabled, with the service's reason.
    static func assignForm(_ item: Luma_Content_V1_ContentItem, csrf: HTML, flash: StudioSession.Flash?,
                           assignable: Result<Luma_Content_V1_ListAssignableCreatorsResponse, any Error>?) -> HTML {
        let listed: Luma_Content_V1_ListAssignableCreatorsResponse
        switch assignable {
        case .success(let answer): listed = answer
        case .failure(StudioError.serviceDown(let service, _)):
            return "<p class=\"error\" id=\"no-assignable\">The creators it may go to cannot be listed: \(service) is not answering.</p>"
        case .failure(let error as RPCError):
            return "<p class=\"error\" id=\"no-assignable\">The creators it may go to cannot be listed: \(Studio.words(error))</p>"
        case .failure, nil:
            return "<p class=\"error\" id=\"no-assignable\">The creators it may go to cannot be listed.</p>"
        }
        let creators = listed.creators
        guard creators.contains(where: \.assignable) else {
            let why: [HTML] = creators.map { "<li>\($0.displayName): \($0.reason)</li>" }
            return "<p id=\"no-assignable\">No creator can take \(item.kind) now.</p>\(HTML(raw: why.isEmpty ? "" : "<ul>" + HTML.join(why).markup + "</ul>"))"
        }
        let month = listed.month.isEmpty ? String(item.postDate.prefix(7)) : listed.month
        let options: [HTML] = creators.map { entry in
            let name = entry.displayName + (entry.isAi && !entry.displayName.contains("(AI)") ? " (AI)" : "")
                + (entry.current ? " (assigned now)" : "")
            let left = "\(entry.remaining) of \(entry.monthlyCapacity) left in \(month)"
            let label = entry.assignable ? "\(name): \(left)" : "\(name): \(left); \(entry.reason)"
            return "<option value=\"\(entry.creatorID)\"\(HTML(raw: entry.assignable ? "" : " disabled"))>\(label)</option>"
        }
        return """
            <form method="post" action="/items/\(item.id)/assign">\(csrf)
            <p class="field"><label for="field-creator_id">Creator</label>
            <select id="field-creator_id" name="creator_id">\(options)</select>
            \(Layout.fieldError("creator_id", flash: flash))</p>
            <p><button type="submit">Assign</button></p></form>
            """
    }
}
