/*
 * trk_bench: micro-benchmark of the handshake tracker on frames built in
 * memory (no file, no libpcap), so the figures are the engine's alone.
 *
 *   trk_bench [-n HANDSHAKES] [-s hs1k|hs400k|flood]...
 *
 * Scenarios:
 *   hs1k    N complete handshakes (SYN, SYN/ACK, ACK) interleaved so that
 *           about 1 000 are open at any time
 *   hs400k  the same with about 400 000 open
 *   flood   N SYNs from random sources, none answered
 * For each: packets/s of pkt_decode alone (the floor), of pkt_decode +
 * trk_packet, of pkt_decode + trk_packet_batch (bursts of 256, as tcpeek
 * gets them from pcap_dispatch), and of trk_packet alone on frames decoded
 * beforehand; the ratios of the two decode+track rates to the floor; peak
 * RSS.  The cap is the one tcpeek
 * uses by default (what fits in 128 MiB).  Frames are generated in chunks
 * outside the timed loops.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "net/pkt.h"
#include "peek/track.h"

#define CHUNK 65536
#define STRIDE 64
#define TMO_US (60ull * 1000000)
#define SRV_ADDR 0xc0a80001u     /* 192.168.0.1 */
#define SRV_PORT 80

enum scen { HS1K, HS400K, FLOOD };
static const char *const scen_name[] = { "hs1k", "hs400k", "flood" };

static const uint8_t MAC_C[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MAC_S[6] = { 0x02, 0, 0, 0, 0, 0x02 };

/* The packet stream of a scenario, produced in order, chunk by chunk. */
struct gen {
	enum scen sc;
	uint64_t n;              /* handshakes or SYNs */
	uint64_t lag;            /* steps between a SYN and its answer */
	uint64_t step;           /* handshake scenarios: next step */
	int sub;                 /* packet within the step: 0 SYN, 1 S/A, 2 ACK */
	uint64_t rnd;            /* flood: xorshift state */
	uint64_t sent;
};

static uint32_t mix32(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint32_t)x;
}

static void gen_init(struct gen *g, enum scen sc, uint64_t n)
{
	memset(g, 0, sizeof(*g));
	g->sc = sc;
	g->n = n;
	g->lag = sc == HS1K ? 1000 : 400000;
	g->rnd = 0x2545f4914f6cdd1dull;
}

static uint64_t gen_total(const struct gen *g)
{
	return g->sc == FLOOD ? g->n : 3 * g->n;
}

/* Distinct client endpoint per handshake j. */
static void hs_client(uint64_t j, uint32_t *addr, uint16_t *port)
{
	*addr = 0x0a000000u + (uint32_t)(j >> 14);
	*port = (uint16_t)(1024 + (j & 16383));
}

/* Write the next frame; 0 at the end of the stream. */
static size_t gen_next(struct gen *g, uint8_t *buf)
{
	struct pkt_tcp_spec s = { .win = 65535 };
	uint32_t ca;
	uint16_t cp;

	if (g->sent >= gen_total(g))
		return 0;
	if (g->sc == FLOOD) {
		g->rnd ^= g->rnd << 13, g->rnd ^= g->rnd >> 7, g->rnd ^= g->rnd << 17;
		s.smac = MAC_C, s.dmac = MAC_S;
		s.src = addr_ip4((uint32_t)g->rnd);
		s.sport = (uint16_t)(g->rnd >> 32) | 1024;
		s.dst = addr_ip4(SRV_ADDR), s.dport = SRV_PORT;
		s.seq = (uint32_t)(g->rnd >> 16);
		s.flags = PKT_TH_SYN, s.mss = 1460;
		g->sent++;
		return pkt_build_tcp(buf, STRIDE, &s);
	}
	for (;;) {
		uint64_t i = g->step;
		int sub = g->sub;

		if (++g->sub == 3) {
			g->sub = 0;
			g->step++;
		}
		if (sub == 0) {
			if (i >= g->n)
				continue;
			hs_client(i, &ca, &cp);
			s.smac = MAC_C, s.dmac = MAC_S;
			s.src = addr_ip4(ca), s.sport = cp, s.dst = addr_ip4(SRV_ADDR), s.dport = SRV_PORT;
			s.seq = mix32(i), s.flags = PKT_TH_SYN, s.mss = 1460;
		} else {
			uint64_t j;

			if (i < g->lag)
				continue;
			j = i - g->lag;
			hs_client(j, &ca, &cp);
			if (sub == 1) {
				s.smac = MAC_S, s.dmac = MAC_C;
				s.src = addr_ip4(SRV_ADDR), s.sport = SRV_PORT, s.dst = addr_ip4(ca), s.dport = cp;
				s.seq = mix32(j + 0x100000000ull), s.ack = mix32(j) + 1;
				s.flags = PKT_TH_SYN | PKT_TH_ACK, s.mss = 1460;
			} else {
				s.smac = MAC_C, s.dmac = MAC_S;
				s.src = addr_ip4(ca), s.sport = cp, s.dst = addr_ip4(SRV_ADDR), s.dport = SRV_PORT;
				s.seq = mix32(j) + 1, s.ack = mix32(j + 0x100000000ull) + 1;
				s.flags = PKT_TH_ACK;
			}
		}
		g->sent++;
		return pkt_build_tcp(buf, STRIDE, &s);
	}
}

