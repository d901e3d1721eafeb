/* tcpeek's table and summary: see output.h. */
#include "peek/output.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "common/addr.h"

const char *out_result_str(enum trk_result r)
{
	switch (r) {
	case TRK_SUCCESS: return "     success     ";
	case TRK_REJECT:  return "failure (reject) ";
	case TRK_TIMEOUT: return "failure (timeout)";
	case TRK_UNREACH: return "failure (unreach)";
	case TRK_ABORT:   return "     abort       ";
	}
	return "     unknown     ";
}

/* Local time of a µs timestamp: the table's short form (YY-MM-DD, as
 * the original printed it) or the summary's long one (YYYY-MM-DD). */
static void fmt_time(char *buf, size_t len, int long_year, uint64_t us)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;
	int year;

	if (!localtime_r(&t, &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	year = tm.tm_year + 1900;
	snprintf(buf, len, "%0*d-%02d-%02d %02d:%02d:%02d",
	         long_year ? 4 : 2, long_year ? year : year % 100,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void out_header(FILE *f, int is_file, const char *source, const char *link_name,
                const char *link_desc, int snaplen)
{
	fprintf(f, "%s %s, link-type %s (%s), capture size %d bytes\n\n",
	        is_file ? "reading from file" : "listening on", source,
	        link_name, link_desc, snaplen);
}

void out_table_header(FILE *f)
{
	static const char dashes[OUT_TABLE_WIDTH + 1] =
		"------------------------------------------------------------"
		"----------------------------------------------------------";

	fputs(" TIME(s) |       TIMESTAMP       |      SRC IP:PORT            DST IP:PORT     |      RESULTS      | DUP SYN  DUP S/A\n", f);
	fputs(dashes, f);
	fputc('\n', f);
}

/* An address for the table's SRC/DST columns, and the column's width:
 * 15 for a 4-byte address (the original's, byte for byte), 41 for a
 * longer one, bracketed as in [2001:db8::1]:80 (39 characters and the
 * brackets; the rare longer form with a dotted tail widens its line). */
static int table_addr(char out[ADDR_STRLEN + 2], const struct addr *a)
{
	char s[ADDR_STRLEN];

	if (addr_bytes(a->family) <= 4) {
		snprintf(out, ADDR_STRLEN + 2, "%s", addr_fmt(s, a));
		return 15;
	}
	snprintf(out, ADDR_STRLEN + 2, "[%s]", addr_fmt(s, a));
	return 41;
}

void out_table_line(FILE *f, const struct trk_event *ev)
{
	char ts[96], cli[ADDR_STRLEN + 2], srv[ADDR_STRLEN + 2];
	uint64_t dur = ev->end_us >= ev->start_us ? ev->end_us - ev->start_us : 0;
	int cw = table_addr(cli, &ev->cli_addr), sw = table_addr(srv, &ev->srv_addr);

	fmt_time(ts, sizeof(ts) - 4, 0, ev->start_us);
	snprintf(ts + strlen(ts), 5, ".%03u", (unsigned)(ev->start_us / 1000u % 1000u));
	fprintf(f, " %7.3f | %s | %*s:%-5u %*s:%-5u | %s | %7u  %7u \n",
	        (double)dur / 1e6, ts,
	        cw, cli, (unsigned)ev->cli_port,
	        sw, srv, (unsigned)ev->srv_port,
	        out_result_str(ev->result), (unsigned)ev->dupsyn, (unsigned)ev->dupsynack);
}

static double ms(uint64_t us)
{
	return (double)us / 1000.0;
}

void out_summary(FILE *f, const struct out_time *tm, const struct out_filter *flt, int n,
                 uint64_t recv, uint64_t drop, uint64_t ifdrop)
{
	char from[96], to[96];
	uint64_t span = tm->to_us >= tm->from_us ? tm->to_us - tm->from_us : 0;

	fmt_time(from, sizeof(from), 1, tm->from_us);
	fmt_time(to, sizeof(to), 1, tm->to_us);
	fputs("========== TCPEEK SUMMARY ==========\n", f);
	fprintf(f, "     from : %s\n", from);
	fprintf(f, "       to : %s\n", to);
	fprintf(f, "     time : %13.3f (sec)\n", (double)span / 1e6);
	if (tm->jumps)
		fprintf(f, "    jumps : %" PRIu64 " timestamp(s) off by more than the timeout\n",
		        tm->jumps);
	for (int i = 0; i < n; i++) {
		const struct stat_counts *c = flt[i].c;
		const struct hist *h = &c->hs;

		fputs("------------------------------------\n", f);
		fprintf(f, " %s\n", flt[i].name);
		fprintf(f, "   Success: %" PRIu64 " session\n", c->success);
		fprintf(f, "     SYN Segment Duplicate : %6" PRIu64 "\n", c->success_dupsyn);
		fprintf(f, "     S/A Segment Duplicate : %6" PRIu64 "\n", c->success_dupsynack);
		fprintf(f, "   Failure: %" PRIu64 " session\n", stat_failures(c));
		fprintf(f, "     Connection Timed Out  : %6" PRIu64 "\n", c->timeout);
		fprintf(f, "     Connection Rejected   : %6" PRIu64 "\n", c->reject);
		fprintf(f, "     ICMP Unreachable      : %6" PRIu64 "\n", c->unreach);
		fprintf(f, "   Aborted: %" PRIu64 " session\n", c->abort);
		fprintf(f, "   Open: %" PRIu64 " session\n", flt[i].open);
		fprintf(f, "   Untracked: %" PRIu64 " session\n", c->untracked);
		fprintf(f, "   Handshake (ms): p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
		        ms(hist_quantile(h, 0.50)), ms(hist_quantile(h, 0.90)),
		        ms(hist_quantile(h, 0.99)), ms(h->max));
		if (flt[i].conn) {
			const struct stat_conn *k = flt[i].conn;

			fprintf(f, "   Connections ended: %" PRIu64 " (open %" PRIu64
			        ", not followed %" PRIu64 ")\n", k->count, flt[i].conn_open, k->overflow);
			fprintf(f, "     FIN on both sides     : %6" PRIu64 "\n", k->fin);
			fprintf(f, "     Reset by client       : %6" PRIu64 " before data, %" PRIu64
			        " after\n", k->reset[0][0], k->reset[0][1]);
			fprintf(f, "     Reset by server       : %6" PRIu64 " before data, %" PRIu64
			        " after\n", k->reset[1][0], k->reset[1][1]);
			fprintf(f, "     Keepalive death       : %6" PRIu64 "\n", k->keepalive);
			fprintf(f, "     Half-open             : %6" PRIu64 "\n", k->half_open);
			fprintf(f, "     Idle                  : %6" PRIu64 "\n", k->idle);
			fprintf(f, "     Keepalive probes      : %6" PRIu64 " (%" PRIu64 " unanswered)\n",
			        k->probes, k->unanswered);
			fprintf(f, "     Mean duration (sec)   : %10.3f\n",
			        k->count ? (double)k->sum_us / 1e6 / (double)k->count : 0.0);
		}
	}
	if (tm->events) {
		fputs("------------------------------------\n", f);
		fputs(" events\n", f);
		fprintf(f, "   written : %" PRIu64 "\n", tm->ev_written);
		fprintf(f, "   dropped : %" PRIu64 "\n", tm->ev_dropped);
		fprintf(f, "   pending : %" PRIu64 "\n", tm->ev_pending);
	}
	/* the original's closing part, in its layout */
	fputs("------------------------------------\n", f);
	fputs(" pcap stats\n", f);
	fprintf(f, "   recv   : %" PRIu64 "\n", recv);
	fprintf(f, "   drop   : %" PRIu64 "\n", drop);
	fprintf(f, "   ifdrop : %" PRIu64 "\n", ifdrop);
	fputs("====================================\n", f);
}
