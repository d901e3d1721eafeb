#!/usr/bin/env python3
"""Write the seed corpora of the fuzz harnesses into fuzz/corpus/NAME/.

Seeds come from the test data: frames of tests/data/*.pcap (on every link
type tcpeek accepts), IPv6 frames written here, whole captures as tracker record streams, filter
expressions of tests/data/*.args and tests/unit/test_filter.c, the stats
documents tests/data/*.json, and request lines.  Deterministic: running it
again rewrites the same files.  Usage: fuzz/mkcorpus.py (from anywhere).
"""
import glob
import hashlib
import os
import re
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")
OUT = os.path.join(ROOT, "fuzz", "corpus")


def pcap_frames(path):
    """(ts_us, bytes) of each record of a little-endian µs pcap."""
    d = open(path, "rb").read()
    magic, = struct.unpack("<I", d[:4])
    if magic != 0xA1B2C3D4:
        raise SystemExit("%s: not a little-endian microsecond pcap" % path)
    off, out = 24, []
    while off + 16 <= len(d):
        sec, usec, incl, _orig = struct.unpack("<IIII", d[off:off + 16])
        off += 16
        out.append((sec * 1000000 + usec, d[off:off + incl]))
        off += incl
    return out


def relink(frame, link):
    """The Ethernet frame as link 0 (Ethernet), 1 (raw IP), 2 (SLL), 3 (SLL2)."""
    if link == 0:
        return frame
    off, etype = 12, None
    while off + 2 <= len(frame):
        etype = struct.unpack(">H", frame[off:off + 2])[0]
        if etype not in (0x8100, 0x88A8):
            break
        off += 4
    if etype is None or off + 2 > len(frame):
        return None     # cut inside the link header: Ethernet only
    l3 = frame[off + 2:]
    if link == 1:
        return l3
    src = frame[6:12]
    if link == 2:   # packet type, ARPHRD_ETHER, address length, address, protocol
        return struct.pack(">HHH", 0, 1, 6) + src + b"\0\0" + struct.pack(">H", etype) + l3
    # SLL2: protocol, reserved, ifindex, ARPHRD_ETHER, packet type, addr length, address
    return struct.pack(">HHIHBB", etype, 0, 2, 1, 0, 6) + src + b"\0\0" + l3


def write(sub, data):
    d = os.path.join(OUT, sub)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def seeds_pkt():
    # Ethernet: one frame of each kind (length, ethertype, TCP flags) with
    # checksum verification on; the other link types: a few frames each
    seen = set()
    for path in sorted(glob.glob(os.path.join(DATA, "*.pcap"))):
        name = os.path.basename(path)
        for _ts, fr in pcap_frames(path)[:6]:
            key = (len(fr), fr[12:14], fr[47:48])
            if key in seen or len(seen) >= 24:
                continue
            seen.add(key)
            write("pkt", bytes([0 | (2 << 2)]) + fr)
        if name not in ("success.pcap", "unreach.pcap", "vlan.pcap"):
            continue
        for _ts, fr in pcap_frames(path)[:2]:
            for link in range(1, 4):
                body = relink(fr, link)
                if body is not None:
                    write("pkt", bytes([link]) + body)


def csum16(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip6_frame(src, dst, nxt, upper, proto, ext=b"", hlim=64, vlan=None,
              dmac=b"\x02\0\0\0\0\x02", smac=b"\x02\0\0\0\0\x01"):
    """Ethernet/IPv6 with extension bytes ext (first header nxt) and an
    upper layer of protocol proto whose checksum (at 16 for TCP, 2 for
    ICMPv6) is filled in over the IPv6 pseudo-header."""
    at = {6: 16, 58: 2}[proto]
    ph = src + dst + struct.pack(">I3xB", len(upper), proto)
    upper = upper[:at] + struct.pack(">H", csum16(ph + upper[:at] + b"\0\0" + upper[at + 2:])) \
        + upper[at + 2:]
    ip = struct.pack(">IHBB", 6 << 28, len(ext) + len(upper), nxt, hlim) + src + dst
    tag = b"" if vlan is None else struct.pack(">HH", 0x8100, vlan)
    return dmac + smac + tag + b"\x86\xdd" + ip + ext + upper


def tcp_seg(sport, dport, seq, ack, flags, payload=b"", mss=None):
    opt = b"" if mss is None else struct.pack(">BBH", 2, 4, mss)
    off = (20 + len(opt)) // 4
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 65535, 0, 0) \
        + opt + payload


