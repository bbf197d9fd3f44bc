import Foundation
import LumaRPC
import SwiftProtobuf

/// JSON <-> protobuf binary for any message, driven by the descriptors a server serves through
/// reflection, so `lumactl call` works with servers whose `.proto` lumactl was never built with
/// (as grpcurl does). SwiftProtobuf has no dynamic messages, hence this: the proto3 JSON mapping
/// (https://protobuf.dev/programming-guides/json/) over the binary wire format, for what Luma
/// protos use: scalars, enums, nested messages, repeated (packed or not), maps and oneofs.
/// Output is canonical JSON (lowerCamelCase names, 64-bit integers as strings, bytes as base64,
/// enums by name, defaults omitted); input takes both lowerCamelCase and the proto names.
/// Well-known types with a special JSON form (Timestamp, Any, ...) are refused with a reason.
struct DynamicTranscoder {
    let index: DescriptorIndex

    typealias Field = Google_Protobuf_FieldDescriptorProto

    // MARK: JSON -> binary

    func encode(json: Any, type: String) throws -> Data {
        guard let object = json as? [String: Any] else { throw invalid("a \(type) must be a JSON object") }
        var out = Data()
        try encode(object, type: type, path: "", into: &out)
        return out
    }

    private func message(_ type: String) throws -> Google_Protobuf_DescriptorProto {
        if type.hasPrefix("google.protobuf.") && !["google.protobuf.Empty"].contains(type) {
            throw RPCError(.unimplemented, "\(type) has its own JSON form, which lumactl does not transcode")
        }
        guard let message = index.message(type) else { throw RPCError(.unimplemented, "the server's descriptors do not define \(type)") }
        return message
    }

    private func encode(_ object: [String: Any], type: String, path: String, into out: inout Data) throws {
        let descriptor = try message(type)
        for key in object.keys.sorted() {
            let value = object[key]!
            guard let field = descriptor.field.first(where: { $0.jsonName == key || $0.name == key }) else {
                throw invalid("\(path)\(key): \(type) has no field '\(key)'")
            }
            if value is NSNull { continue }
            let where_ = path + field.name
            if isMap(field) {
                guard let map = value as? [String: Any] else { throw invalid("\(where_): a map must be a JSON object") }
                let entry = try message(String(field.typeName.dropFirst()))
                let (keyField, valueField) = try mapFields(entry, type: String(field.typeName.dropFirst()))
                for mapKey in map.keys.sorted() {
                    var body = Data()
                    try encodeSingle(mapKey, field: keyField, path: "\(where_)[\(mapKey)]", mapKey: true, into: &body)
                    try encodeSingle(map[mapKey]!, field: valueField, path: "\(where_)[\(mapKey)]", into: &body)
                    Wire.tag(field.number, .lengthDelimited, into: &out)
                    Wire.bytes(body, into: &out)
                }
            } else if field.label == .repeated {
                guard let array = value as? [Any] else { throw invalid("\(where_): a repeated field must be a JSON array") }
                for (position, element) in array.enumerated() {
                    try encodeSingle(element, field: field, path: "\(where_)[\(position)]", into: &out)
                }
            } else {
                try encodeSingle(value, field: field, path: where_, into: &out)
            }
        }
    }

    /// A map entry's key (1) and value (2) fields; a server's descriptor lacking one is refused
    /// (a force-unwrap here crashed lumactl; seen while writing Fuzz/FuzzTranscoder).
    private func mapFields(_ entry: Google_Protobuf_DescriptorProto, type: String) throws -> (key: Field, value: Field) {
        guard let key = entry.field.first(where: { $0.number == 1 }), let value = entry.field.first(where: { $0.number == 2 }) else {
            throw RPCError(.unimplemented, "the server's descriptor of map entry \(type) lacks its key or value field")
        }
        return (key, value)
    }

    private func isMap(_ field: Field) -> Bool {
        guard field.label == .repeated, field.type == .message else { return false }
        return index.message(String(field.typeName.dropFirst()))?.options.mapEntry == true
    }

