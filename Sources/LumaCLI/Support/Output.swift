import ArgumentParser
import Foundation
import LumaRPC
import SwiftProtobuf

/// Printing for humans and scripts.
enum Output {
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    static let jsonOptions: JSONEncodingOptions = {
        var options = JSONEncodingOptions()
        // Canonical proto3 JSON: lowerCamelCase names, as grpcurl and every protobuf printer.
        options.preserveProtoFieldNames = false
        return options
    }()

    /// A message as a Foundation object, to combine several into one JSON document.
    static func jsonValue(_ message: any SwiftProtobuf.Message) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(try message.jsonString(options: jsonOptions).utf8))
    }

    /// One JSON document from Foundation objects (dictionaries, arrays, strings, numbers).
    static func json(object: Any) {
        if let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) {
            print(String(decoding: pretty, as: UTF8.self))
        }
    }

    static func json(_ message: any SwiftProtobuf.Message) throws {
        let text = try message.jsonString(options: jsonOptions)
        // Pretty-print through Foundation so scripts and people can both read it.
        if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
           let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) {
            print(String(decoding: pretty, as: UTF8.self))
        } else {
            print(text)
        }
    }

    /// Columns padded to their widest cell (measured without ANSI colour codes).
    static func table(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in
            ([header[column]] + rows.map { column < $0.count ? $0[column] : "" }).map(visibleWidth).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[index] - visibleWidth(cell)))
            }.joined(separator: "  ")
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }

    /// A line on stdout, written at once (print buffers when stdout is a file or pipe, and a
    /// long-running command's output must show up while it runs).
    static func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Characters a terminal shows: escape sequences ("\u{1B}[32m") take no room.
    static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for character in text {
            if inEscape {
                if character.isLetter { inEscape = false }
            } else if character == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A progress line on a terminal (stderr), nothing otherwise.
    static func progress(_ text: String) {
        guard stderrIsTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
    }

    static func progressDone() {
        guard stderrIsTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// Runs a command body; an RPCError prints as `CODE: message` on stderr and exits with the
/// status code's number, so scripts can branch on it.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as RPCError {
        Output.error(error.field.isEmpty ? "\(error.code): \(error.message)" : "\(error.code): \(error.message) (field \(error.field))")
        throw ExitCode(Int32(error.code.rawValue))
    }
}