struct counts {
	uint64_t result[TRK_ABORT + 1];
};

static uint64_t cb_classify(void *arg, const struct addr *ca, uint16_t cp, const struct addr *sa,
                            uint16_t sp)
{
	(void)arg, (void)ca, (void)cp, (void)sa, (void)sp;
	return 1;
}

static void cb_done(void *arg, const struct trk_event *ev)
{
	((struct counts *)arg)->result[ev->result]++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long rss_peak_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

enum mode { DECODE, DECODE_TRACK, DECODE_BATCH, TRACK };

/* Frames handed to trk_packet_batch at once, as tcpeek's pcap_dispatch. */
#define BURST 256

struct pass {
	double secs;
	uint64_t pkts;
	struct counts c;
	struct trk_stats st;
};

static volatile uint64_t sink;

static int run_pass(enum scen sc, uint64_t n, enum mode mode, uint8_t *frames,
                    size_t *lens, struct pkt_frame *dec, struct pass *out)
{
	struct trk_config cfg = { .timeout_us = TMO_US, .icmp = 0 };
	struct trk_ops ops = { cb_classify, cb_done, NULL };
	struct trk *t = NULL;
	struct gen g;
	uint64_t ts = 1000000;
	uint64_t acc = 0;

	memset(out, 0, sizeof(*out));
	cfg.max_sessions = (uint32_t)((128u << 20) / trk_session_size());
	if (mode != DECODE) {
		t = trk_new(&cfg, &ops, &out->c);
		if (!t) {
			fprintf(stderr, "trk_bench: trk_new: %s\n", strerror(errno));
			return -1;
		}
	}
	gen_init(&g, sc, n);
	for (;;) {
		size_t k, m = 0;
		double t0;

		while (m < CHUNK && (lens[m] = gen_next(&g, frames + m * STRIDE)) != 0)
			m++;
		if (m == 0)
			break;
		if (mode == TRACK) {
			for (k = 0; k < m; k++)
				pkt_decode(PKT_LINK_EN10MB, frames + k * STRIDE, lens[k],
				           PKT_CSUM_NONE, &dec[k]);
		}
		t0 = now_s();
		switch (mode) {
		case DECODE:
			for (k = 0; k < m; k++) {
				struct pkt_frame f;

				if (pkt_decode(PKT_LINK_EN10MB, frames + k * STRIDE, lens[k],
				               PKT_CSUM_NONE, &f) == PKT_OK)
					acc += f.tcp.seq;
			}
			break;
		case DECODE_TRACK:
			for (k = 0; k < m; k++) {
				struct pkt_frame f;

				if (pkt_decode(PKT_LINK_EN10MB, frames + k * STRIDE, lens[k],
				               PKT_CSUM_NONE, &f) == PKT_OK)
					trk_packet(t, &f, ts + k);
			}
			break;
		case DECODE_BATCH:
			for (k = 0; k < m; k += BURST) {
				size_t b = m - k < BURST ? m - k : BURST;
				uint64_t bts[BURST];

				for (size_t j = 0; j < b; j++) {
					if (pkt_decode(PKT_LINK_EN10MB, frames + (k + j) * STRIDE,
					               lens[k + j], PKT_CSUM_NONE, &dec[j]) != PKT_OK)
						dec[j].has_tcp = dec[j].has_icmp = 0;
					bts[j] = ts + k + j;
				}
				trk_packet_batch(t, dec, bts, b);
			}
			break;
		case TRACK:
			for (k = 0; k < m; k++)
				trk_packet(t, &dec[k], ts + k);
			break;
		}
		out->secs += now_s() - t0;
		out->pkts += m;
		ts += m;
	}
	sink = acc;
	if (t) {
		trk_get_stats(t, &out->st);
		trk_free(t);
	}
	return 0;
}

static void usage(FILE *fp)
{
	fprintf(fp, "usage: trk_bench [-n HANDSHAKES] [-s hs1k|hs400k|flood]...\n");
}

int main(int argc, char **argv)
{
	uint64_t n = 1000000;
	int want[3] = { 0, 0, 0 }, any = 0, c;
	uint8_t *frames;
	size_t *lens;
	struct pkt_frame *dec;

	while ((c = getopt(argc, argv, "n:s:h")) != -1) {
		char *end;
		int i;

		switch (c) {
		case 'n':
			errno = 0;
			n = strtoull(optarg, &end, 10);
			if (errno || *end || n == 0 || n > 100000000) {
				fprintf(stderr, "trk_bench: bad -n '%s' (1..100000000)\n", optarg);
				return 64;
			}
			break;
		case 's':
			for (i = 0; i < 3 && strcmp(optarg, scen_name[i]); i++)
				;
			if (i == 3) {
				fprintf(stderr, "trk_bench: unknown scenario '%s'\n", optarg);
				return 64;
			}
			want[i] = any = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "trk_bench: unexpected argument '%s'\n", argv[optind]);
		return 64;
	}
	if (!any)
		want[0] = want[1] = want[2] = 1;
	frames = malloc((size_t)CHUNK * STRIDE);
	lens = malloc(CHUNK * sizeof(*lens));
	dec = malloc(CHUNK * sizeof(*dec));
	if (!frames || !lens || !dec) {
		fprintf(stderr, "trk_bench: out of memory\n");
		return 1;
	}
	printf("trk_bench: %llu handshakes/SYNs a scenario, session %zu bytes, cap %u\n",
	       (unsigned long long)n, trk_session_size(),
	       (unsigned)((128u << 20) / trk_session_size()));
	printf("%-7s %9s %9s %9s %9s %9s %6s %6s %8s %8s %7s %6s\n", "scen", "packets",
	       "decode/s", "dec+trk/s", "dec+bat/s", "trk/s", "ratio", "ratioB",
	       "success", "peak", "mem MB", "rss MB");
	for (int s = 0; s < 3; s++) {
		struct pass fl, dt, db, tr;

		if (!want[s])
			continue;
		if (run_pass((enum scen)s, n, DECODE, frames, lens, dec, &fl) < 0 ||
		    run_pass((enum scen)s, n, DECODE_TRACK, frames, lens, dec, &dt) < 0 ||
		    run_pass((enum scen)s, n, DECODE_BATCH, frames, lens, dec, &db) < 0 ||
		    run_pass((enum scen)s, n, TRACK, frames, lens, dec, &tr) < 0)
			return 1;
		if (db.c.result[TRK_SUCCESS] != dt.c.result[TRK_SUCCESS] || db.st.peak != dt.st.peak) {
			fprintf(stderr, "trk_bench: %s: batch and single-frame runs disagree\n",
			        scen_name[s]);
			return 1;
		}
		printf("%-7s %9llu %8.2fM %8.2fM %8.2fM %8.2fM %6.2f %6.2f %8llu %8llu %7.1f %6ld\n",
		       scen_name[s], (unsigned long long)dt.pkts,
		       fl.pkts / fl.secs / 1e6, dt.pkts / dt.secs / 1e6, db.pkts / db.secs / 1e6,
		       tr.pkts / tr.secs / 1e6, (dt.pkts / dt.secs) / (fl.pkts / fl.secs),
		       (db.pkts / db.secs) / (fl.pkts / fl.secs),
		       (unsigned long long)dt.c.result[TRK_SUCCESS],
		       (unsigned long long)dt.st.peak, dt.st.memory_bytes / 1048576.0, rss_peak_mb());
		fflush(stdout);
	}
	free(frames);
	free(lens);
	free(dec);
	return 0;
}
