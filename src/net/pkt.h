/*
 * Packet codec: decode untrusted frames into plain records, build frames.
 *
 * Pure code: no I/O, no printing, no exit.  Every read goes through the
 * bounded cursor in cursor.h; a read past the end fails without touching
 * memory.  Numbers in the records are in host byte order; addresses are
 * struct addr (common/addr.h), whatever the family.
 */
#ifndef SYNSCOPE_NET_PKT_H
#define SYNSCOPE_NET_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

enum pkt_err {
	PKT_OK = 0,
	PKT_TRUNC,        /* a header is cut short by the capture */
	PKT_BAD_HLEN,     /* IHL < 5, data offset < 5, header past total length */
	PKT_BAD_LEN,      /* total length smaller than the header */
	PKT_BAD_VERSION,  /* IP version field does not match the ethertype */
	PKT_BAD_CSUM,     /* checksum verification requested and failed */
	PKT_UNSUPPORTED,  /* not something we decode (other ethertype, link) */
};
const char *pkt_strerror(enum pkt_err err);

/* Link types we decode; values match pcap's DLT_* numbers, except NULL:
 * DLT_NULL is 0, which callers use for "none". */
enum pkt_link {
	PKT_LINK_EN10MB = 1,   /* Ethernet, with 802.1Q / 802.1ad tags */
	PKT_LINK_RAW = 101,    /* raw IP (DLT_RAW as libpcap maps it) */
	PKT_LINK_LOOP = 108,   /* BSD loopback, family in network order */
	PKT_LINK_SLL = 113,    /* Linux cooked v1 (-i any) */
	PKT_LINK_SLL2 = 276,   /* Linux cooked v2 */
	PKT_LINK_NULL = 0x10000, /* BSD loopback (DLT_NULL), family in the
	                          * writer's byte order */
};

/* The address family values a NULL/LOOP header may carry. */
#define PKT_NULL_AF_INET 2
#define PKT_NULL_IS_INET6(af) ((af) == 10 || (af) == 24 || (af) == 28 || (af) == 30)

#define PKT_ETH_ALEN 6
#define PKT_ETHERTYPE_IPV4 0x0800
#define PKT_ETHERTYPE_ARP 0x0806
#define PKT_ETHERTYPE_IPV6 0x86dd
#define PKT_ETHERTYPE_VLAN 0x8100
#define PKT_ETHERTYPE_QINQ 0x88a8

#define PKT_IPPROTO_HOPOPTS 0          /* IPv6 extension headers... */
#define PKT_IPPROTO_ICMP 1
#define PKT_IPPROTO_TCP 6
#define PKT_IPPROTO_ROUTING 43
#define PKT_IPPROTO_FRAGMENT 44
#define PKT_IPPROTO_ICMPV6 58
#define PKT_IPPROTO_NONE 59            /* IPv6: no next header */
#define PKT_IPPROTO_DSTOPTS 60

/* The IPv6 extension headers walked before the upper layer, at most this
 * many (hop-by-hop, routing, destination options, fragment; any other
 * number ends the chain and is the upper-layer protocol).  A packet with
 * more is PKT_UNSUPPORTED, its has_ip set and ip.proto the first header
 * not walked. */
#define PKT_IP6_MAX_EXT 8

/* TCP flag bits as they sit in the header's 13th byte. */
#define PKT_TH_FIN 0x01
#define PKT_TH_SYN 0x02
#define PKT_TH_RST 0x04
#define PKT_TH_PUSH 0x08
#define PKT_TH_ACK 0x10
#define PKT_TH_URG 0x20
#define PKT_TH_ECE 0x40
#define PKT_TH_CWR 0x80

#define PKT_ARP_REQUEST 1
#define PKT_ARP_REPLY 2
#define PKT_ICMP_UNREACH 3
#define PKT_ICMP_SOURCEQUENCH 4
#define PKT_ICMP_TIMXCEED 11
#define PKT_ICMP_PARAMPROB 12
#define PKT_ICMP6_UNREACH 1
#define PKT_ICMP6_PARAMPROB 4          /* the last ICMPv6 error type */
#define PKT_ICMP6_NS 135               /* Neighbor Solicitation */
#define PKT_ICMP6_NA 136               /* Neighbor Advertisement */
/* NA flags as in the message (struct pkt_nbr's nd_flags, the builder) */
#define PKT_ND_ROUTER 0x80
#define PKT_ND_SOLICITED 0x40
#define PKT_ND_OVERRIDE 0x20
#define PKT_MAX_VLAN 2

