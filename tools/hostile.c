/*
 * hostile: hostile traffic for the namespace tests (test tool only).
 * Frames are built with the codec's builders (then damaged on purpose
 * where asked) and sent on one interface over an AF_PACKET socket.
 *
 *   hostile flood -i IF -d MAC -k arp|tcp|syn|hs [-D IP:PORT] [-n COUNT] [-t MS] [-r FPS]
 *       as fast as possible (or at most FPS frames/s), in sendmmsg batches
 *       past the qdisc, until COUNT frames were sent or MS ms passed
 *       (default 1000 ms, no count limit):
 *         arp  ARP replies "10.255.255.254 is at <our MAC>" to IP of -D
 *              (they pass check_tcp_raw's filter when IP is the check's)
 *         tcp  TCP between unrelated addresses and ports (filtered out)
 *         syn  SYNs to IP:PORT, each from a distinct source in 10.128.0.0/9
 *              (the n-th source is a bijection of n: no two are equal)
 *         hs   complete handshakes with IP:PORT from the sources of syn:
 *              SYN, SYN/ACK and ACK, all three sent on IF (a capture on
 *              the peer sees the whole exchange), in rounds of HS_ROUND
 *              handshakes (their SYNs, then their SYN/ACKs, then their
 *              ACKs: that many in flight); COUNT is in frames, so 3 N
 *              frames are N handshakes (a multiple of 3 is required)
 *       prints "hostile: N frames in T ms (R frames/s)" on stderr.
 *   hostile react -i IF -p PORT -k KIND [-A DELTA] [-L LEN] [-t MS]
 *       answer every SYN to PORT seen on IF, for MS ms, with:
 *         runt   its SYN/ACK (ack = SYN seq + 1) cut to LEN bytes (default 42)
 *         ipopt  a SYN/ACK whose IP header carries 8 bytes of options
 *                (record route + end of list), ack = SYN seq + DELTA (default 1)
 *         icmp   ICMP port unreachable quoting the SYN with its seq + DELTA
 *                (default 0: an exact quote)
 *         icmpcut ICMP port unreachable quoting the IP header and only the
 *                ports (no sequence number)
 *   hostile arp -i IF -d MAC -s SPA -T TPA -H SHA [-E ETHSRC] [-t MS] [-g US]
 *       every US µs (default 1000), an ARP reply "SPA is at SHA" to TPA,
 *       sent to MAC from Ethernet source ETHSRC (default SHA).
 *   hostile malformed -i IF -d MAC -S IP -D IP:PORT [-n ROUNDS] [-c 0|1|2] [-k N]
 *       every kind of malformed frame (or only kind N, 0..12) ROUNDS times
 *       (default 1), the bad checksum kinds only up to tcpeek's -c level
 *       (default 2), then one
 *       IPv6 frame per round (unsupported, not malformed); prints on stdout
 *       one line per kind, then "malformed N" and "unsupported N".
 * Exits 0 when done, 2 on bad arguments, 1 on errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/pkt.h"
#include "sys/clock.h"
#include "sys/ifinfo.h"
#include "sys/pktsock.h"

#ifndef PACKET_QDISC_BYPASS
#define PACKET_QDISC_BYPASS 20
#endif

#define BATCH 256
#define FMAX 128
/* Handshakes a round of -k hs puts in flight at once. */
#define HS_ROUND 256u

static void usage(const char *why)
{
	fprintf(stderr, "hostile: %s\n"
	        "usage: hostile flood -i IF -d MAC -k arp|tcp|syn|hs [-D IP:PORT] [-n COUNT] [-t MS] [-r FPS]\n"
	        "       hostile react -i IF -p PORT -k runt|ipopt|icmp|icmpcut [-A DELTA] [-L LEN] [-t MS]\n"
	        "       hostile arp -i IF -d MAC -s SPA -T TPA -H SHA [-E ETHSRC] [-t MS] [-g US]\n"
	        "       hostile malformed -i IF -d MAC -S IP -D IP:PORT [-n ROUNDS] [-c 0|1|2] [-k N]\n", why);
	exit(2);
}

