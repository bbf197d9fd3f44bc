/// Where the local stack listens by default, in one place: the services' own `--listen` and
/// peer flags, lumactl's endpoints and `lumactl up` all read these.
public enum LumaDefaults {
    public static let host = "127.0.0.1"
    /// verse-registry's port; creator-registry, content-pipeline and media-store take the next three.
    public static let basePort = 7101
    public static let versesPort = basePort
    public static let creatorsPort = basePort + 1
    public static let contentPort = basePort + 2
    public static let mediaPort = basePort + 3

    public static let verses = "\(host):\(versesPort)"
    public static let creators = "\(host):\(creatorsPort)"
    public static let content = "\(host):\(contentPort)"
    public static let media = "\(host):\(mediaPort)"

    /// luma-studio, the web app.
    public static let studioPort = 7180
    public static let studio = "\(host):\(studioPort)"

    /// luma-feed, the public HTTP feed of what is published.
    public static let feedPort = 7181
    public static let feed = "\(host):\(feedPort)"

    /// `lumactl up`'s data directory (databases, logs, the auth key).
    public static let dataDirectory = ".luma"
}