    /// One value with its tag.
    private func encodeSingle(_ value: Any, field: Field, path: String, mapKey: Bool = false, into out: inout Data) throws {
        switch field.type {
        case .message, .group:
            guard let object = value as? [String: Any] else { throw invalid("\(path): expected a JSON object") }
            var body = Data()
            try encode(object, type: String(field.typeName.dropFirst()), path: path + ".", into: &body)
            Wire.tag(field.number, .lengthDelimited, into: &out)
            Wire.bytes(body, into: &out)
        case .string:
            guard let text = value as? String else { throw invalid("\(path): expected a string") }
            Wire.tag(field.number, .lengthDelimited, into: &out)
            Wire.bytes(Data(text.utf8), into: &out)
        case .bytes:
            guard let text = value as? String, let bytes = Self.base64(text) else { throw invalid("\(path): expected base64 bytes") }
            Wire.tag(field.number, .lengthDelimited, into: &out)
            Wire.bytes(bytes, into: &out)
        case .bool:
            let flag: Bool
            if Self.isJSONBool(value), let value = value as? Bool {
                flag = value
            } else if mapKey, let text = value as? String, ["true", "false"].contains(text) {
                flag = text == "true"
            } else {
                throw invalid("\(path): expected true or false")
            }
            Wire.tag(field.number, .varint, into: &out)
            Wire.varint(flag ? 1 : 0, into: &out)
        case .enum:
            let number = try enumNumber(value, type: String(field.typeName.dropFirst()), path: path)
            Wire.tag(field.number, .varint, into: &out)
            Wire.varint(UInt64(bitPattern: Int64(number)), into: &out)
        case .double:
            Wire.tag(field.number, .fixed64, into: &out)
            Wire.fixed64(try floating(value, path: path).bitPattern, into: &out)
        case .float:
            Wire.tag(field.number, .fixed32, into: &out)
            Wire.fixed32(Float(try floating(value, path: path)).bitPattern, into: &out)
        case .int32, .int64:
            let limit: ClosedRange<Int64> = field.type == .int32 ? Int64(Int32.min)...Int64(Int32.max) : Int64.min...Int64.max
            Wire.tag(field.number, .varint, into: &out)
            Wire.varint(UInt64(bitPattern: try signed(value, in: limit, path: path)), into: &out)
        case .uint32, .uint64:
            let limit: ClosedRange<UInt64> = field.type == .uint32 ? 0...UInt64(UInt32.max) : 0...UInt64.max
            Wire.tag(field.number, .varint, into: &out)
            Wire.varint(try unsigned(value, in: limit, path: path), into: &out)
        case .sint32, .sint64:
            let limit: ClosedRange<Int64> = field.type == .sint32 ? Int64(Int32.min)...Int64(Int32.max) : Int64.min...Int64.max
            let number = try signed(value, in: limit, path: path)
            Wire.tag(field.number, .varint, into: &out)
            Wire.varint(UInt64(bitPattern: (number << 1) ^ (number >> 63)), into: &out)
        case .fixed32:
            Wire.tag(field.number, .fixed32, into: &out)
            Wire.fixed32(UInt32(try unsigned(value, in: 0...UInt64(UInt32.max), path: path)), into: &out)
        case .sfixed32:
            Wire.tag(field.number, .fixed32, into: &out)
            Wire.fixed32(UInt32(bitPattern: Int32(try signed(value, in: Int64(Int32.min)...Int64(Int32.max), path: path))), into: &out)
        case .fixed64:
            Wire.tag(field.number, .fixed64, into: &out)
            Wire.fixed64(try unsigned(value, in: 0...UInt64.max, path: path), into: &out)
        case .sfixed64:
            Wire.tag(field.number, .fixed64, into: &out)
            Wire.fixed64(UInt64(bitPattern: try signed(value, in: Int64.min...Int64.max, path: path)), into: &out)
        }
    }

    private func enumNumber(_ value: Any, type: String, path: String) throws -> Int32 {
        guard let descriptor = index.enums[type] else { throw RPCError(.unimplemented, "the server's descriptors do not define \(type)") }
        if let name = value as? String {
            guard let match = descriptor.value.first(where: { $0.name == name }) else {
                throw invalid("\(path): \(type) has no value '\(name)' (values: \(descriptor.value.map(\.name).joined(separator: ", ")))")
            }
            return match.number
        }
        return Int32(try signed(value, in: Int64(Int32.min)...Int64(Int32.max), path: path))
    }

    private func signed(_ value: Any, in range: ClosedRange<Int64>, path: String) throws -> Int64 {
        let number: Int64?
        switch value {
        case let text as String: number = Int64(text)
        case let value as NSNumber where !Self.isJSONBool(value):
            let double = value.doubleValue
            number = double.rounded() == double && abs(double) < 9.3e18 ? value.int64Value : nil
        default: number = nil
        }
        guard let number, range.contains(number) else { throw invalid("\(path): expected an integer in \(range.lowerBound)...\(range.upperBound)") }
        return number
    }

