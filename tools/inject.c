/*
 * inject: forge Ethernet/IPv4/TCP (or ARP) frames for the namespace tests.
 * Frames are built with the codec's builders and sent over an AF_PACKET
 * socket on one interface, for a given time.  Test tool only.
 *
 *   inject -i IF -d MAC -S IP:PORT -D IP:PORT -f FLAGS -q SEQ -a ACK [-t MS] [-g US]
 *       send that segment every US microseconds (default 1000) for MS ms
 *   inject -i IF -r PORT -f FLAGS (-a ACK | -A DELTA) [-t MS]
 *       react: answer every SYN to PORT seen on IF with a forged segment
 *       from its destination to its source, ack = ACK or SYN seq + DELTA
 *   inject -i IF -d MAC -D IP:PORT -F [-t MS] [-g US]
 *       flood MAC with ARP replies "10.255.255.254 is at <our MAC>" to IP
 * Exits 0 after MS ms (default 1000), 2 on bad arguments, 1 on errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/pkt.h"
#include "sys/clock.h"
#include "sys/ifinfo.h"
#include "sys/pktsock.h"

static void usage(const char *why)
{
	fprintf(stderr, "inject: %s\n"
	        "usage: inject -i IF -d MAC -S IP:PORT -D IP:PORT -f FLAGS -q SEQ -a ACK [-t MS] [-g US]\n"
	        "       inject -i IF -r PORT -f FLAGS (-a ACK | -A DELTA) [-t MS]\n"
	        "       inject -i IF -d MAC -D IP:PORT -F [-t MS] [-g US]\n", why);
	exit(2);
}

static unsigned long num(const char *s, unsigned long max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0' || v > max) {
		fprintf(stderr, "inject: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static void ipport(const char *s, struct addr *ip, uint16_t *port)
{
	char buf[64];
	char *colon;
	struct in_addr a;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strrchr(buf, ':');
	if (colon == NULL)
		usage("expected IP:PORT");
	*colon = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		usage("bad IPv4 address");
	*ip = addr_ip4(ntohl(a.s_addr));
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

static uint8_t flags(const char *s)
{
	uint8_t f = 0;

	for (; *s; s++) {
		switch (*s) {
		case 'S': f |= PKT_TH_SYN; break;
		case 'A': f |= PKT_TH_ACK; break;
		case 'R': f |= PKT_TH_RST; break;
		case 'F': f |= PKT_TH_FIN; break;
		case 'P': f |= PKT_TH_PUSH; break;
		default: usage("flags are letters of SARFP");
		}
	}
	return f;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL;
	struct ifinfo ifi;
	struct pkt_tcp_spec s;
	uint8_t dmac[6] = { 0 }, frame[256], rx[2048];
	int have_dmac = 0, react = 0, arpflood = 0, have_ack = 0, have_delta = 0, fd, opt;
	uint16_t rport = 0;
	uint32_t ack = 0, delta = 0;
	unsigned long ms = 1000, gap = 1000, sent = 0;
	uint64_t end, next;

	memset(&s, 0, sizeof(s));
	s.win = 65160;
	while ((opt = getopt(argc, argv, "i:d:S:D:f:q:a:A:r:t:g:F")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'd': mac(optarg, dmac); have_dmac = 1; break;
		case 'S': ipport(optarg, &s.src, &s.sport); break;
		case 'D': ipport(optarg, &s.dst, &s.dport); break;
		case 'f': s.flags = flags(optarg); break;
		case 'q': s.seq = (uint32_t)num(optarg, UINT32_MAX, "seq"); break;
		case 'a': ack = (uint32_t)num(optarg, UINT32_MAX, "ack"); have_ack = 1; break;
		case 'A': delta = (uint32_t)num(optarg, UINT32_MAX, "delta"); have_delta = 1; break;
		case 'r': rport = (uint16_t)num(optarg, 65535, "port"); react = 1; break;
		case 't': ms = num(optarg, 600000, "duration"); break;
		case 'g': gap = num(optarg, 10000000, "gap"); break;
		case 'F': arpflood = 1; break;
		default: usage("unknown option");
		}
	}
	if (ifname == NULL)
		usage("-i IF is required");
	if (react && !have_ack && !have_delta)
		usage("-r needs -a ACK or -A DELTA");
	if (!react && !have_dmac)
		usage("-d MAC is required");
	if (arpflood && !addr_is_set(&s.dst))
		usage("-F needs -D IP:PORT (the replies' target)");
	if (ifinfo_get(ifname, &ifi) != IFINFO_OK) {
		fprintf(stderr, "inject: interface '%s' unusable\n", ifname);
		return 1;
	}
	fd = pktsock_open(ifi.index, NULL, 0);
	if (fd < 0) {
		perror("inject: packet socket");
		return 1;
	}
	s.smac = ifi.mac;
	s.dmac = dmac;
	s.ack = ack;
	end = clock_mono_us() + ms * 1000u;
	next = clock_mono_us();
	while (clock_mono_us() < end) {
		uint64_t now = clock_mono_us();
		size_t n;

		if (react) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			struct pkt_frame f;
			ssize_t got;

			(void)poll(&p, 1, (int)((end - now) / 1000) + 1);
			while ((got = pktsock_recv(fd, rx, sizeof(rx))) > 0) {
				if (pkt_decode(PKT_LINK_EN10MB, rx, (size_t)got, PKT_CSUM_NONE, &f) != PKT_OK ||
				    !f.has_tcp || f.tcp.flags != PKT_TH_SYN || f.tcp.dport != rport)
					continue;
				memcpy(dmac, f.eth.src, 6);
				s.src = addr_ip4(addr_get_ip4(&f.ip.dst));
				s.dst = addr_ip4(addr_get_ip4(&f.ip.src));
				s.sport = f.tcp.dport;
				s.dport = f.tcp.sport;
				s.seq = 0x5eed0000u + (uint32_t)sent;
				s.ack = have_ack ? ack : f.tcp.seq + delta;
				n = pkt_build_tcp(frame, sizeof(frame), &s);
				if (pktsock_send(fd, frame, n) == 0)
					sent++;
			}
			continue;
		}
		if (now < next) {
			uint64_t w = next - now;

			usleep((useconds_t)w);
			continue;
		}
		next += gap;
		if (arpflood) {
			static const uint8_t zero[6];

			/* replies to the -D address, from an address nobody
			 * has: they pass the check's kernel filter */
			n = pkt_build_arp(frame, sizeof(frame), 2, ifi.mac, addr_ip4(0x0afffffeu), dmac, zero,
			                  s.dst);
		} else {
			n = pkt_build_tcp(frame, sizeof(frame), &s);
		}
		if (pktsock_send(fd, frame, n) != 0) {
			perror("inject: send");
			return 1;
		}
		sent++;
	}
	fprintf(stderr, "inject: %lu frames sent\n", sent);
	close(fd);
	return 0;
}