struct pkt_eth {
	uint8_t dst[PKT_ETH_ALEN];
	uint8_t src[PKT_ETH_ALEN];
	uint16_t type;                 /* ethertype after any VLAN tags */
	uint8_t nvlan;
	uint16_t vlan[PKT_MAX_VLAN];   /* VLAN IDs, outermost first */
};

/* Neighbour resolution: an ARP packet (IPv4), or an IPv6 Neighbor
 * Solicitation / Advertisement.  The consumer asks "who has tpa, tell spa"
 * and "spa is at sha" the same way for both.
 * An ND message sets has_nbr (not has_icmp) and has_ip, and only when it
 * is well formed: captured whole, ICMPv6 checksum right (verified whatever
 * the checksum mode: PKT_BAD_CSUM otherwise), code 0, at least its 24
 * bytes (PKT_BAD_LEN otherwise), every option of non-zero length inside
 * the message (PKT_BAD_HLEN otherwise, RFC 4861 7.1.2).  The hop limit is
 * left to the consumer to check (hlim, valid only at 255).  An NS/NA of
 * another code decodes as a plain ICMPv6 message (has_icmp). */
#define PKT_NBR_REQUEST 1              /* ARP request, Neighbor Solicitation */
#define PKT_NBR_REPLY 2                /* ARP reply, Neighbor Advertisement */
struct pkt_nbr {
	uint16_t op;                   /* PKT_NBR_*; other ARP operations as
	                                * they are */
	uint8_t sha[PKT_ETH_ALEN];     /* ARP sender; ND link-layer option */
	struct addr spa;               /* ARP sender; NS source; NA target */
	uint8_t tha[PKT_ETH_ALEN];     /* ARP target (zero for ND) */
	struct addr tpa;               /* ARP target; NS target; NA destination */
	uint8_t has_sha;               /* ARP always; ND: the option was there */
	uint8_t hlim;                  /* ND: hop limit (valid only at 255) */
	uint8_t nd_flags;              /* NA: router/solicited/override bits as
	                                * in the message's first flag byte */
};

/* The network layer, either family. */
struct pkt_ip {
	struct addr src;
	struct addr dst;
	uint16_t hlen;                 /* bytes before the upper layer: IHL*4,
	                                * or IPv6's 40 + extension headers */
	uint8_t tos;                   /* TOS / traffic class */
	uint8_t ttl;                   /* TTL / hop limit */
	uint8_t proto;                 /* upper-layer protocol (IPv6: after the
	                                * extension headers) */
	uint8_t later_frag;            /* a fragment other than the first: no
	                                * upper-layer header follows */
	uint16_t tot_len;              /* as declared, may exceed the capture:
	                                * IPv4 total length, IPv6 payload length
	                                * (without the fixed 40 bytes) */
	uint32_t length;               /* the packet's length: tot_len (IPv6:
	                                * 40 + tot_len), or for tot_len 0
	                                * (TSO/BIG TCP captured on the sender,
	                                * an IPv6 jumbogram) the bytes captured
	                                * from the IP header on, as tcpdump
	                                * reads it */
	uint16_t id;                   /* IPv4 only (0 for IPv6) */
	uint16_t frag;                 /* IPv4 flags + fragment offset; IPv6:
	                                * the fragment header's offset + M
	                                * word, 0 without one */
};

struct pkt_tcp {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t hlen;                  /* data offset in bytes */
	uint8_t flags;
	uint16_t win;
	uint16_t mss;                  /* MSS option, 0 if absent or unread */
	uint32_t payload_len;          /* from the IP total length, not capture */
};