    private func unsigned(_ value: Any, in range: ClosedRange<UInt64>, path: String) throws -> UInt64 {
        let number: UInt64?
        switch value {
        case let text as String: number = UInt64(text)
        case let value as NSNumber where !Self.isJSONBool(value):
            let double = value.doubleValue
            number = double >= 0 && double.rounded() == double && double < 1.85e19 ? value.uint64Value : nil
        default: number = nil
        }
        guard let number, range.contains(number) else { throw invalid("\(path): expected an integer in \(range.lowerBound)...\(range.upperBound)") }
        return number
    }

    private func floating(_ value: Any, path: String) throws -> Double {
        switch value {
        case "NaN" as String: return .nan
        case "Infinity" as String: return .infinity
        case "-Infinity" as String: return -.infinity
        case let text as String: if let number = Double(text) { return number }
        case let value as NSNumber where !Self.isJSONBool(value): return value.doubleValue
        default: break
        }
        throw invalid("\(path): expected a number")
    }

    /// JSONSerialization's true and false are NSNumbers too (and `is Bool` holds for 0 and 1):
    /// they are the ones whose type is a C char.
    static func isJSONBool(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    static func base64(_ text: String) -> Data? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard)
    }

    private func invalid(_ message: String) -> RPCError {
        RPCError.invalidArgument("request JSON: \(message)")
    }

    // MARK: binary -> JSON

    /// The canonical JSON object for `data`, a serialized `type`.
    func decode(_ data: Data, type: String) throws -> [String: Any] {
        let descriptor = try message(type)
        var reader = Wire.Reader(data: data)
        var object: [String: Any] = [:]
        var repeated: [Int32: [Any]] = [:]
        var maps: [Int32: [String: Any]] = [:]
        while let (number, wireType) = try reader.tag() {
            guard let field = descriptor.field.first(where: { $0.number == number }) else {
                try reader.skip(wireType)
                continue
            }
            if isMap(field) {
                let entryType = String(field.typeName.dropFirst())
                let entry = try decode(try reader.lengthDelimited(), type: entryType)
                let (keyField, valueField) = try mapFields(try message(entryType), type: entryType)
                let key = entry[keyField.jsonName].map { "\($0)" } ?? Self.defaultJSON(keyField).map { "\($0)" } ?? ""
                maps[number, default: [:]][key] = entry[valueField.jsonName] ?? Self.defaultJSON(valueField) ?? [String: Any]()
            } else if field.label == .repeated {
                if wireType == .lengthDelimited && Self.isPackable(field) {
                    var packed = Wire.Reader(data: try reader.lengthDelimited())
                    while !packed.isAtEnd { repeated[number, default: []].append(try value(of: field, wireType: Self.scalarWireType(field), from: &packed)) }
                } else {
                    repeated[number, default: []].append(try value(of: field, wireType: wireType, from: &reader))
                }
            } else {
                object[field.jsonName] = try value(of: field, wireType: wireType, from: &reader)
            }
        }
        for (number, values) in repeated { object[descriptor.field.first { $0.number == number }!.jsonName] = values }
        for (number, map) in maps { object[descriptor.field.first { $0.number == number }!.jsonName] = map }
        // proto3: a scalar at its default is not printed, unless it is a oneof member (presence).
        for field in descriptor.field where (!field.hasOneofIndex || field.proto3Optional) && field.label != .repeated {
            if let value = object[field.jsonName], isDefault(value, field) { object[field.jsonName] = nil }
        }
        return object
    }

    private func value(of field: Field, wireType: Wire.WireType, from reader: inout Wire.Reader) throws -> Any {
        switch field.type {
        case .message, .group: return try decode(try reader.lengthDelimited(), type: String(field.typeName.dropFirst()))
        case .string: return String(decoding: try reader.lengthDelimited(), as: UTF8.self)
        case .bytes: return try reader.lengthDelimited().base64EncodedString()
        case .bool: return try reader.varint() != 0
        case .enum:
            let number = Int32(truncatingIfNeeded: Int64(bitPattern: try reader.varint()))
            return index.enums[String(field.typeName.dropFirst())]?.value.first { $0.number == number }?.name ?? Int(number)
        case .int32: return Int(Int32(truncatingIfNeeded: Int64(bitPattern: try reader.varint())))
        case .uint32: return Int(UInt32(truncatingIfNeeded: try reader.varint()))
        case .sint32:
            let raw = UInt32(truncatingIfNeeded: try reader.varint())
            return Int(Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
        case .int64: return String(Int64(bitPattern: try reader.varint()))
        case .uint64: return String(try reader.varint())
        case .sint64:
            let raw = try reader.varint()
            return String(Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
        case .fixed32: return Int(try reader.fixed32())
        case .sfixed32: return Int(Int32(bitPattern: try reader.fixed32()))
        case .fixed64: return String(try reader.fixed64())
        case .sfixed64: return String(Int64(bitPattern: try reader.fixed64()))
        case .float: return Self.json(Double(Float(bitPattern: try reader.fixed32())))
        case .double: return Self.json(Double(bitPattern: try reader.fixed64()))
        }
    }

    private static func json(_ number: Double) -> Any {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number > 0 ? "Infinity" : "-Infinity" }
        return number
    }

    private static func isPackable(_ field: Field) -> Bool {
        ![.string, .bytes, .message, .group].contains(field.type)
    }

    private static func scalarWireType(_ field: Field) -> Wire.WireType {
        switch field.type {
        case .double, .fixed64, .sfixed64: return .fixed64
        case .float, .fixed32, .sfixed32: return .fixed32
        default: return .varint
        }
    }

    private func isDefault(_ value: Any, _ field: Field) -> Bool {
        switch field.type {
        case .message, .group: return false
        case .string, .bytes: return (value as? String)?.isEmpty == true
        case .bool: return (value as? Bool) == false
        case .int64, .uint64, .sint64, .fixed64, .sfixed64: return (value as? String) == "0"
        case .enum:
            let zero = index.enums[String(field.typeName.dropFirst())]?.value.first { $0.number == 0 }?.name
            return (value as? String) == zero || (value as? Int) == 0
        case .float, .double: return (value as? Double) == 0
        default: return (value as? Int) == 0
        }
    }

    private static func defaultJSON(_ field: Field) -> Any? {
        switch field.type {
        case .string, .bytes: return ""
        case .bool: return false
        case .int64, .uint64, .sint64, .fixed64, .sfixed64: return "0"
        case .message, .group, .enum: return nil
        default: return 0
        }
    }
}

