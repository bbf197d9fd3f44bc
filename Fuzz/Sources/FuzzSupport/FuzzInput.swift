/// Reads a fuzzer's input as a few control bytes followed by the data (so one target can drive
/// several entry points and chunkings of the same bytes).
public struct FuzzInput {
    public private(set) var bytes: ArraySlice<UInt8>

    public init(_ start: UnsafeRawPointer, _ count: Int) {
        bytes = ArraySlice(UnsafeRawBufferPointer(start: start, count: count))
    }

    /// The next byte, or 0 when none is left.
    public mutating func byte() -> UInt8 {
        guard let first = bytes.first else { return 0 }
        bytes = bytes.dropFirst()
        return first
    }

    public mutating func uint32() -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 { value = value << 8 | UInt32(byte()) }
        return value
    }

    public mutating func uint64() -> UInt64 {
        UInt64(uint32()) << 32 | UInt64(uint32())
    }

    /// Up to `count` bytes.
    public mutating func take(_ count: Int) -> [UInt8] {
        let taken = bytes.prefix(count)
        bytes = bytes.dropFirst(taken.count)
        return Array(taken)
    }

    /// The rest.
    public mutating func rest() -> [UInt8] {
        let all = Array(bytes)
        bytes = []
        return all
    }

    /// The rest as text (invalid UTF-8 repaired, as a server reading a request would).
    public mutating func restText() -> String {
        String(decoding: rest(), as: UTF8.self)
    }
}

/// Stops the run with a message the fuzzer prints with the input (a property did not hold).
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #file, line: UInt = #line) {
    if !condition() { fatalError("fuzz property failed: \(message())", file: file, line: line) }
}
