#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/Corpus/<target>/ from the inputs of the unit tests
(CallFrameCodecTests, ReferenceParserTests, TokenTests, DynamicCallTests, StudioTests,
TranslationTSV tests, the upload protocol). Re-run to regenerate; the files are committed."""
import base64, hashlib, hmac, json, os, shutil, struct

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Corpus")

def write(target, seeds):
    folder = os.path.join(root, target)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for i, data in enumerate(seeds):
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(folder, "seed-%03d" % i), "wb") as f:
            f.write(data)

import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from protowire import varint, field  # noqa: E402

def mapentry(k, v):
    return field(1, 2, k) + field(2, 2, v)

def request(call_id=0, method="", timeout=0, metadata=(), payload=b""):
    out = b""
    if call_id: out += field(1, 0, call_id)
    if method: out += field(2, 2, method)
    if timeout: out += field(3, 0, timeout)
    for k, v in metadata: out += field(4, 2, mapentry(k, v))
    if payload: out += field(5, 2, payload)
    return out

def status(code=0, message="", fieldname=""):
    out = b""
    if code: out += field(1, 0, code & 0xFFFFFFFFFFFFFFFF)
    if message: out += field(2, 2, message)
    if fieldname: out += field(3, 2, fieldname)
    return out

def response(call_id=0, st=None, payload=b"", metadata=()):
    out = b""
    if call_id: out += field(1, 0, call_id)
    if st is not None: out += field(2, 2, st)
    if payload: out += field(3, 2, payload)
    for k, v in metadata: out += field(4, 2, mapentry(k, v))
    return out

# FuzzFrame: control byte, then bytes (a frame body; with control&1 a preface + frames stream).
requests = [
    request(),
    request(1, "luma.examples.v1.EchoService/Echo", 30_000_000),
    request(2**64 - 1, "métodos/ñandú ✓", 1 << 35, [("trace-id", "t-1"), ("authorization", "Bearer x"), ("", ""), ("ключ", "v" * 20)], bytes(range(200))),
    request(127, payload=b"\0"),
    request(128, metadata=[("k", "")]),
]
responses = [
    response(),
    response(9, payload=b"hello"),
    response(9, st=b""),
    response(1 << 40, status(3, "text must not be empty", "text"), metadata=[("a", "1"), ("b", "2")]),
    response(2, status(99)),
    response(3, status(-1, "negative")),
    response(4, payload=b"\xab" * 300),
]
bodies = [field(1, 2, r) for r in requests] + [field(2, 2, r) for r in responses] + [
    field(3, 2, field(1, 0, 7)), field(4, 2, field(1, 0, 42)), field(5, 2, field(1, 0, 42)),
    field(6, 2, field(1, 2, status(14, "draining"))),
    field(1, 2, requests[1]) + field(1, 2, requests[3]),   # a repeated oneof: the last wins
    field(1, 2, requests[1]) + field(15, 0, 1),            # an unknown field
]
preface = b"LUMA\x00\x01\x00\x00"  # ConnectionPreface: magic, version 1, two zero bytes
frame_seeds = [b"\x00" + b for b in bodies]
stream = b"".join(struct.pack(">I", len(b)) + b for b in bodies[:6])
frame_seeds += [b"\x80" + stream, b"\x07" + stream, b"\x81" + preface + stream]
write("FuzzFrame", frame_seeds)

# FuzzReference: the parser tests' references, English and Spanish.
write("FuzzReference", [
    "John 3:16", "Jn 3:16", "1 Cor 13:4-7", "1Cor 13:4-7", "I Cor. 13:4–7", "Ps 23", "Ps 23:1", "Gen 1-2",
    "Song of Solomon 2:4", "John 3:16-4:2", "John.3.16", "1Cor.13.4-1Cor.13.7", "Ps.23", "Gen.1-Gen.2",
    "Jude 3-5", "Jude.1.3-Jude.1.5", "Obad.1", "3 Jn 1:14", "First Corinthians 13:4", "John 3:16a",
    "John 99999999999999999999", "John 3:18-16", "PrAzar.1.2", "Juan 3:16", "1 Corintios 13:4-7",
    "Apocalipsis 21:4", "Cantar de los Cantares 2:4", "Exodo 20:3", "Isaías 41:10", "Hch 2:38",
    "Primera de Juan 4:8", "Salmos 23", "Génesis 1-2", "Titus 2:9-10",
])

# FuzzTranslationTSV
write("FuzzTranslationTSV", [
    "1\tGen\t1\t1\tEn el principio creó Dios los cielos y la tierra.\n1\tGen\t1\t2\tY la tierra estaba desordenada y vacía.\n",
    "43\tJohn\t3\t16\tPorque de tal manera amó Dios al mundo\r\n",
    "65\tJude\t1\t25\tAl único sabio Dios\n66\tRev\t22\t21\tLa gracia\n",
    "1\tGen\t51\t1\tno chapter\n", "67\tX\t1\t1\tt\n", "1\tExod\t1\t1\twrong book\n", "1\tGen\t1\t1\t   \n", "1\tGen\t1\n",
])

# FuzzToken: mode 0 tokens as sent, mode 1 claims signed by the harness, mode 2 base64url bytes.
key = bytes((i * 7 + 1) & 0xFF for i in range(32))
def b64(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
def token(claims):
    payload = b64(json.dumps(claims, separators=(",", ":")).encode())
    signed = "luma1." + payload
    return signed + "." + b64(hmac.new(key, signed.encode(), hashlib.sha256).digest())
now = 1_800_000_000
claims = [
    {"sub": "admin", "role": "admin", "iat": now - 10, "exp": now + 3600},
    {"sub": "ava", "role": "creator", "cid": 7, "iat": now, "exp": now + 60},
    {"sub": "svc", "role": "service", "iat": now + 299, "exp": now + 600},
    {"sub": "old", "role": "admin", "iat": now - 100, "exp": now - 1},
    {"sub": "ava", "role": "creator", "iat": now, "exp": now + 60},
    {"sub": "x", "role": "root", "iat": now, "exp": now + 60},
]
write("FuzzToken", [b"\x00" + token(c).encode() for c in claims]
      + [b"\x00luma1.e30.AAAA", b"\x00Bearer x", b"\x00luma1..", b"\x00luma1.e30=." + b"A" * 43]
      + [b"\x01" + json.dumps(c).encode() for c in claims] + [b"\x02\x00\x01\x02\xfb\xff", b"\x02-_AB"])

# FuzzTranscoder: mode 0 request JSON (DynamicCallTests and JSONSyntaxTests), mode 1 reply bytes.
jsons = [
    '{"big_number": "-9007199254740993", "unsignedBig": 18446744073709551615, "smallSigned": -5, "ratio": 0.25, "flag": true, "blob": "AAEC", "mood": "MOOD_GLAD", "inner": {"note": "hi"}, "counts": [1, 2, 300], "scores": {"a": "1", "b": 2}, "label": ""}',
    '{"nope": 1}', '{"mood": "MOOD_SAD"}', '{"counts": [4294967296]}', '{"code": 5, "fixed": "18446744073709551615", "small": 1.5, "names": ["a", "ñ"]}',
    '{}', '{"a": 1, "b": [true, false, null, -1.5e3, "x\\u00e9\\n"]}', '  [ ]  ', '"ok"', '0', '{"a": 1,}', '{"ratio": "NaN", "blob": "-_8"}',
]
replies = [
    field(1, 0, 2**64 - 3) + field(2, 0, 2**64 - 1) + field(3, 0, 9) + b"\x21" + struct.pack("<d", 0.25) + field(5, 0, 1)
    + field(6, 2, b"\0\1\2") + field(7, 0, 1) + field(8, 2, field(1, 2, "hi")) + field(9, 2, b"\x01\x02\xac\x02")
    + field(10, 2, field(1, 2, "a") + field(2, 0, 1)) + field(11, 2, ""),
    field(9, 0, 5) + field(9, 0, 6), field(12, 0, 0), b"\x69" + b"\xff" * 8, b"\x75" + struct.pack("<f", 1.5),
    field(15, 2, "x") + field(15, 2, "y"), field(99, 2, "unknown"),
]
write("FuzzTranscoder", [b"\x00" + j.encode() for j in jsons] + [b"\x01" + r for r in replies])

# FuzzStudio: 0 form, 1 cookies, 2 range (8-byte size, shift, header), 3 multipart, 4 parameters.
body = ("--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntok\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"video_file\"; filename=\"a.mp4\"\r\nContent-Type: video/mp4\r\n\r\n"
        "\0\1\2\3 video bytes\r\n--XyZ--\r\n")
write("FuzzStudio", [
    b"\x00email=ava%40example.com&password=p%C3%A4ss+word&_csrf=abc",
    b"\x00title=Hello&lines=1%09Gen%091%091%09x&empty=&=v&novalue",
    b"\x01luma_session=abc123; luma_signin=abc123\nother=1",
    b"\x01luma_session=\"quoted\"; luma_signin=x",
    b"\x02" + struct.pack(">Q", 10_000) + b"\x00bytes=0-99",
    b"\x02" + struct.pack(">Q", 10_000) + b"\x00bytes=-500",
    b"\x02" + struct.pack(">Q", 10_000) + b"\x00bytes=9000-",
    b"\x02" + struct.pack(">Q", 0) + b"\x00bytes=0-0",
    b"\x03multipart/form-data; boundary=XyZ\n" + body.encode(),
    b"\x1bmultipart/form-data; boundary=\"XyZ\"\n" + body.encode(),
    b"\x04form-data; name=\"video_file\"; filename=\"a\\\"b.mp4\"",
])

# FuzzUpload: mode, maxChunk/16, then the server's replies.
def session(kind, *numbers):
    out = bytes([kind])
    for n in numbers:
        out += n
    return out
u32 = lambda n: struct.pack(">I", n)
write("FuzzUpload", [
    # upload from scratch: start at 0, then appends, each the server's session (small file size).
    b"\x00\x40" + session(0x31, u32(0), b"\x10") + session(0x31, u32(1024), b"\x10") + session(0x31, u32(2048), b"\x10") + session(0x31, u32(3000), b"\x10"),
    # a dropped chunk: an UNAVAILABLE, then GetUpload says where to continue.
    b"\x10\x40" + session(0x31, u32(0), b"\x10") + bytes([14 << 3]) + session(0x31, u32(512), b"\x10") + session(0x31, u32(3000), b"\x10"),
    # resume an upload by id; the offset check failing (FAILED_PRECONDITION on offset).
    b"\x02\x40" + session(0x31, u32(100), b"\x10") + bytes([9 << 3]) + session(0x31, u32(700), b"\x10") + session(0xF1, u32(3000), b"\x10"),
    # send() with a session of another size.
    b"\x01\x08" + session(0x21, struct.pack(">Q", 5000), b"\x00", struct.pack(">Q", 0), b"\x00", b"\x04"),
])