/// The protobuf binary wire format, as much as the transcoder needs.
enum Wire {
    enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    static func tag(_ number: Int32, _ type: WireType, into out: inout Data) {
        varint(UInt64(number) << 3 | type.rawValue, into: &out)
    }

    static func varint(_ value: UInt64, into out: inout Data) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    static func bytes(_ bytes: Data, into out: inout Data) {
        varint(UInt64(bytes.count), into: &out)
        out.append(bytes)
    }

    static func fixed32(_ value: UInt32, into out: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    static func fixed64(_ value: UInt64, into out: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    struct Reader {
        let bytes: [UInt8]
        var position = 0

        init(data: Data) {
            bytes = Array(data)
        }

        var isAtEnd: Bool { position >= bytes.count }

        mutating func tag() throws -> (Int32, WireType)? {
            guard !isAtEnd else { return nil }
            let key = try varint()
            guard let type = WireType(rawValue: key & 7), key >> 3 > 0, key >> 3 <= UInt64(Int32.max) else { throw malformed() }
            return (Int32(key >> 3), type)
        }

        mutating func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < bytes.count, shift < 64 else { throw malformed() }
                let byte = bytes[position]
                position += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
        }

        mutating func fixed32() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw malformed() }
            defer { position += 4 }
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[position + $1]) << (8 * UInt32($1)) }
        }

        mutating func fixed64() throws -> UInt64 {
            guard position + 8 <= bytes.count else { throw malformed() }
            defer { position += 8 }
            return (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[position + $1]) << (8 * UInt64($1)) }
        }

        mutating func lengthDelimited() throws -> Data {
            let length = try varint()
            guard length <= UInt64(bytes.count - position) else { throw malformed() }
            defer { position += Int(length) }
            return Data(bytes[position..<position + Int(length)])
        }

        mutating func skip(_ type: WireType) throws {
            switch type {
            case .varint: _ = try varint()
            case .fixed64: _ = try fixed64()
            case .fixed32: _ = try fixed32()
            case .lengthDelimited: _ = try lengthDelimited()
            case .startGroup, .endGroup: throw malformed()
            }
        }

        private func malformed() -> RPCError {
            RPCError(.dataLoss, "the response is not valid protobuf for its declared type")
        }
    }
}