/* An ICMP error quotes the offending IP header and 8 bytes of TCP.  The
 * quote is read for ICMP destination unreachable, source quench, time
 * exceeded and parameter problem, and for every ICMPv6 error (types 1-4:
 * unreachable, packet too big, time exceeded, parameter problem), through
 * the quoted IPv6 extension headers; other types have no quote.  The
 * ICMP/ICMPv6 checksum is not verified (ND aside, see struct pkt_nbr). */
struct pkt_icmp {
	uint8_t type;
	uint8_t code;
	uint8_t unreach;               /* destination unreachable (ICMP 3,
	                                * ICMPv6 1): the one error both families
	                                * mean the same way */
	uint8_t has_quote;             /* 1 if a quoted IP + TCP ports/seq */
	struct pkt_ip q_ip;
	uint16_t q_sport;
	uint16_t q_dport;
	uint32_t q_seq;
};

/* One decoded frame.  Which parts are valid is told by the has_ flags. */
struct pkt_frame {
	/* What every TCP segment fills, first: the two cache lines the
	 * per-packet path writes and reads (tcpeek decodes a batch of frames
	 * before tracking them, and the batch's hot lines must stay in L1). */
	struct pkt_eth eth;
	uint8_t has_eth, has_nbr, has_ip, has_tcp, has_icmp;
	size_t l3_off;                 /* offset of the IP/ARP header */
	struct pkt_ip ip;
	struct pkt_tcp tcp;
	/* Then what only ARP, ND and ICMP frames fill. */
	struct pkt_nbr nbr;
	struct pkt_icmp icmp;
} __attribute__((aligned(64)));

/* Checksum verification while decoding (tcpeek's -c). */
enum pkt_csum_mode {
	PKT_CSUM_NONE = 0,
	PKT_CSUM_IP = 1,               /* verify the IPv4 header checksum */
	PKT_CSUM_IP_TCP = 2,           /* and the TCP checksum when captured whole */
};

/*
 * Decode a captured frame.  caplen is what the capture holds; headers are
 * clamped to the IP total length.  A frame longer on the wire than the
 * capture still decodes if its headers were captured.  Returns PKT_OK with
 * the has_ flags telling what was found (an IP packet that is neither TCP
 * nor ICMP decodes with has_tcp = has_icmp = 0), or the reason it failed;
 * on failure the has_ flags of layers decoded so far remain set.
 * IPv6: the version must be 6 where the link says IPv6 (PKT_BAD_VERSION);
 * payload length 0 means what the capture holds, as IPv4's total length 0;
 * extension headers must lie inside the payload length (PKT_BAD_HLEN) and
 * be captured (PKT_TRUNC); a later fragment sets ip.later_frag and has no
 * upper layer.  PKT_CSUM_IP has nothing to verify in IPv6;
 * PKT_CSUM_IP_TCP verifies TCP with the IPv6 pseudo-header, except behind
 * a routing header with segments left (its final destination is not
 * ip.dst: not verified).
 */
enum pkt_err pkt_decode(enum pkt_link link, const uint8_t *buf, size_t caplen,
                        enum pkt_csum_mode csum, struct pkt_frame *out);

/* The same as pkt_decode for every input (same return, same fields
 * written), faster on the usual Ethernet/IPv4/TCP frame: for tcpeek's
 * per-packet path. */
enum pkt_err pkt_decode_fast(enum pkt_link link, const uint8_t *buf, size_t caplen,
                             enum pkt_csum_mode csum, struct pkt_frame *out);

/* Internet checksum helpers (RFC 1071), known-answer tested. */
uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t pkt_csum_fold(uint32_t sum);
/* Checksum of a TCP segment (header + payload) with the pseudo-header of
 * the addresses' family. */
uint16_t pkt_csum_tcp(const struct addr *src, const struct addr *dst, const uint8_t *seg,
                      size_t len);

/* The MSS a SYN announces for an interface MTU: the MTU less the IP
 * header of the family and TCP's, at least 536 (RFC 9293's default) and at
 * most 65495. */
uint16_t pkt_mss_for_mtu(int mtu, int family);

/* ---- builders ---------------------------------------------------------- */

