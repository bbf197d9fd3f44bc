import LumaRPC

/// A stored row this version cannot read (a status it does not know, malformed JSON): the
/// record refuses it rather than reading it as some default. Becomes DATA_LOSS naming the row.
public struct StoredRowError: Error, CustomStringConvertible {
    public let table: String
    public let id: Int64
    public let problem: String

    public init(table: String, id: Int64, problem: String) {
        self.table = table
        self.id = id
        self.problem = problem
    }

    public var description: String { "row \(id) of \(table): \(problem)" }

    public var status: RPCError {
        RPCError(.dataLoss, "row \(id) of \(table) cannot be read (\(problem)); it was written by another version or by hand")
    }
}
