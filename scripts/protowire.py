"""Protobuf wire encoding by hand, for the scripts that write raw Luma frames (soak.py,
Fuzz/make-seeds.py): a varint, and a field of wire type 0 (varint) or 2 (bytes/string)."""

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)

def field(number, wire, value):
    tag = varint(number << 3 | wire)
    if wire == 0:
        return tag + varint(value)
    if isinstance(value, str):
        value = value.encode()
    return tag + varint(len(value)) + value
