/*
 * check_floor: the least a raw LVS-DR check can do, as the benchmark's
 * reference.  Same packet socket, same kernel filter, one ARP exchange,
 * SYN -> SYN/ACK -> ACK + RST, nothing else: no option parsing, no name
 * resolution, no validation beyond the filter, no output.
 *
 *   check_floor IFACE REAL_SERVER_IP VIRTUAL_IP PORT      (exit 0 on SYN/ACK)
 *   CHECK_FLOOR_SYNC_CLOSE=1 check_floor ...   the same with a plain close()
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "net/pkt.h"
#include "sys/ifinfo.h"
#include "sys/pktsock.h"

static uint32_t ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		exit(2);
	return ntohl(a.s_addr);
}

/* Next frame, waiting up to a second; decoded into F. */
static int next(int fd, uint8_t *buf, size_t cap, struct pkt_frame *f)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		ssize_t n = pktsock_recv(fd, buf, cap);

		if (n < 0)
			return -1;
		if (n > 0 && pkt_decode(PKT_LINK_EN10MB, buf, (size_t)n, PKT_CSUM_NONE, f) == PKT_OK)
			return 0;
		if (n == 0 && poll(&p, 1, 1000) <= 0)
			return -1;
	}
}

int main(int argc, char **argv)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6];
	struct ifinfo ifi;
	struct pktsock_filter flt;
	struct addr va;
	struct pkt_frame f;
	struct pkt_tcp_spec s;
	uint8_t buf[2048], out[128], rs_mac[6];
	uint32_t rs, vip, rnd[2];
	uint16_t port, sport;
	size_t n;
	int fd;

	if (argc != 5 || ifinfo_get(argv[1], &ifi) != IFINFO_OK)
		return 2;
	rs = ip(argv[2]);
	vip = ip(argv[3]);
	port = (uint16_t)atoi(argv[4]);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return 1;
	sport = (uint16_t)(1024 + rnd[0] % 64512);
	va = addr_ip4(vip);
	if (pktsock_check_filter(&flt, &ifi.ip4, &va, port, sport) != 0)
		return 1;
	fd = pktsock_open(ifi.index, flt.prog, flt.len);
	pktsock_filter_free(&flt);
	if (fd < 0)
		return 1;
	n = pkt_build_arp(out, sizeof(out), 1, ifi.mac, ifi.ip4, bcast, zero, addr_ip4(rs));
	if (pktsock_send(fd, out, n) != 0)
		return 1;
	do {
		if (next(fd, buf, sizeof(buf), &f) != 0)
			return 1;
	} while (!f.has_nbr || f.nbr.op != 2 || addr_get_ip4(&f.nbr.spa) != rs);
	memcpy(rs_mac, f.nbr.sha, 6);
	memset(&s, 0, sizeof(s));
	s.smac = ifi.mac;
	s.dmac = rs_mac;
	s.src = ifi.ip4;
	s.dst = va;
	s.sport = sport;
	s.dport = port;
	s.seq = rnd[1];
	s.flags = PKT_TH_SYN;
	s.win = 64240;
	s.mss = (uint16_t)(ifi.mtu - 40);
	n = pkt_build_tcp(out, sizeof(out), &s);
	if (pktsock_send(fd, out, n) != 0)
		return 1;
	do {
		if (next(fd, buf, sizeof(buf), &f) != 0)
			return 1;
	} while (!f.has_tcp || f.tcp.flags != (PKT_TH_SYN | PKT_TH_ACK));
	s.seq = rnd[1] + 1;
	s.ack = f.tcp.seq + 1;
	s.mss = 0;
	s.flags = PKT_TH_ACK;
	n = pkt_build_tcp(out, sizeof(out), &s);
	if (pktsock_send(fd, out, n) != 0)
		return 1;
	s.flags = PKT_TH_RST | PKT_TH_ACK;
	n = pkt_build_tcp(out, sizeof(out), &s);
	if (pktsock_send(fd, out, n) != 0)
		return 1;
	/* Same release as check_tcp_raw; CHECK_FLOOR_SYNC_CLOSE=1 measures the
	 * plain close (an RCU grace period in the kernel) for comparison. */
	if (getenv("CHECK_FLOOR_SYNC_CLOSE") != NULL)
		close(fd);
	else
		pktsock_close_deferred(fd);
	return 0;
}
