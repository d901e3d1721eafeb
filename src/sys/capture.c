/* libpcap adapter: live interface or saved file, see capture.h. */
#include "sys/capture.h"
#include "common/addr.h"

/* Longest a captured frame waits in a partly filled ring block. */
#define CAP_LIVE_TIMEOUT_MS 50

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define CAP_NAMELEN 256

struct cap {
	pcap_t *p;
	int is_file;
	int is_stream;               /* a file read through stream_read */
	int fd;
	int dlt;
	enum pkt_link link;
	uint64_t nread;              /* frames delivered (the file's "recv") */
	/* libpcap's counters are 32-bit: keep the last raw values and sum
	 * the differences so a long-running daemon does not see them wrap. */
	unsigned int last_recv, last_drop, last_ifdrop;
	struct cap_stats acc;
	char dltname[24];            /* for link types libpcap cannot name */
	char name[CAP_NAMELEN];      /* interface or file, for messages */
	/* for cap_dispatch's callback */
	cap_frame_fn fn;
	void *arg;
};

enum pkt_link cap_link_from_dlt(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return PKT_LINK_EN10MB;
	case DLT_RAW:          /* 12 on Linux; 14 on some BSDs; 101 in files */
	case 14:
	case 101:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
		return PKT_LINK_RAW;
	case DLT_LINUX_SLL:
		return PKT_LINK_SLL;
	case DLT_NULL:
		return PKT_LINK_NULL;
	case DLT_LOOP:         /* 108; 12 on OpenBSD, where 12 is not DLT_RAW */
		return PKT_LINK_LOOP;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
#else
	case 276:
#endif
		return PKT_LINK_SLL2;
	default:
		return 0;
	}
}

static struct cap *cap_wrap(pcap_t *p, int is_file, const char *name)
{
	struct cap *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->p = p;
	c->is_file = is_file;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->fd = -1;
	c->dlt = pcap_datalink(p);
	c->link = cap_link_from_dlt(c->dlt);
	snprintf(c->dltname, sizeof(c->dltname), "DLT %d", c->dlt);
	return c;
}

