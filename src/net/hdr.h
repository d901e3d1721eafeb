/*
 * Header layouts, named once: the byte offset of every field we read or
 * write, and each header's fixed length, for the decoders, the fast path,
 * the builders and the tests alike.  Offsets count from the first byte of
 * the header they belong to; multi-byte fields are big-endian on the wire.
 * No code here: packets are read through the bounded cursor (cursor.h),
 * never by casting bytes to a struct.
 */
#ifndef SYNSCOPE_NET_HDR_H
#define SYNSCOPE_NET_HDR_H

/* Ethernet II */
#define HDR_ETH_DST 0
#define HDR_ETH_SRC 6
#define HDR_ETH_TYPE 12                 /* or the TPID of an 802.1Q tag */
#define HDR_ETH_LEN 14

/* 802.1Q / 802.1ad tag: what follows a VLAN TPID at HDR_ETH_TYPE */
#define HDR_VLAN_TCI 0
#define HDR_VLAN_TYPE 2                 /* the inner ethertype (or TPID) */
#define HDR_VLAN_LEN 4
#define HDR_VLAN_VID_MASK 0x0fff

/* Linux cooked capture v1 (DLT_LINUX_SLL) */
#define HDR_SLL_PKTTYPE 0
#define HDR_SLL_HATYPE 2
#define HDR_SLL_HALEN 4
#define HDR_SLL_ADDR 6
#define HDR_SLL_ADDR_LEN 8
#define HDR_SLL_TYPE 14
#define HDR_SLL_LEN 16

/* Linux cooked capture v2 (DLT_LINUX_SLL2) */
#define HDR_SLL2_TYPE 0
#define HDR_SLL2_RESV 2
#define HDR_SLL2_IFINDEX 4
#define HDR_SLL2_HATYPE 8
#define HDR_SLL2_PKTTYPE 10
#define HDR_SLL2_HALEN 11
#define HDR_SLL2_ADDR 12
#define HDR_SLL2_ADDR_LEN 8
#define HDR_SLL2_LEN 20

/* BSD loopback (DLT_NULL, DLT_LOOP): an address family, 4 bytes */
#define HDR_NULL_FAMILY 0
#define HDR_NULL_LEN 4

/* ARP for Ethernet and IPv4 (RFC 826) */
#define HDR_ARP_HTYPE 0
#define HDR_ARP_PTYPE 2
#define HDR_ARP_HLEN 4
#define HDR_ARP_PLEN 5
#define HDR_ARP_OP 6
#define HDR_ARP_FIXED 8                 /* the part that says what follows */
#define HDR_ARP_SHA 8
#define HDR_ARP_SPA 14
#define HDR_ARP_THA 18
#define HDR_ARP_TPA 24
#define HDR_ARP_LEN 28
#define HDR_ARP_HTYPE_ETHER 1
#define HDR_ARP_PLEN_IP4 4

/* IPv4 (RFC 791) */
#define HDR_IP4_VIHL 0                  /* version << 4 | header length / 4 */
#define HDR_IP4_TOS 1
#define HDR_IP4_TOTLEN 2
#define HDR_IP4_ID 4
#define HDR_IP4_FRAG 6                  /* flags << 13 | fragment offset */
#define HDR_IP4_TTL 8
#define HDR_IP4_PROTO 9
#define HDR_IP4_CSUM 10
#define HDR_IP4_SRC 12
#define HDR_IP4_DST 16
#define HDR_IP4_LEN 20                  /* without options */
#define HDR_IP4_VERSION 4
#define HDR_IP4_VIHL_PLAIN 0x45         /* version 4, no options */
#define HDR_IP4_DF 0x4000
#define HDR_IP4_OFFMASK 0x1fff
#define HDR_IP4_ALEN 4

/* IPv6 fixed header (RFC 8200) */
#define HDR_IP6_VTCFL 0                 /* version 4 bits, traffic class 8,
                                         * flow label 20 */
#define HDR_IP6_PLEN 4                  /* payload length: all after the
                                         * fixed header */
#define HDR_IP6_NXT 6
#define HDR_IP6_HLIM 7
#define HDR_IP6_SRC 8
#define HDR_IP6_DST 24
#define HDR_IP6_LEN 40
#define HDR_IP6_ALEN 16
#define HDR_IP6_VERSION 6

/* IPv6 extension header, the generic form (hop-by-hop, routing,
 * destination options): its length counts 8-octet units past the first 8 */
#define HDR_IP6EXT_NXT 0
#define HDR_IP6EXT_LEN 1
#define HDR_IP6EXT_UNIT 8
#define HDR_IP6EXT_MIN 8

/* IPv6 routing header: after the generic next/length */
#define HDR_IP6RT_TYPE 2
#define HDR_IP6RT_SEGLEFT 3             /* addresses still to visit */

/* IPv6 fragment header: fixed 8 bytes */
#define HDR_IP6FRAG_NXT 0
#define HDR_IP6FRAG_RESV 1
#define HDR_IP6FRAG_OFFLG 2             /* offset << 3 | M */
#define HDR_IP6FRAG_IDENT 4
#define HDR_IP6FRAG_LEN 8
#define HDR_IP6FRAG_OFFMASK 0xfff8
#define HDR_IP6FRAG_MORE 0x0001

/* TCP (RFC 9293) */
#define HDR_TCP_SPORT 0
#define HDR_TCP_DPORT 2
#define HDR_TCP_SEQ 4
#define HDR_TCP_ACK 8
#define HDR_TCP_OFF 12                  /* data offset / 4 in the high nibble */
#define HDR_TCP_FLAGS 13
#define HDR_TCP_WIN 14
#define HDR_TCP_CSUM 16
#define HDR_TCP_URP 18
#define HDR_TCP_LEN 20                  /* without options */
#define HDR_TCP_QUOTE 8                 /* what an ICMP error must quote:
                                         * ports and sequence number */

/* TCP options: kind, length (kind and length included), value */
#define HDR_TCPOPT_EOL 0
#define HDR_TCPOPT_NOP 1
#define HDR_TCPOPT_MSS 2
#define HDR_TCPOPT_MSS_LEN 4
#define HDR_TCPOPT_KIND 0
#define HDR_TCPOPT_OLEN 1
#define HDR_TCPOPT_VAL 2

/* ICMP (RFC 792) and ICMPv6 (RFC 4443) share their first 8 bytes; an
 * error message quotes the offending packet after them. */
#define HDR_ICMP_TYPE 0
#define HDR_ICMP_CODE 1
#define HDR_ICMP_CSUM 2
#define HDR_ICMP_REST 4
#define HDR_ICMP_LEN 8
#define HDR_ICMP6_MIN_MTU 1280          /* an ICMPv6 error fits in this */

/* Neighbor Solicitation / Advertisement (RFC 4861 4.3, 4.4): the ICMPv6
 * header, then the target address, then options */
#define HDR_ND_FLAGS 4                  /* NA: R, S, O bits */
#define HDR_ND_TARGET 8
#define HDR_ND_LEN 24
#define HDR_ND_HLIM 255                 /* the only hop limit ND accepts */

/* Neighbor discovery option: type, length in 8-octet units (0 invalid) */
#define HDR_NDOPT_TYPE 0
#define HDR_NDOPT_OLEN 1
#define HDR_NDOPT_VAL 2
#define HDR_NDOPT_UNIT 8
#define HDR_NDOPT_SLLA 1                /* source link-layer address */
#define HDR_NDOPT_TLLA 2                /* target link-layer address */
#define HDR_NDOPT_LLA_LEN 8             /* an Ethernet address option */

#endif