static unsigned long num(const char *s, unsigned long max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0' || v > max) {
		fprintf(stderr, "hostile: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		usage("bad IPv4 address");
	return ntohl(a.s_addr);
}

static void ipport(const char *s, uint32_t *ip, uint16_t *port)
{
	char buf[64];
	char *colon;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strrchr(buf, ':');
	if (colon == NULL)
		usage("expected IP:PORT");
	*colon = '\0';
	*ip = ip4(buf);
	*port = (uint16_t)num(colon + 1, 65535, "port");
}

static void mac(const char *s, uint8_t *m)
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		usage("bad MAC address");
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Recompute the IPv4 header checksum of the header at IP. */
static void ip_csum(uint8_t *ip)
{
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;

	ip[10] = ip[11] = 0;
	put16(ip + 10, pkt_csum_fold(pkt_csum_add(0, ip, hl)));
}

struct opts {
	const char *ifname;
	uint8_t dmac[6], sha[6], ethsrc[6];
	int have_dmac, have_sha, have_ethsrc;
	const char *kind;
	uint32_t sip, dip, spa, tpa;
	uint16_t dport, rport;
	uint32_t delta;
	int have_delta;
	unsigned long count, ms, fps, gap, len, csum;
};

/* A packet socket on IFNAME; SEND_ONLY: bound to protocol 0, so the
 * kernel never queues received frames to it (a flooder reads nothing). */
static int open_if(const char *ifname, struct ifinfo *ifi, int send_only)
{
	int fd, one = 1;

	if (ifinfo_get(ifname, ifi) != IFINFO_OK) {
		fprintf(stderr, "hostile: interface '%s' unusable\n", ifname);
		exit(1);
	}
	if (send_only) {
		struct sockaddr_ll sll;

		fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
		memset(&sll, 0, sizeof(sll));
		sll.sll_family = AF_PACKET;
		sll.sll_ifindex = ifi->index;
		if (fd >= 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
			close(fd);
			fd = -1;
		}
	} else {
		fd = pktsock_open(ifi->index, NULL, 0);
	}
	if (fd < 0) {
		perror("hostile: packet socket");
		exit(1);
	}
	/* Straight to the driver: the qdisc would only add a lock and a queue. */
	(void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	return fd;
}

/* ---- flood --------------------------------------------------------------- */

/*
 * The n-th frame of -k hs into BUF; its length.  Handshake i comes from
 * the i-th source of -k syn; frames go in rounds of HS_ROUND handshakes
 * (the last round may be shorter): the round's SYNs, then its SYN/ACKs,
 * then its ACKs.
 */
static size_t hs_frame(const struct opts *o, const struct ifinfo *ifi, uint64_t n,
                       uint8_t *buf)
{
	uint64_t hs = o->count / 3, round = n / (3 * HS_ROUND), first = round * HS_ROUND;
	uint64_t size = hs - first < HS_ROUND ? hs - first : HS_ROUND;
	uint64_t r = n - 3 * first, phase = r / size, i = first + r % size;
	uint32_t h = (uint32_t)i * 0x9e3779b1u;
	uint32_t cli = 0x0a800000u | (h >> 9), cisn = h ^ 0x5a5a5a5au, sisn = ~h;
	uint16_t cport = (uint16_t)(1024 + (h & 0x1ff));
	struct pkt_tcp_spec s;

	memset(&s, 0, sizeof(s));
	s.smac = ifi->mac;
	s.dmac = o->dmac;
	s.win = 65160;
	if (phase == 1) {
		s.src = addr_ip4(o->dip);
		s.sport = o->dport;
		s.dst = addr_ip4(cli);
		s.dport = cport;
		s.seq = sisn;
		s.ack = cisn + 1;
		s.flags = PKT_TH_SYN | PKT_TH_ACK;
		s.mss = 1460;
	} else {
		s.src = addr_ip4(cli);
		s.sport = cport;
		s.dst = addr_ip4(o->dip);
		s.dport = o->dport;
		s.seq = phase == 0 ? cisn : cisn + 1;
		s.ack = phase == 0 ? 0 : sisn + 1;
		s.flags = phase == 0 ? PKT_TH_SYN : PKT_TH_ACK;
		s.mss = phase == 0 ? 1460 : 0;
	}
	return pkt_build_tcp(buf, FMAX, &s);
}

/* The n-th flood frame of kind K into BUF; its length. */
static size_t flood_frame(const struct opts *o, const struct ifinfo *ifi, uint64_t n,
                          uint8_t *buf)
{
	static const uint8_t zero[6];
	uint32_t h = (uint32_t)n * 0x9e3779b1u;   /* odd multiplier: a bijection */
	struct pkt_tcp_spec s;

	if (strcmp(o->kind, "arp") == 0)
		return pkt_build_arp(buf, FMAX, 2, ifi->mac, addr_ip4(0x0afffffeu), o->dmac, zero,
		                     addr_ip4(o->dip));
	memset(&s, 0, sizeof(s));
	s.smac = ifi->mac;
	s.dmac = o->dmac;
	s.win = 65160;
	s.seq = h ^ 0x5a5a5a5au;
	if (strcmp(o->kind, "hs") == 0)
		return hs_frame(o, ifi, n, buf);
	if (strcmp(o->kind, "syn") == 0) {
		s.src = addr_ip4(0x0a800000u | (h >> 9));
		s.sport = (uint16_t)(1024 + (h & 0x1ff));
		s.dst = addr_ip4(o->dip);
		s.dport = o->dport;
		s.flags = PKT_TH_SYN;
		s.mss = 1460;
	} else {
		/* 172.31.x.y to 172.30.x.y: nobody's addresses, any ports */
		s.src = addr_ip4(0xac1f0000u | (h & 0xffff));
		s.dst = addr_ip4(0xac1e0000u | (h >> 16));
		s.sport = (uint16_t)(h >> 3);
		s.dport = (uint16_t)(h >> 11);
		s.flags = PKT_TH_ACK;
		s.ack = h;
	}
	return pkt_build_tcp(buf, FMAX, &s);
}

static int do_flood(const struct opts *o)
{
	static uint8_t frames[BATCH][FMAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct ifinfo ifi;
	uint64_t sent = 0, t0, end, now;
	int fd, unique;

	if (!o->have_dmac || o->kind == NULL)
		usage("flood needs -d MAC and -k KIND");
	if (strcmp(o->kind, "arp") != 0 && strcmp(o->kind, "tcp") != 0 &&
	    strcmp(o->kind, "syn") != 0 && strcmp(o->kind, "hs") != 0)
		usage("flood kinds are arp, tcp, syn, hs");
	if (strcmp(o->kind, "tcp") != 0 && o->dip == 0)
		usage("flood -k syn, -k hs and -k arp need -D IP:PORT");
	if (strcmp(o->kind, "hs") == 0 && (o->count == 0 || o->count % 3 != 0))
		usage("flood -k hs needs -n COUNT, a multiple of 3 (3 frames a handshake)");
	unique = strcmp(o->kind, "syn") == 0 || strcmp(o->kind, "hs") == 0;
	fd = open_if(o->ifname, &ifi, 1);
	memset(msgs, 0, sizeof(msgs));
	for (int k = 0; k < BATCH; k++) {
		iov[k].iov_base = frames[k];
		iov[k].iov_len = flood_frame(o, &ifi, (uint64_t)k, frames[k]);
	}
	t0 = clock_mono_us();
	end = t0 + o->ms * 1000u;
	while ((now = clock_mono_us()) < end && (o->count == 0 || sent < o->count)) {
		uint64_t want = BATCH;
		int k, got;

		if (o->count != 0 && o->count - sent < want)
			want = o->count - sent;
		if (o->fps != 0) {
			/* never ahead of FPS since the start */
			uint64_t allowed = (now - t0) * o->fps / 1000000u + 1;

			if (allowed <= sent) {
				usleep(50);
				continue;
			}
			if (allowed - sent < want)
				want = allowed - sent;
		}
		/* SYNs and handshakes must all differ; the others repeat one batch. */
		for (k = 0; k < (int)want; k++) {
			if (unique)
				iov[k].iov_len = flood_frame(o, &ifi, sent + (uint64_t)k, frames[k]);
			msgs[k].msg_hdr.msg_iov = &iov[k];
			msgs[k].msg_hdr.msg_iovlen = 1;
		}
		got = sendmmsg(fd, msgs, (unsigned)want, 0);
		if (got < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue;       /* the same frames are rebuilt and resent */
			perror("hostile: sendmmsg");
			return 1;
		}
		sent += (uint64_t)got;
	}
	now = clock_mono_us();
	fprintf(stderr, "hostile: %llu frames in %llu ms (%llu frames/s)\n",
	        (unsigned long long)sent, (unsigned long long)((now - t0) / 1000),
	        (unsigned long long)(now > t0 ? sent * 1000000u / (now - t0) : 0));
	close(fd);
	return 0;
}

/* ---- react ----------------------------------------------------------------- */

static int do_react(const struct opts *o)
{
	struct ifinfo ifi;
	uint8_t rx[2048], out[256];
	uint64_t end;
	unsigned long sent = 0;
	int fd;

	if (o->kind == NULL || o->rport == 0)
		usage("react needs -p PORT and -k KIND");
	if (strcmp(o->kind, "runt") != 0 && strcmp(o->kind, "ipopt") != 0 &&
	    strcmp(o->kind, "icmp") != 0 && strcmp(o->kind, "icmpcut") != 0)
		usage("react kinds are runt, ipopt, icmp, icmpcut");
	fd = open_if(o->ifname, &ifi, 0);
	end = clock_mono_us() + o->ms * 1000u;
	while (clock_mono_us() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct pkt_frame f;
		ssize_t got;

		(void)poll(&p, 1, 20);
		while ((got = pktsock_recv(fd, rx, sizeof(rx))) > 0) {
			struct pkt_tcp_spec s;
			size_t n = 0;

			if (pkt_decode(PKT_LINK_EN10MB, rx, (size_t)got, PKT_CSUM_NONE, &f) != PKT_OK ||
			    !f.has_tcp || f.tcp.flags != PKT_TH_SYN || f.tcp.dport != o->rport)
				continue;
			memset(&s, 0, sizeof(s));
			s.smac = ifi.mac;
			s.dmac = f.eth.src;
			s.src = addr_ip4(addr_get_ip4(&f.ip.dst));
			s.dst = addr_ip4(addr_get_ip4(&f.ip.src));
			s.sport = f.tcp.dport;
			s.dport = f.tcp.sport;
			s.seq = 0x0badf00du + (uint32_t)sent;
			s.flags = PKT_TH_SYN | PKT_TH_ACK;
			s.win = 65160;
			if (strcmp(o->kind, "runt") == 0) {
				s.ack = f.tcp.seq + 1;
				n = pkt_build_tcp(out, sizeof(out), &s);
				if (n > o->len)
					n = o->len;
			} else if (strcmp(o->kind, "ipopt") == 0) {
				/* Build plainly, then open an 8-byte gap after the
				 * 20-byte IP header.  The TCP checksum is unchanged:
				 * its pseudo-header has no IP options. */
				static const uint8_t rr[8] = { 7, 7, 4, 0, 0, 0, 0, 0 };
				uint8_t *ip = out + 14;
				size_t plain;

				s.ack = f.tcp.seq + (o->have_delta ? o->delta : 1);
				plain = pkt_build_tcp(out, sizeof(out) - 8, &s);
				memmove(ip + 28, ip + 20, plain - 14 - 20);
				memcpy(ip + 20, rr, sizeof(rr));
				ip[0] = 0x47;
				put16(ip + 2, (uint16_t)(plain - 14 + 8));
				ip_csum(ip);
				n = plain + 8;
			} else {
				/* Quote the SYN as the kernel would: its IP header and
				 * the first 8 bytes of TCP (icmpcut: only the ports). */
				uint8_t q[28];
				const uint8_t *sip = rx + f.l3_off;

				memcpy(q, sip, 20);
				q[0] = 0x45;
				memcpy(q + 20, sip + f.ip.hlen, 8);
				if (strcmp(o->kind, "icmp") == 0) {
					uint32_t seq = f.tcp.seq + (o->have_delta ? o->delta : 0);

					q[24] = (uint8_t)(seq >> 24);
					q[25] = (uint8_t)(seq >> 16);
					q[26] = (uint8_t)(seq >> 8);
					q[27] = (uint8_t)seq;
				}
				n = pkt_build_icmp4(out, sizeof(out), ifi.mac, f.eth.src, f.ip.dst,
				                    f.ip.src, PKT_ICMP_UNREACH, 3, q,
				                    strcmp(o->kind, "icmp") == 0 ? 28 : 24);
			}
			if (n > 0 && pktsock_send(fd, out, n) == 0)
				sent++;
		}
	}
	fprintf(stderr, "hostile: %lu replies sent\n", sent);
	close(fd);
	return 0;
}

/* ---- arp ------------------------------------------------------------------- */

static int do_arp(const struct opts *o)
{
	struct ifinfo ifi;
	uint8_t out[128];
	uint64_t end, next;
	unsigned long sent = 0;
	size_t n;
	int fd;

	if (!o->have_dmac || !o->have_sha || o->spa == 0 || o->tpa == 0)
		usage("arp needs -d MAC -s SPA -T TPA -H SHA");
	fd = open_if(o->ifname, &ifi, 0);
	/* Built with SHA as the Ethernet source too, then the source is
	 * replaced: the builder writes one MAC into both places. */
	n = pkt_build_arp(out, sizeof(out), 2, o->sha, addr_ip4(o->spa), o->dmac, o->dmac, addr_ip4(o->tpa));
	if (o->have_ethsrc)
		memcpy(out + 6, o->ethsrc, 6);
	end = clock_mono_us() + o->ms * 1000u;
	next = clock_mono_us();
	while (clock_mono_us() < end) {
		uint64_t now = clock_mono_us();

		if (now < next) {
			usleep((useconds_t)(next - now));
			continue;
		}
		next += o->gap;
		if (pktsock_send(fd, out, n) != 0) {
			perror("hostile: send");
			return 1;
		}
		sent++;
	}
	fprintf(stderr, "hostile: %lu ARP replies sent\n", sent);
	close(fd);
	return 0;
}

/* ---- malformed ------------------------------------------------------------- */

/* A valid SYN from the options into BUF (no Ethernet padding): length. */
static size_t good_syn(const struct opts *o, const struct ifinfo *ifi, uint8_t *buf,
                       uint16_t sport)
{
	struct pkt_tcp_spec s;

	memset(&s, 0, sizeof(s));
	s.smac = ifi->mac;
	s.dmac = o->dmac;
	s.src = addr_ip4(o->sip);
	s.dst = addr_ip4(o->dip);
	s.sport = sport;
	s.dport = o->dport;
	s.seq = 0x01020304u + sport;
	s.flags = PKT_TH_SYN;
	s.win = 65160;
	return pkt_build_tcp(buf, FMAX, &s);
}

/* Damage a fresh SYN in the way KIND names; returns the frame length. */
static size_t malform(int kind, const struct opts *o, const struct ifinfo *ifi,
                      uint8_t *b, const char **name)
{
	uint8_t *ip = b + 14, *th = b + 34;
	size_t n = good_syn(o, ifi, b, (uint16_t)(40000 + kind));
	uint8_t tcpcsum[2];

	switch (kind) {
	case 0: *name = "eth header only, IPv4 ethertype (trunc)"; return 14;
	case 1: *name = "IPv4 header cut at 10 bytes (trunc)"; return 24;
	case 2: *name = "IPv4 version 6 under the IPv4 ethertype (version)";
		ip[0] = 0x65; ip_csum(ip); return n;
	case 3: *name = "IHL 4 (hlen)";
		ip[0] = 0x44; return n;
	case 4: *name = "total length 10, below the header (len)";
		put16(ip + 2, 10); ip_csum(ip); return n;
	case 5: *name = "IHL 15 with 16 bytes after the header (trunc)";
		ip[0] = 0x4f; put16(ip + 2, 80); ip_csum(ip); return 14 + 36;
	case 6: *name = "TCP header cut: 42-byte runt (trunc)"; return 42;
	case 7: *name = "TCP data offset 4 (hlen)";
		th[12] = 0x40; return n;
	case 8: *name = "TCP data offset 15, past the total length (hlen)";
		th[12] = 0xf0; return n;
	case 9: *name = "bad IPv4 header checksum (csum, -c 1)";
		ip[10] ^= 0x55; return n;
	case 10: *name = "bad TCP checksum (csum, -c 2)";
		memcpy(tcpcsum, th + 16, 2);
		th[16] = (uint8_t)~tcpcsum[0];
		th[17] = (uint8_t)(tcpcsum[1] ^ 0x01);
		return n;
	case 11: {
		*name = "ICMP cut after 4 bytes (trunc)";
		uint8_t q[28];
		size_t m;

		memcpy(q, ip, 28);
		m = pkt_build_icmp4(b, FMAX, ifi->mac, o->dmac, addr_ip4(o->sip), addr_ip4(o->dip),
		                    PKT_ICMP_UNREACH, 3, q, sizeof(q));
		(void)m;
		put16(ip + 2, 24);
		ip_csum(ip);
		return 14 + 24;
	}
	case 12: {
		static const uint8_t zero[6];

		*name = "ARP cut after its opcode (trunc)";
		(void)pkt_build_arp(b, FMAX, 1, ifi->mac, addr_ip4(o->sip), o->dmac, zero, addr_ip4(o->dip));
		return 14 + 8;
	}
	default:
		return 0;
	}
}
#define MALFORMED_KINDS 13

static int do_malformed(const struct opts *o)
{
	struct ifinfo ifi;
	uint8_t b[FMAX];
	unsigned long bad = 0, unsup = 0;
	unsigned long rounds = o->count ? o->count : 1;
	int fd;

	if (!o->have_dmac || o->sip == 0 || o->dip == 0 || o->dport == 0)
		usage("malformed needs -d MAC -S IP -D IP:PORT");
	fd = open_if(o->ifname, &ifi, 0);
	for (unsigned long r = 0; r < rounds; r++) {
		for (int k = 0; k < MALFORMED_KINDS; k++) {
			const char *name = "";
			size_t n;

			if ((k == 9 && o->csum < 1) || (k == 10 && o->csum < 2))
				continue;
			if (o->kind != NULL && atoi(o->kind) != k)
				continue;
			memset(b, 0, sizeof(b));
			n = malform(k, o, &ifi, b, &name);
			if (pktsock_send(fd, b, n) != 0) {
				fprintf(stderr, "hostile: sending '%s': %s\n", name, strerror(errno));
				return 1;
			}
			if (r == 0)
				printf("%zu bytes: %s\n", n, name);
			bad++;
		}
		/* An IPv6 frame: not ours, so not malformed either. */
		memset(b, 0, sizeof(b));
		memcpy(b, o->dmac, 6);
		memcpy(b + 6, ifi.mac, 6);
		put16(b + 12, PKT_ETHERTYPE_IPV6);
		b[14] = 0x60;
		b[20] = 59;              /* next header: none */
		b[21] = 64;
		if (pktsock_send(fd, b, 14 + 40) != 0) {
			perror("hostile: send");
			return 1;
		}
		unsup++;
	}
	printf("malformed %lu\nunsupported %lu\n", bad, unsup);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	const char *mode;
	int opt;

	if (argc < 2)
		usage("a mode is required");
	mode = argv[1];
	memset(&o, 0, sizeof(o));
	o.ms = 1000;
	o.gap = 1000;
	o.len = 42;
	o.csum = 2;
	optind = 2;
	while ((opt = getopt(argc, argv, "i:d:k:D:S:n:t:r:p:A:L:s:T:H:E:g:c:")) != -1) {
		switch (opt) {
		case 'i': o.ifname = optarg; break;
		case 'd': mac(optarg, o.dmac); o.have_dmac = 1; break;
		case 'k': o.kind = optarg; break;
		case 'D': ipport(optarg, &o.dip, &o.dport); break;
		case 'S': o.sip = ip4(optarg); break;
		case 'n': o.count = num(optarg, 100000000, "count"); break;
		case 't': o.ms = num(optarg, 600000, "duration"); break;
		case 'r': o.fps = num(optarg, 100000000, "rate"); break;
		case 'p': o.rport = (uint16_t)num(optarg, 65535, "port"); break;
		case 'A': o.delta = (uint32_t)num(optarg, UINT32_MAX, "delta"); o.have_delta = 1; break;
		case 'L': o.len = num(optarg, 200, "length"); break;
		case 's': o.spa = ip4(optarg); break;
		case 'T': o.tpa = ip4(optarg); break;
		case 'H': mac(optarg, o.sha); o.have_sha = 1; break;
		case 'E': mac(optarg, o.ethsrc); o.have_ethsrc = 1; break;
		case 'g': o.gap = num(optarg, 10000000, "gap"); break;
		case 'c': o.csum = num(optarg, 2, "checksum level"); break;
		default: usage("unknown option");
		}
	}
	if (optind != argc)
		usage("unexpected argument");
	if (o.ifname == NULL)
		usage("-i IF is required");
	if (strcmp(mode, "flood") == 0)
		return do_flood(&o);
	if (strcmp(mode, "react") == 0)
		return do_react(&o);
	if (strcmp(mode, "arp") == 0)
		return do_arp(&o);
	if (strcmp(mode, "malformed") == 0)
		return do_malformed(&o);
	usage("mode is flood, react, arp or malformed");
	return 2;
}