struct pkt_tcp_spec {
	const uint8_t *smac, *dmac;    /* NULL: the frame starts at the IP header */
	uint16_t vlan;                 /* 802.1Q VLAN ID, 0 for none */
	struct addr src, dst;          /* the same family */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint16_t mss;                  /* add an MSS option when non-zero */
	uint16_t ip_id;                /* IPv4 only */
	uint8_t ttl;                   /* TTL / hop limit; 0 means 64 */
	const uint8_t *payload;
	size_t paylen;
	/* IPv6 only: extension headers to put before TCP, as bytes whose
	 * next-header fields the caller writes (the last one
	 * PKT_IPPROTO_TCP); ext_first is the number of the first. */
	const uint8_t *ext;
	size_t extlen;
	uint8_t ext_first;
};
/* Write an Ethernet(+VLAN)/IPv4 or IPv6/TCP frame with correct checksums,
 * the family that of src and dst (IPv6: flow label 0, traffic class 0).
 * Returns its length, or 0 if it does not fit in cap or src and dst are
 * not of one family. */
size_t pkt_build_tcp(uint8_t *buf, size_t cap, const struct pkt_tcp_spec *s);

/* Ethernet/ARP frame; eth_dst is the Ethernet destination (broadcast for a
 * request), tha the ARP target hardware address. */
size_t pkt_build_arp(uint8_t *buf, size_t cap, uint16_t op,
                     const uint8_t *smac, struct addr spa,
                     const uint8_t *eth_dst, const uint8_t *tha, struct addr tpa);

/* Ethernet/IPv4/ICMP error of the given type/code quoting qlen bytes of
 * the offending IP packet at quote. */
size_t pkt_build_icmp4(uint8_t *buf, size_t cap, const uint8_t *smac,
                       const uint8_t *dmac, struct addr src, struct addr dst,
                       uint8_t type, uint8_t code, const uint8_t *quote,
                       size_t qlen);

/* Neighbour resolution without asking the family (each returns the frame's
 * length, 0 if it does not fit in cap or the addresses are not of one
 * family):
 * - request for target from us: IPv4 an ARP request to broadcast (target
 *   hardware address zero); IPv6 a Neighbor Solicitation from us to the
 *   target's solicited-node multicast address (ff02::1:ffXX:XXXX, Ethernet
 *   33:33:ff:XX:XX:XX), hop limit 255, source link-layer address option.
 * - reply "who is at smac" to `to` at dmac: IPv4 an ARP reply; IPv6 a
 *   Neighbor Advertisement from who to `to` for target who with flags
 *   (PKT_ND_*; ARP has none) and the target link-layer address option,
 *   hop limit 255.  A test wanting a bad hop limit patches the byte at
 *   HDR_ETH_LEN + HDR_IP6_HLIM: it is not under the checksum. */
#define PKT_NBR_FRAME_MAX 86           /* Ethernet + IPv6 + NS/NA + option */
size_t pkt_build_nbr_request(uint8_t *buf, size_t cap, const uint8_t *smac,
                             struct addr us, struct addr target);
size_t pkt_build_nbr_reply(uint8_t *buf, size_t cap, const uint8_t *smac,
                           const uint8_t *dmac, struct addr who, struct addr to,
                           uint8_t flags);

/* Destination unreachable with the given code from src to dst quoting qlen
 * bytes of the offending packet: ICMP type 3, or ICMPv6 type 1 (with its
 * checksum, the quote cut so the packet fits the IPv6 minimum MTU of 1280
 * as RFC 4443 2.4 asks).  smac NULL: the frame starts at the IP header. */
size_t pkt_build_unreach(uint8_t *buf, size_t cap, const uint8_t *smac,
                         const uint8_t *dmac, struct addr src, struct addr dst,
                         uint8_t code, const uint8_t *quote, size_t qlen);

/* ---- formatting of plain values (no I/O) ----------------------------- */

#define PKT_MAC_STRLEN 18
#define PKT_FLAGS_STRLEN 12
/* "aa:bb:cc:dd:ee:ff" */
char *pkt_fmt_mac(char out[PKT_MAC_STRLEN], const uint8_t *mac);
/* tcpdump-style flags without brackets: "S", "S.", "R.", "F.", "." */
char *pkt_fmt_tcpflags(char out[PKT_FLAGS_STRLEN], uint8_t flags);

#endif