struct cap *cap_open_live(const struct cap_live_config *cfg, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	struct cap *c;
	long long bytes;
	int rc;

	/* In 64 bits: 2048 MiB in bytes is one more than an int holds, and
	 * libpcap silently ignores a size that is not positive. */
	if (cfg->buffer_mb < 1 || cfg->buffer_mb > CAP_BUFFER_MB_MAX) {
		snprintf(err, errlen, "%s: buffer of %d MiB is not in 1..%d", cfg->dev,
		         cfg->buffer_mb, CAP_BUFFER_MB_MAX);
		return NULL;
	}
	bytes = (long long)cfg->buffer_mb * 1024 * 1024;
	if (bytes > INT_MAX)
		bytes = INT_MAX;
	p = pcap_create(cfg->dev, ebuf);
	if (!p) {
		snprintf(err, errlen, "%s: %s", cfg->dev, ebuf);
		return NULL;
	}
	/* No immediate mode: on Linux it makes libpcap fall back to
	 * TPACKET_V2, whose ring has fixed slots as large as the snaplen
	 * (64 KiB with the default snaplen on an interface with offloads),
	 * so the default 2 MB buffer held ~32 frames and a SYN burst was
	 * mostly dropped.  Buffered mode uses TPACKET_V3, which packs frames
	 * by their captured length; the price is that a block is handed over
	 * when full or after CAP_LIVE_TIMEOUT_MS, which only delays the
	 * table lines and the socket's counts by that much.
	 *
	 * Settings before activation; each failure here is a programming or
	 * range error that libpcap reports in pcap_geterr. */
	if (pcap_set_snaplen(p, cfg->snaplen) != 0 ||
	    pcap_set_promisc(p, cfg->promisc ? 1 : 0) != 0 ||
	    pcap_set_buffer_size(p, (int)bytes) != 0 ||
	    pcap_set_timeout(p, CAP_LIVE_TIMEOUT_MS) != 0) {
		snprintf(err, errlen, "%s: %s", cfg->dev, pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	rc = pcap_activate(p);
	if (rc < 0) {
		const char *why = pcap_geterr(p);

		/* pcap_geterr is empty for some of the generic codes */
		if (!why || !*why || rc == PCAP_ERROR_NO_SUCH_DEVICE ||
		    rc == PCAP_ERROR_PERM_DENIED)
			why = rc == PCAP_ERROR_NO_SUCH_DEVICE ? "no such interface" :
			      rc == PCAP_ERROR_PERM_DENIED ? "permission denied (needs root or CAP_NET_RAW)" :
			      pcap_statustostr(rc);
		snprintf(err, errlen, "%s: %s", cfg->dev, why);
		pcap_close(p);
		return NULL;
	}
	if (pcap_setnonblock(p, 1, ebuf) != 0) {
		snprintf(err, errlen, "%s: %s", cfg->dev, ebuf);
		pcap_close(p);
		return NULL;
	}
	c = cap_wrap(p, 0, cfg->dev);
	if (!c) {
		snprintf(err, errlen, "%s: %s", cfg->dev, strerror(errno));
		pcap_close(p);
		return NULL;
	}
	c->fd = pcap_get_selectable_fd(p);
	if (c->fd < 0) {
		snprintf(err, errlen, "%s: no selectable descriptor", cfg->dev);
		cap_close(c);
		return NULL;
	}
	return c;
}

/* A stream input, read through stdio by libpcap: every read first asks
 * the wait function, so the caller decides how to spend idle time. */
struct cap_stream {
	int fd;
	cap_wait_fn wait;
	void *arg;
};

static ssize_t stream_read(void *cookie, char *buf, size_t size)
{
	struct cap_stream *s = cookie;

	for (;;) {
		ssize_t n;

		if (s->wait && s->wait(s->arg, s->fd) != 0) {
			errno = EINTR;
			return -1;
		}
		n = read(s->fd, buf, size);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			/* an inherited O_NONBLOCK descriptor, no wait function */
			struct pollfd pfd = { .fd = s->fd, .events = POLLIN };

			if (!s->wait)
				(void)poll(&pfd, 1, -1);
			continue;
		}
		if (errno != EINTR)
			return -1;
		/* interrupted: the wait function decides whether to go on */
		if (!s->wait)
			return -1;
	}
}

static int stream_close(void *cookie)
{
	struct cap_stream *s = cookie;
	int rc = close(s->fd);

	free(s);
	return rc;
}

/* Messages name the file; libpcap's already do for some errors. */
static void file_err(char *err, size_t errlen, const char *name, const char *why)
{
	if (strstr(why, name))
		snprintf(err, errlen, "%s", why);
	else
		snprintf(err, errlen, "%s: %s", name, why);
}

struct cap *cap_open_file(const char *path, cap_wait_fn wait, void *arg,
                          char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	const char *name = strcmp(path, "-") == 0 ? "standard input" : path;
	struct stat st;
	pcap_t *p;
	struct cap *c;
	FILE *fp;
	int fd, stream;

	/* O_NONBLOCK: opening a FIFO must not wait for its writer here. */
	if (strcmp(path, "-") == 0)
		fd = dup(STDIN_FILENO);
	else
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", name, strerror(EISDIR));
		close(fd);
		return NULL;
	}
	/* Our own description of the file: back to blocking reads.  A
	 * dup()ed standard input shares its flags with whoever gave it to
	 * us, so it is left as it is (stream_read copes with either). */
	if (strcmp(path, "-") != 0 &&
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		close(fd);
		return NULL;
	}
	stream = !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
	if (!stream) {
		fp = fdopen(fd, "rb");
	} else {
		static const cookie_io_functions_t io = {
			.read = stream_read, .close = stream_close,
		};
		struct cap_stream *s = calloc(1, sizeof(*s));

		fp = NULL;
		if (s) {
			s->fd = fd;
			s->wait = wait;
			s->arg = arg;
			fp = fopencookie(s, "rb", io);
			if (!fp)
				free(s);
		}
	}
	if (!fp) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		close(fd);
		return NULL;
	}
	p = pcap_fopen_offline(fp, ebuf);
	if (!p) {
		/* the header could not be read: libpcap left fp to us */
		file_err(err, errlen, name, ebuf);
		fclose(fp);
		return NULL;
	}
	c = cap_wrap(p, 1, name);
	if (!c) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		pcap_close(p);
		return NULL;
	}
	c->is_stream = stream;
	return c;
}

/* 2 for an interface with an IPv4 address, 1 with a global IPv6 one
 * only, 0 with neither (link-local IPv6 is on every interface, pseudo
 * devices such as nflog, dbus or usbmon carry no address at all). */
