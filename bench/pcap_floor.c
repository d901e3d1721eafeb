/*
 * pcap_floor: the floor tcpeek's file mode is measured against.  A bare
 * libpcap read loop with a callback that only touches the frame (so the
 * compiler cannot drop the read), timed with the monotonic clock.
 *
 *   pcap_floor FILE.pcap   prints "packets N seconds S pps R"
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct floor_acc {
	uint64_t packets;
	uint64_t sum;            /* a byte of every frame, printed to keep it live */
};

static void on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
	struct floor_acc *acc = (struct floor_acc *)(void *)arg;

	acc->packets++;
	if (h->caplen > 0)
		acc->sum += data[h->caplen - 1];
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct floor_acc acc = { 0, 0 };
	pcap_t *p;
	double t0, dt;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_floor FILE.pcap\n");
		return 64;
	}
	t0 = now_s();
	p = pcap_open_offline(argv[1], errbuf);
	if (p == NULL) {
		fprintf(stderr, "pcap_floor: %s: %s\n", argv[1], errbuf);
		return 1;
	}
	rc = pcap_dispatch(p, -1, on_packet, (u_char *)&acc);
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "pcap_floor: %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	dt = now_s() - t0;
	printf("packets %llu seconds %.6f pps %.0f check %llu\n",
	       (unsigned long long)acc.packets, dt, dt > 0 ? (double)acc.packets / dt : 0.0,
	       (unsigned long long)acc.sum);
	return 0;
}
