#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/pktsock.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

int pktsock_open(int ifindex, const struct sock_filter *prog, unsigned short len)
{
	struct sockaddr_ll sll;
	int fd, one = 1, saved;

	/* Protocol 0: the socket receives nothing until bind() names a
	 * protocol, i.e. after the filter is in place. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (prog != NULL) {
		struct sock_fprog fp = { .len = len, .filter = (struct sock_filter *)prog };

		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) != 0)
			goto fail;
	}
	/* Old kernels lack it; pktsock_recv also checks sll_pkttype. */
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int pktsock_send(int fd, const void *frame, size_t len)
{
	ssize_t n;

	do
		n = send(fd, frame, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

ssize_t pktsock_recv(int fd, void *buf, size_t cap)
{
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	do
		n = recvfrom(fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	if (from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	return n;
}

/* Close every descriptor but A and B (A < B). */
static void close_all_but(int a, int b)
{
	if (a > 0)
		close_range(0, (unsigned)a - 1, 0);
	if (b > a + 1)
		close_range((unsigned)a + 1, (unsigned)b - 1, 0);
	close_range((unsigned)b + 1, UINT_MAX, 0);
}

void pktsock_close_deferred(int fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) != 0) {
		close(fd);
		return;
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		close(fd);
		return;
	}
	if (pid == 0) {
		close(p[1]);
		if (fd < p[0])
			close_all_but(fd, p[0]);
		else
			close_all_but(p[0], fd);
		/* EOF once the parent dropped its reference: ours is the last. */
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		close(fd);
		_exit(0);
	}
	close(p[0]);
	close(fd);
	close(p[1]);
}

/*
 * The filters as text.  libpcap's primitives are exact for what we ask:
 * "tcp src port" on IPv4 also tests that the packet is a first fragment
 * and follows the IHL; "arp dst host" reads the ARP target protocol
 * address; opcode 2 is a reply.  ARP is kept to replies addressed to us:
 * requests are broadcast to everyone, and a storm of them must not fill
 * the socket's queue ahead of the one reply the check waits for.
 *
 * IPv6: libpcap's "tcp", "icmp6" and port primitives read the next-header
 * field of the fixed header and the transport header at a fixed 40 bytes,
 * so a segment behind a hop-by-hop, routing, fragment or destination
 * options header would not match them (classic BPF cannot walk a chain of
 * any length).  Such packets to our address are rare and legitimate, so
 * rather than losing them we let them through (ip6[6] names the first
 * extension header) and the codec, which walks the chain through its
 * bounded cursor, and the state machine judge them like any other.  Other
 * ICMPv6 (echo, router advertisements, our own kernel's neighbour
 * discovery chatter) stays in the kernel: only destination unreachable
 * (type 1) and Neighbor Advertisements (type 136) matter to the check.
 */
#define IP6_EXT_FIRST "ip6[6] = 0 or ip6[6] = 43 or ip6[6] = 44 or ip6[6] = 60"
#define ICMP6_WANTED "icmp6 and (icmp6[icmp6type] = icmp6-destinationunreach or " \
	"icmp6[icmp6type] = icmp6-neighboradvert)"

static int compile(struct pktsock_filter *f)
{
	struct bpf_program bp;
	pcap_t *p;
	int rc = -1;

	f->prog = NULL;
	f->len = 0;
	f->err[0] = '\0';
	/* The snapshot length is what a match returns: whole frames. */
	p = pcap_open_dead(DLT_EN10MB, 0x40000);
	if (p == NULL) {
		snprintf(f->err, sizeof(f->err), "libpcap: cannot open a dead handle");
		return -1;
	}
	if (pcap_compile(p, &bp, f->expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(f->err, sizeof(f->err), "libpcap cannot compile it: %s", pcap_geterr(p));
		goto out;
	}
	/* struct bpf_insn and struct sock_filter are the same classic BPF
	 * instruction (code, jt, jf, k); copied field by field all the same. */
	if (bp.bf_len == 0 || bp.bf_len > BPF_MAXINSNS ||
	    (f->prog = calloc(bp.bf_len, sizeof(*f->prog))) == NULL) {
		snprintf(f->err, sizeof(f->err), "%u instructions: more than the kernel takes",
		         bp.bf_len);
		pcap_freecode(&bp);
		goto out;
	}
	for (u_int i = 0; i < bp.bf_len; i++) {
		f->prog[i].code = bp.bf_insns[i].code;
		f->prog[i].jt = bp.bf_insns[i].jt;
		f->prog[i].jf = bp.bf_insns[i].jf;
		f->prog[i].k = bp.bf_insns[i].k;
	}
	f->len = (unsigned short)bp.bf_len;
	pcap_freecode(&bp);
	rc = 0;
out:
	pcap_close(p);
	return rc;
}

/* Write the expression; -1 (F->err set) if it does not fit. */
static int expr(struct pktsock_filter *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int expr(struct pktsock_filter *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	f->prog = NULL;
	f->len = 0;
	va_start(ap, fmt);
	n = vsnprintf(f->expr, sizeof(f->expr), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(f->expr)) {
		snprintf(f->err, sizeof(f->err), "filter expression too long");
		return -1;
	}
	return 0;
}

int pktsock_check_filter(struct pktsock_filter *f, const struct addr *our,
                         const struct addr *vip, uint16_t port, uint16_t sport)
{
	char o[ADDR_STRLEN], v[ADDR_STRLEN];
	int rc;

	memset(f, 0, sizeof(*f));
	if (our->family != vip->family || addr_bytes(our->family) == 0) {
		snprintf(f->err, sizeof(f->err), "source %s and virtual IP %s are not of one family",
		         addr_fmt(o, our), addr_fmt(v, vip));
		return -1;
	}
	addr_fmt(o, our);
	addr_fmt(v, vip);
	if (our->family == AF_INET)
		rc = expr(f, "(arp[6:2] = 2 and arp dst host %s) or (ip dst host %s and "
		          "((ip src host %s and tcp src port %u and tcp dst port %u) or icmp))",
		          o, o, v, port, sport);
	else
		rc = expr(f, "ip6 dst host %s and ((ip6 src host %s and tcp src port %u and "
		          "tcp dst port %u) or (" ICMP6_WANTED ") or " IP6_EXT_FIRST ")",
		          o, v, port, sport);
	return rc == 0 ? compile(f) : -1;
}

/* One address's part of the engine's filter. */
static int engine_clause(char *buf, size_t cap, const struct addr *our)
{
	char o[ADDR_STRLEN];
	int n;

	addr_fmt(o, our);
	if (our->family == AF_INET)
		n = snprintf(buf, cap, "(arp[6:2] = 2 and arp dst host %s) or (ip dst host %s and "
		             "((tcp and ip[6:2] & 0x1fff = 0) or icmp))", o, o);
	else if (our->family == AF_INET6)
		n = snprintf(buf, cap, "(ip6 dst host %s and (tcp or (" ICMP6_WANTED ") or "
		             IP6_EXT_FIRST "))", o);
	else
		return -1;
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int pktsock_engine_filter(struct pktsock_filter *f, const struct addr *our, size_t n)
{
	char all[PKTSOCK_EXPR_MAX];
	size_t len = 0;
	int w;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		if (!addr_is_set(&our[i]))
			continue;
		if (len > 0) {
			if (len + 4 >= sizeof(all))
				goto long_;
			memcpy(all + len, " or ", 5);
			len += 4;
		}
		w = engine_clause(all + len, sizeof(all) - len, &our[i]);
		if (w < 0)
			goto long_;
		len += (size_t)w;
	}
	if (len == 0) {
		snprintf(f->err, sizeof(f->err), "no source address for the filter");
		return -1;
	}
	return expr(f, "%s", all) == 0 ? compile(f) : -1;
long_:
	snprintf(f->err, sizeof(f->err), "filter expression longer than %d bytes",
	         PKTSOCK_EXPR_MAX - 1);
	return -1;
}

void pktsock_filter_free(struct pktsock_filter *f)
{
	free(f->prog);
	f->prog = NULL;
	f->len = 0;
}
