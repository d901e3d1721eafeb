#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#define STMT(c, k) ((struct sock_filter)BPF_STMT((c), (k)))
#define JUMP(c, k, t, f) ((struct sock_filter)BPF_JUMP((c), (k), (t), (f)))

unsigned short pktsock_check_filter(struct sock_filter *out, uint32_t our_ip,
                                    uint32_t vip, uint16_t port, uint16_t sport)
{
	/* Offsets are for untagged Ethernet: the kernel moves a VLAN tag to
	 * the packet metadata before AF_PACKET filters run.  Jump targets are
	 * relative: ACCEPT is instruction 21, REJECT 22.  ARP is kept to
	 * replies addressed to OUR_IP: requests are broadcast to everyone,
	 * and a storm of them must not fill the socket's queue ahead of the
	 * one reply the check waits for. */
	const struct sock_filter prog[PKTSOCK_CHECK_LEN] = {
		/*  0 */ STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		/*  1 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_ARP, 15, 0),
		/*  2 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 19),
		/*  3 */ STMT(BPF_LD | BPF_W | BPF_ABS, 30),
		/*  4 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, our_ip, 0, 17),
		/*  5 */ STMT(BPF_LD | BPF_B | BPF_ABS, 23),
		/*  6 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMP, 14, 0),
		/*  7 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 14),
		/*  8 */ STMT(BPF_LD | BPF_W | BPF_ABS, 26),
		/*  9 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, vip, 0, 12),
		/* 10 */ STMT(BPF_LD | BPF_H | BPF_ABS, 20),
		/* 11 */ JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 10, 0),
		/* 12 */ STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		/* 13 */ STMT(BPF_LD | BPF_H | BPF_IND, 14),
		/* 14 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 7),
		/* 15 */ STMT(BPF_LD | BPF_H | BPF_IND, 16),
		/* 16 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, sport, 4, 5),
		/* 17 */ STMT(BPF_LD | BPF_H | BPF_ABS, 20),      /* ARP opcode */
		/* 18 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 3),
		/* 19 */ STMT(BPF_LD | BPF_W | BPF_ABS, 38),      /* target IP */
		/* 20 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, our_ip, 0, 1),
		/* 21 */ STMT(BPF_RET | BPF_K, 0x40000),
		/* 22 */ STMT(BPF_RET | BPF_K, 0),
	};

	memcpy(out, prog, sizeof(prog));
	return PKTSOCK_CHECK_LEN;
}

unsigned short pktsock_engine_filter(struct sock_filter *out, uint32_t our_ip)
{
	/* ACCEPT is instruction 14, REJECT 15; offsets as above. */
	const struct sock_filter prog[PKTSOCK_ENGINE_LEN] = {
		/*  0 */ STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		/*  1 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_ARP, 8, 0),
		/*  2 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 12),
		/*  3 */ STMT(BPF_LD | BPF_W | BPF_ABS, 30),
		/*  4 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, our_ip, 0, 10),
		/*  5 */ STMT(BPF_LD | BPF_B | BPF_ABS, 23),
		/*  6 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMP, 7, 0),
		/*  7 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 7),
		/*  8 */ STMT(BPF_LD | BPF_H | BPF_ABS, 20),
		/*  9 */ JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 5, 4),
		/* 10 */ STMT(BPF_LD | BPF_H | BPF_ABS, 20),      /* ARP opcode */
		/* 11 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 3),
		/* 12 */ STMT(BPF_LD | BPF_W | BPF_ABS, 38),      /* target IP */
		/* 13 */ JUMP(BPF_JMP | BPF_JEQ | BPF_K, our_ip, 0, 1),
		/* 14 */ STMT(BPF_RET | BPF_K, 0x40000),
		/* 15 */ STMT(BPF_RET | BPF_K, 0),
	};

	memcpy(out, prog, sizeof(prog));
	return PKTSOCK_ENGINE_LEN;
}
