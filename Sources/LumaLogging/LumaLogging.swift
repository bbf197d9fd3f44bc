import Logging

/// How every Luma executable logs. No database, no server: the studio and lumactl use it
/// without linking LumaServiceKit (and GRDB).
public enum LumaLogging {
    /// Logging to stderr at the given level ("trace" ... "critical"), as text or, with
    /// `format` "json", one JSON object per line (`JSONLogHandler`).
    public static func bootstrap(level: String, format: String = "text") {
        let parsed = Logger.Level(rawValue: level.lowercased()) ?? .info
        if format == "json" {
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: parsed) }
            return
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
    }
}
