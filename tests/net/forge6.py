#!/usr/bin/env python3
"""Forged IPv6 replies for check_tcp_raw's scenarios (the IPv4 ones use
tools/inject and tools/hostile): a station on the lab's link that watches
for the check's frames on a packet socket and answers them with frames
that must not validate.  Checksums are right: only the meaning is wrong.

With FORGE6_DSTOPTS=1, TCP segments follow a destination options header.
With FORGE6_READY=PATH in the environment, PATH is created once the
packet socket is open (from then on nothing the check sends is missed).

  forge6.py IFACE na TARGET SECONDS
      answer every Neighbor Solicitation for TARGET with four bad
      advertisements: hop limit 64, not solicited, another target, and a
      target link-layer address that is not the frame's source
  forge6.py IFACE synack PORT DELTA FLAGS SECONDS
      answer every SYN to [*]:PORT with FLAGS (SA, RA, R) from the SYN's
      destination, acknowledging the SYN's sequence number + DELTA (=N:
      acknowledging N whatever the SYN)
  forge6.py IFACE replay DSTMAC SRC SPORT DST DPORT SEQ ACK GAP_MS SECONDS
      send one SYN/ACK again and again (a stale reply)
"""
import os
import socket
import struct
import sys
import time

ETH_P_ALL = 3
ETH_P_IPV6 = 0x86DD


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip6(src, dst, nh, payload, hlim=64):
    pseudo = src + dst + struct.pack("!I3xB", len(payload), nh)
    return pseudo, struct.pack("!IHBB", 0x60000000, len(payload), nh, hlim) + src + dst


def with_csum(src, dst, nh, l4, off, hlim=64):
    pseudo, hdr = ip6(src, dst, nh, l4, hlim)
    c = csum(pseudo + l4)
    l4 = l4[:off] + struct.pack("!H", c) + l4[off + 2:]
    return hdr + l4


def na(smac, dmac, src, dst, target, flags, tlla, hlim=255):
    body = struct.pack("!BBHB3x", 136, 0, 0, flags) + target
    if tlla is not None:
        body += struct.pack("!BB", 2, 1) + tlla
    return dmac + smac + struct.pack("!H", ETH_P_IPV6) + with_csum(src, dst, 58, body, 2, hlim)


def tcp(smac, dmac, src, dst, sport, dport, seq, ack, flags):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pkt = with_csum(src, dst, 6, seg, 16)
    if os.environ.get("FORGE6_DSTOPTS"):
        # a destination options header (PadN) between IPv6 and TCP: the
        # checksum stays that of the TCP segment, the header says 60
        opts = struct.pack("!BBBB4x", 6, 0, 1, 4)
        pkt = struct.pack("!IHBB", 0x60000000, len(opts) + len(seg), 60, 64) + pkt[8:40] + \
            opts + pkt[40:]
    return dmac + smac + struct.pack("!H", ETH_P_IPV6) + pkt


def mac_of(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return bytes(int(x, 16) for x in f.read().strip().split(":"))


def main():
    iface, mode = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    me = mac_of(iface)
    ready = os.environ.get("FORGE6_READY")
    if ready:   # the scenario waits for this before it starts the check
        open(ready, "a").close()
    if mode == "replay":
        dmac = bytes(int(x, 16) for x in sys.argv[3].split(":"))
        src, sport = socket.inet_pton(socket.AF_INET6, sys.argv[4]), int(sys.argv[5])
        dst, dport = socket.inet_pton(socket.AF_INET6, sys.argv[6]), int(sys.argv[7])
        seq, ack = int(sys.argv[8]), int(sys.argv[9])
        gap, end = int(sys.argv[10]) / 1000.0, time.time() + float(sys.argv[11])
        frame = tcp(me, dmac, src, dst, sport, dport, seq, ack, 0x12)
        while time.time() < end:
            s.send(frame)
            time.sleep(gap)
        return
    end = time.time() + float(sys.argv[-1])
    s.settimeout(0.05)
    if mode == "na":
        target = socket.inet_pton(socket.AF_INET6, sys.argv[3])
        other = bytearray(target)
        other[15] ^= 0x55
        other = bytes(other)
        fake = b"\x02\x00\x00\x00\x66\x66"
    else:
        port = int(sys.argv[3])
        fixed = sys.argv[4].startswith("=")
        delta = int(sys.argv[4].lstrip("="))
        flags = {"SA": 0x12, "RA": 0x14, "R": 0x04}[sys.argv[5]]
    while time.time() < end:
        try:
            f, addr = s.recvfrom(2048)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING or len(f) < 54:
            continue
        if struct.unpack("!H", f[12:14])[0] != ETH_P_IPV6:
            continue
        nh, src, dst = f[20], f[22:38], f[38:54]
        if mode == "na" and nh == 58 and len(f) >= 78 and f[54] == 135 and f[62:78] == target:
            peer = f[6:12]
            for frame in (
                na(me, peer, target, src, target, 0x60, me, hlim=64),   # hop limit 64
                na(me, peer, target, src, target, 0x20, me),            # not solicited
                na(me, peer, other, src, other, 0x60, me),              # another target
                na(me, peer, target, src, target, 0x60, fake),          # lladdr != source
            ):
                s.send(frame)
        elif mode == "synack" and nh == 6 and len(f) >= 74:
            sport, dport, seq = struct.unpack("!HHI", f[54:62])
            if dport == port and f[67] == 0x02:
                ack = delta if fixed else (seq + delta) % 2**32
                s.send(tcp(me, f[6:12], dst, src, dport, sport, 777, ack, flags))


if __name__ == "__main__":
    main()