def seeds_pkt6():
    """IPv6 frames written here (not by the codec under test): TCP alone
    and behind extension headers, a later fragment, too many extension
    headers, ICMPv6 unreachable quoting TCP through an extension header,
    NS and NA (one with a zero-length option), over Ethernet, VLAN, raw,
    cooked v1/v2 and BSD loopback."""
    a = bytes.fromhex("20010db8000000000000000000000001")
    b = bytes.fromhex("20010db8000000000000000000000002")
    snm = bytes.fromhex("ff0200000000000000000001ff000002")
    mac_a, mac_b = b"\x02\0\0\0\0\x01", b"\x02\0\0\0\0\x02"
    syn = tcp_seg(40000, 80, 0x01020304, 0, 0x02, mss=1440)
    hbh = bytes([44, 0, 1, 4, 0, 0, 0, 0])
    frag_first = bytes([60, 0, 0, 1, 0, 0, 0, 7])
    dst_opts = bytes([6, 0, 1, 4, 0, 0, 0, 0])
    frames = [
        ip6_frame(a, b, 6, syn, 6),
        ip6_frame(b, a, 6, tcp_seg(80, 40000, 9, 0x01020305, 0x12, mss=1400), 6),
        ip6_frame(a, b, 6, tcp_seg(40000, 80, 0x01020305, 10, 0x18, b"GET / HTTP/1.0\r\n\r\n"), 6),
        ip6_frame(a, b, 0, syn, 6, hbh + frag_first + dst_opts),
        ip6_frame(a, b, 44, syn, 6, bytes([6, 0, 0, 0x18, 0, 0, 0, 7])),
        ip6_frame(a, b, 60, syn, 6, bytes([60, 0, 1, 4, 0, 0, 0, 0]) * 8 + dst_opts),
        ip6_frame(a, b, 6, syn, 6, vlan=42),
    ]
    quoted = frames[3][14:]
    frames.append(ip6_frame(b, a, 58, struct.pack(">BBHI", 1, 4, 0, 0) + quoted, 58,
                            dmac=mac_a, smac=mac_b))
    ns = struct.pack(">BBHI", 135, 0, 0, 0) + b + bytes([1, 1]) + mac_a
    frames.append(ip6_frame(a, snm, 58, ns, 58, hlim=255, dmac=b"\x33\x33\xff\0\0\x02"))
    na = struct.pack(">BBHI", 136, 0, 0, 0x60000000) + b + bytes([2, 1]) + mac_b
    frames.append(ip6_frame(b, a, 58, na, 58, hlim=255, dmac=mac_a, smac=mac_b))
    bad = struct.pack(">BBHI", 136, 0, 0, 0x60000000) + b + bytes([2, 0]) + mac_b
    frames.append(ip6_frame(b, a, 58, bad, 58, hlim=255, dmac=mac_a, smac=mac_b))
    for fr in frames:
        write("pkt", bytes([0 | (2 << 3)]) + fr)
    for fr in frames[:1] + frames[3:4] + frames[7:9]:
        for link in range(1, 4):
            write("pkt", bytes([link | (2 << 3)]) + relink(fr, link))
        l3 = relink(fr, 1)
        write("pkt", bytes([5]) + struct.pack("<I", 24) + l3)      # NULL, BSD value
        write("pkt", bytes([7]) + struct.pack(">I", 30) + l3)      # LOOP, network order