static int cap_addr_rank(const pcap_if_t *i)
{
	int rank = 0;
	struct addr a;

	for (const pcap_addr_t *pa = i->addresses; pa; pa = pa->next) {
		if (!pa->addr || addr_from_sockaddr(pa->addr, &a, NULL) != 0)
			continue;
		if (a.family == AF_INET)
			return 2;
		if (!addr_is_linklocal(&a))
			rank = 1;
	}
	return rank;
}

int cap_default_dev(char *dev, size_t devlen, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_if_t *all, *i;
	int rc = -1, best = 0, r;

	if (pcap_findalldevs(&all, ebuf) != 0) {
		snprintf(err, errlen, "listing interfaces: %s", ebuf);
		return -1;
	}
	/* the first one up, not loopback, with an IPv4 address; else the
	 * first with a global IPv6 address */
	for (i = all; i; i = i->next) {
		if (i->flags & PCAP_IF_LOOPBACK)
			continue;
		if (!(i->flags & PCAP_IF_UP) || strcmp(i->name, "any") == 0)
			continue;
		r = cap_addr_rank(i);
		if (r > best) {
			snprintf(dev, devlen, "%s", i->name);
			best = r;
			rc = 0;
			if (r == 2)
				break;
		}
	}
	if (rc != 0)
		snprintf(err, errlen, "no interface to capture on (name one with -i)");
	pcap_freealldevs(all);
	return rc;
}

void cap_close(struct cap *c)
{
	if (!c)
		return;
	pcap_close(c->p);
	free(c);
}

int cap_is_file(const struct cap *c)
{
	return c->is_file;
}

int cap_is_stream(const struct cap *c)
{
	return c->is_stream;
}

const char *cap_name(const struct cap *c)
{
	return c->name;
}

int cap_fd(const struct cap *c)
{
	return c->fd;
}

enum pkt_link cap_link(const struct cap *c)
{
	return c->link;
}

const char *cap_link_name(const struct cap *c)
{
	const char *s = pcap_datalink_val_to_name(c->dlt);

	return s ? s : c->dltname;
}

const char *cap_link_desc(const struct cap *c)
{
	const char *s = pcap_datalink_val_to_description(c->dlt);

	return s ? s : "unknown";
}

int cap_snaplen(const struct cap *c)
{
	return pcap_snapshot(c->p);
}

static void cap_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct cap *c = (struct cap *)(void *)user;
	struct cap_frame f = {
		.data = bytes,
		.caplen = h->caplen,
		.len = h->len,
		.ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec,
	};

	/* A negative tv_sec (corrupt file) must not turn into a huge time. */
	if (h->ts.tv_sec < 0)
		f.ts_us = 0;
	c->nread++;
	c->fn(c->arg, &f);
}

int cap_dispatch(struct cap *c, int max, cap_frame_fn fn, void *arg, char *err, size_t errlen)
{
	int n;

	c->fn = fn;
	c->arg = arg;
	errno = 0;
	n = pcap_dispatch(c->p, max, cap_cb, (u_char *)c);
	if (n == PCAP_ERROR_BREAK)
		return 0;
	if (n < 0) {
		int saved = errno;

		/* libpcap's read errors ("truncated dump file; ...") do not
		 * say which file or interface */
		file_err(err, errlen, c->name, pcap_geterr(c->p));
		errno = saved;
		return -1;
	}
	if (n == 0 && c->is_file)
		return -2;
	return n;
}

void cap_get_stats(struct cap *c, struct cap_stats *out)
{
	struct pcap_stat ps;

	if (c->is_file) {
		out->recv = c->nread;
		out->drop = 0;
		out->ifdrop = 0;
		return;
	}
	if (pcap_stats(c->p, &ps) == 0) {
		/* unsigned subtraction absorbs one wrap between two calls */
		c->acc.recv += (unsigned int)(ps.ps_recv - c->last_recv);
		c->acc.drop += (unsigned int)(ps.ps_drop - c->last_drop);
		c->acc.ifdrop += (unsigned int)(ps.ps_ifdrop - c->last_ifdrop);
		c->last_recv = ps.ps_recv;
		c->last_drop = ps.ps_drop;
		c->last_ifdrop = ps.ps_ifdrop;
	}
	*out = c->acc;
}
