import Foundation

/// The text fields of a `multipart/form-data` upload, in order (`SpooledForm`). Url-encoded
/// forms are decoded by Hummingbird's `URLEncodedFormDecoder` into the structs in
/// `StudioForms.swift`; multipart bodies need this, since Hummingbird has no multipart decoder.
struct Form: Sendable {
    let values: [(String, String)]

    subscript(_ name: String) -> String? { values.first { $0.0 == name }?.1 }

    func all(_ name: String) -> [String] { values.filter { $0.0 == name }.map(\.1) }

    /// The value without surrounding white space; empty when absent.
    func text(_ name: String) -> String { (self[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
}