def dt_bytes(dt):
    if dt < 0x8000:
        return struct.pack(">H", dt)
    return struct.pack(">H", 0x8000 | min(0x7FFF, dt // 100000))


def seeds_track():
    for path in sorted(glob.glob(os.path.join(DATA, "*.pcap"))):
        frames = pcap_frames(path)[:120]
        # cap 16 sessions, 60 s timeout, ICMP on, batches of 4, documents
        out = bytearray([0x7F, 0xFF, 0x80 | 1 | (3 << 1)])
        prev = frames[0][0] if frames else 0
        for ts, fr in frames:
            out += bytes([0xC0]) + dt_bytes(max(0, ts - prev)) + struct.pack(">H", len(fr)) + fr
            prev = ts
        write("track", bytes(out))
    # structured records: a handshake, a rejected one, an unreachable one
    ok = bytes([4, 0x30, 0]) + bytes([0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x10,
                                      0x00, 0x40, 0x12, 0x01, 0x01, 0x00, 0x10,
                                      0x00, 0x00, 0x10, 0x05, 0x05, 0x00, 0x10])
    write("track", ok)
    rej = bytes([4, 0x30, 0]) + bytes([0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x10,
                                       0x00, 0x41, 0x14, 0x00, 0x01, 0x00, 0x10])
    write("track", rej)
    unr = bytes([4, 0x00, 1]) + bytes([0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x10,
                                       0x80, 0x02, 0x03, 0x00, 0x00, 0x10,
                                       0xA0, 0x80, 0x50])
    write("track", unr)


def seeds_filter():
    exprs = []
    for path in sorted(glob.glob(os.path.join(DATA, "*.args"))):
        words = open(path).read().split()
        exprs += [w for w in words if "@" in w]
    src = open(os.path.join(ROOT, "tests", "unit", "test_filter.c")).read()
    exprs += [s for s in re.findall(r'"([^"\\]*)"', src) if "@" in s]
    seen = []
    for e in exprs:
        if e not in seen:
            seen.append(e)
    for e in seen[:30]:
        write("filter", e.encode())
    # several expressions at once, one a line, with tuples to match after
    write("filter", "\n".join(seen[:6]).encode() + b"\n\x0a\x00\x00\x01\xc0\xa8\x01\x01\x00\x50")
    # the bracketed IPv6 forms, matched against IPv6 tuples (direction bit 2)
    v6 = ["web:RX@[2001:db8::/32]:80:443", ":TX@[fe80::/10]:%", "one:RX@[::1]:80",
          "mix:RX@10.0.0.0/8:22,[2001:db8:1::5]:22", "bad:RX@2001:db8::1:80",
          "bad:RX@[2001:db8::]/32:80", "bad:RX@[10.0.0.1]:80"]
    for e in v6:
        write("filter", e.encode())
    write("filter", "\n".join(v6[:4]).encode() +
          b"\n\t\x00\x00\x00\x01\x00\x00\x00\x02\x01\xbb\x05" +
          b"\n\t\x00\x00\x00\x01\x00\x00\x00\x02\x00\x50\x0e")


def seeds_tstat():
    for path in sorted(glob.glob(os.path.join(DATA, "*.json")))[:12]:
        write("tstat", open(path, "rb").read())
    # the original tcpeek's answer (tests/data/compat), as observed
    write("tstat", open(os.path.join(DATA, "compat", "tcpeek-original-get.json"), "rb").read())
    write("tstat", b'[{"RX":{"success":{"total":1}}},{"pcap":{"recv":3}}]')
    write("tstat", b"[]")
    # hostile answers (issue 9): out-of-range counter, escaped NUL, bad
    # UTF-8, control character, a busy answer
    write("tstat", b'[{"RX":{"success":{"total":18446744073709551616}}}]')
    write("tstat", b'[{"RX":{"success":{"total":18446744073709551615}}}]')
    write("tstat", b'[{"a\\u0000x":{}},{"a\\u0000y":{}}]')
    write("tstat", b'[{"ok\xff\xfe":{"abort":1}}]')
    write("tstat", b'[{"R\\u009bX":{"abort":1}}]')
    write("tstat", b"busy\n")
    # stretches (see fuzz_tstat.c): 0x00, R, HEAD 0x00 BODY 0x00 TAIL
    write("tstat", b'\x00\x0e[\x00{"a":{}},\x00{"a":{}}]')
    write("tstat", b'\x00\x09[{"pcap":{\x00"k":0,\x00"z":0}}]')
    write("tstat", b'\x00\x0a[\x00{"' + b"n" * 63 + b'":{"success":{"total":1,"x":2},'
          b'"handshake_us":{"p50":1,"p99":2}}},\x00{"pcap":{}}]')


def seeds_ctl():
    # first byte: chunk size - 1 (low 6 bits), half-close (0x40), big answer
    # (0x80 with "B" next); then the bytes the client sends
    for line in (b"GET\n", b"GET\r\n", b"REFRESH\r\n", b"GET", b"REFRESH",
                 b"GET \t\r\n", b"get\n", b"GET\nGET\n", b"\n", b"",
                 b"GE\x00T\n", b"A" * 127 + b"\n", b"A" * 130):
        write("ctl", b"\x7f" + line)
    write("ctl", b"\x00GET\r\n")
    write("ctl", b"\x02REFRESH")
    write("ctl", b"\xc0BGET\n")


def main():
    seeds_pkt()
    seeds_pkt6()
    seeds_track()
    seeds_filter()
    seeds_tstat()
    seeds_ctl()


if __name__ == "__main__":
    main()
