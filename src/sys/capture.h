/*
 * Packet capture through libpcap: a live interface (non-blocking, with a
 * descriptor to poll) or a saved file (pcap or pcapng).  The rest of the
 * program sees frames as (bytes, caplen, wire length, timestamp in µs)
 * and the link type as the codec's enum pkt_link.
 */
#ifndef SYNSCOPE_SYS_CAPTURE_H
#define SYNSCOPE_SYS_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "net/pkt.h"

#define CAP_ERRLEN 512

struct cap;

struct cap_live_config {
	const char *dev;         /* interface name, "any" for all */
	int snaplen;             /* bytes kept of each frame */
	int promisc;             /* put the interface in promiscuous mode */
	int buffer_mb;           /* kernel ring / buffer size in MiB */
};

/* The most -B may ask for: libpcap takes the size in bytes as an int, and
 * 2048 MiB is passed as INT_MAX bytes (libpcap rounds the ring up to whole
 * blocks, so it is still 2 GiB). */
#define CAP_BUFFER_MB_MAX 2048

/* Open a live capture; NULL with a one-line reason in err (naming the
 * interface) on failure.  The capture is non-blocking and buffered (see
 * capture.c); buffer_mb must be 1..CAP_BUFFER_MB_MAX. */
struct cap *cap_open_live(const struct cap_live_config *cfg, char *err, size_t errlen);

/*
 * Called before every read of a stream input (a pipe, FIFO, socket or
 * terminal): wait until fd is readable, doing other work meanwhile.
 * Return 0 to read, -1 to give up: the read then fails with EINTR, and so
 * does the open or cap_dispatch that was reading.
 */
typedef int (*cap_wait_fn)(void *arg, int fd);

/*
 * Open a saved capture (pcap or pcapng; "-" is standard input).  A regular
 * file is read through libpcap's own buffered reader.  Any other input is
 * read only after wait (if not NULL) says it is readable, so a reader that
 * is idle between two packets never sits in a blocking read; opening a
 * FIFO does not wait for its writer (the first read does).
 */
struct cap *cap_open_file(const char *path, cap_wait_fn wait, void *arg,
                          char *err, size_t errlen);

void cap_close(struct cap *c);

/* The interface to capture on when none is named: the first one libpcap
 * lists that is up and not a loopback.  0, or -1 with err filled. */
int cap_default_dev(char *dev, size_t devlen, char *err, size_t errlen);

/* 1 for a file capture, 0 for a live one. */
int cap_is_file(const struct cap *c);

/* 1 for a file capture read from a stream (see cap_open_file). */
int cap_is_stream(const struct cap *c);

/* The interface, the file's path, or "standard input": for messages. */
const char *cap_name(const struct cap *c);

/* The descriptor to poll for POLLIN (live), -1 for a file. */
int cap_fd(const struct cap *c);

/* The codec's link type, or 0 when libpcap's link type is not one the
 * codec decodes. */
enum pkt_link cap_link(const struct cap *c);

/* libpcap's name and description of the link type ("EN10MB",
 * "Ethernet"), never NULL. */
const char *cap_link_name(const struct cap *c);
const char *cap_link_desc(const struct cap *c);

/* The snapshot length in effect (the file's for a saved capture). */
int cap_snaplen(const struct cap *c);

/* One frame handed to the callback. */
struct cap_frame {
	const uint8_t *data;
	size_t caplen;           /* bytes in data */
	size_t len;              /* bytes on the wire */
	uint64_t ts_us;          /* capture timestamp, µs since the epoch */
};
typedef void (*cap_frame_fn)(void *arg, const struct cap_frame *f);

/*
 * Deliver at most max frames that are ready.  Returns how many were
 * delivered (0: nothing ready now, live), -2 at the end of a file, or -1
 * on a capture error (err filled, naming the interface or file), which
 * is also what a stream's wait function giving up ends in.
 */
int cap_dispatch(struct cap *c, int max, cap_frame_fn fn, void *arg, char *err, size_t errlen);

struct cap_stats {
	uint64_t recv, drop, ifdrop;
};

/* libpcap's counters for a live capture (kept monotonic across libpcap's
 * 32-bit wrap-around); for a file: frames read, 0, 0. */
void cap_get_stats(struct cap *c, struct cap_stats *out);

/* Map a libpcap DLT value to the codec's link type (0 if unsupported). */
enum pkt_link cap_link_from_dlt(int dlt);

#endif
