/* The check state machine over IPv6, in the style of test_check.c: the
 * Neighbor Solicitation it sends, the Neighbor Advertisements it takes
 * and those it refuses (hop limit, solicited flag, target, destination,
 * link-layer address), the handshake, ICMPv6 unreachable, and the verbose
 * lines.  Neighbour discovery and ICMPv6 frames are written out byte by
 * byte here, so the fixtures do not lean on the codec under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "check/chk.h"
#include "common/parse.h"
#include "net/pkt.h"

static const uint8_t OUR_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t RS_MAC[6] = { 0x02, 0, 0, 0, 0, 0x42 };
static const uint8_t OTHER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x99 };
#define OUR "2001:db8::1"
#define RS "2001:db8::42"
#define VIP "2001:db8::100"
#define OTHER "2001:db8::99"
#define PORT 80
#define SPORT 40000
#define ISN 0xfffffff0u
#define SRV_ISN 5000000u
#define TMO 500000u

#define NA_R 0x80
#define NA_S 0x40
#define NA_O 0x20

static struct chk c;
static struct chk_out out;
static uint8_t fb[256];

static struct addr a6(const char *s)
{
	struct addr a;

	assert_int_equal(parse_addr(s, strlen(s), PARSE_IP6, &a), 0);
	return a;
}

static struct chk_config config(void)
{
	struct chk_config cfg = {
		.our = a6(OUR), .rs = a6(RS), .vip = a6(VIP), .port = PORT,
		.sport = SPORT, .isn = ISN, .ip_id = 77, .mss = 1440, .timeout_us = TMO,
	};

	memcpy(cfg.our_mac, OUR_MAC, 6);
	return cfg;
}

static struct pkt_frame sent(int i)
{
	struct pkt_frame f;

	assert_true(i < out.ntx);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, out.tx[i].buf, out.tx[i].len,
	                            PKT_CSUM_IP_TCP, &f), PKT_OK);
	return f;
}

/* Ethernet + IPv6 header from SRC to DST, next header NH, hop limit HLIM,
 * then L4 (LEN bytes) whose checksum, at CSUM_OFF, is computed here. */
static size_t ip6_frame(const uint8_t *smac, const uint8_t *dmac, const char *src,
                        const char *dst, uint8_t nh, uint8_t hlim, uint8_t *l4, size_t len,
                        size_t csum_off)
{
	struct addr s = a6(src), d = a6(dst);
	uint8_t pseudo[40];
	uint32_t sum;
	uint16_t ck;

	memcpy(fb, dmac, 6);
	memcpy(fb + 6, smac, 6);
	fb[12] = 0x86;
	fb[13] = 0xdd;
	memset(fb + 14, 0, 40);
	fb[14] = 0x60;
	fb[18] = (uint8_t)(len >> 8);
	fb[19] = (uint8_t)len;
	fb[20] = nh;
	fb[21] = hlim;
	memcpy(fb + 22, s.u.b, 16);
	memcpy(fb + 38, d.u.b, 16);
	memset(pseudo, 0, sizeof(pseudo));
	pseudo[34] = (uint8_t)(len >> 8);
	pseudo[35] = (uint8_t)len;
	pseudo[39] = nh;
	l4[csum_off] = l4[csum_off + 1] = 0;
	sum = pkt_csum_add(0, s.u.b, 16);
	sum = pkt_csum_add(sum, d.u.b, 16);
	sum = pkt_csum_add(sum, pseudo + 32, 8);
	sum = pkt_csum_add(sum, l4, len);
	ck = pkt_csum_fold(sum);
	l4[csum_off] = (uint8_t)(ck >> 8);
	l4[csum_off + 1] = (uint8_t)ck;
	memcpy(fb + 54, l4, len);
	return 54 + len;
}

/* A Neighbor Advertisement put on the wire by ETHSRC for TARGET to DST,
 * with hop limit HLIM and FLAGS; TLLA (NULL: no option) as its target
 * link-layer address. */
static size_t na(const uint8_t *ethsrc, const char *target, const char *dst, uint8_t hlim,
                 uint8_t flags, const uint8_t *tlla)
{
	uint8_t m[32];
	struct addr t = a6(target);
	size_t len = 24;

	memset(m, 0, sizeof(m));
	m[0] = 136;
	m[4] = flags;
	memcpy(m + 8, t.u.b, 16);
	if (tlla != NULL) {
		m[24] = 2;
		m[25] = 1;
		memcpy(m + 26, tlla, 6);
		len = 32;
	}
	return ip6_frame(ethsrc, OUR_MAC, target, dst, 58, hlim, m, len, 2);
}

static size_t good_na(void)
{
	return na(RS_MAC, RS, OUR, 255, NA_S | NA_O, RS_MAC);
}

static size_t srv(uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct pkt_tcp_spec s = {
		.smac = RS_MAC, .dmac = OUR_MAC, .src = a6(VIP), .dst = a6(OUR),
		.sport = PORT, .dport = SPORT, .seq = seq, .ack = ack, .flags = flags,
		.win = 65160,
	};

	return pkt_build_tcp(fb, sizeof(fb), &s);
}

/* An ICMPv6 destination unreachable (CODE) from the real server quoting
 * a SYN from OUR:SPORT to VIP:DPORT with sequence number SEQ. */
static size_t unreach(uint8_t code, uint16_t dport, uint32_t seq)
{
	uint8_t m[8 + 40 + 20];
	struct addr o = a6(OUR), v = a6(VIP);

	memset(m, 0, sizeof(m));
	m[0] = 1;
	m[1] = code;
	m[8] = 0x60;
	m[8 + 5] = 20;
	m[8 + 6] = 6;
	m[8 + 7] = 64;
	memcpy(m + 16, o.u.b, 16);
	memcpy(m + 32, v.u.b, 16);
	m[48] = SPORT >> 8;
	m[49] = SPORT & 0xff;
	m[50] = (uint8_t)(dport >> 8);
	m[51] = (uint8_t)dport;
	m[52] = (uint8_t)(seq >> 24);
	m[53] = (uint8_t)(seq >> 16);
	m[54] = (uint8_t)(seq >> 8);
	m[55] = (uint8_t)seq;
	m[60] = 5 << 4;
	m[61] = PKT_TH_SYN;
	return ip6_frame(RS_MAC, OUR_MAC, RS, OUR, 58, 64, m, sizeof(m), 2);
}

static void feed(size_t n, uint64_t now)
{
	assert_true(n > 0);
	chk_on_frame(&c, fb, n, now, &out);
}

static void assert_reason(const char *want)
{
	char got[CHK_REASON_MAX];

	assert_string_equal(chk_fmt_reason(got, sizeof(got), &c), want);
}

static void assert_tcp_sent(int i, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct pkt_frame f = sent(i);
	struct addr o = a6(OUR), v = a6(VIP);

	assert_true(f.has_tcp);
	assert_memory_equal(f.eth.src, OUR_MAC, 6);
	assert_memory_equal(f.eth.dst, RS_MAC, 6);
	assert_true(addr_eq(&f.ip.src, &o));
	assert_true(addr_eq(&f.ip.dst, &v));
	assert_int_equal(f.tcp.sport, SPORT);
	assert_int_equal(f.tcp.dport, PORT);
	assert_int_equal(f.tcp.flags, flags);
	assert_int_equal(f.tcp.seq, seq);
	assert_int_equal(f.tcp.ack, ack);
}

static void to_syn_sent(const struct chk_config *cfg)
{
	chk_start(&c, cfg, 0, &out);
	assert_int_equal(out.ntx, 1);
	feed(good_na(), 1000);
	assert_true(out.accepted);
	assert_int_equal(c.state, CHK_ST_SYN_SENT);
	assert_int_equal(out.ntx, 1);
}

/* The solicitation: to the real server's solicited-node group, hop
 * limit 255, our MAC as source link-layer address. */
static void test_ns_sent(void **state)
{
	static const uint8_t group_mac[6] = { 0x33, 0x33, 0xff, 0x00, 0x00, 0x42 };
	struct chk_config cfg = config();
	struct addr o = a6(OUR), rs = a6(RS), group = a6("ff02::1:ff00:42");
	struct pkt_frame f;

	(void)state;
	chk_start(&c, &cfg, 0, &out);
	assert_int_equal(out.ntx, 1);
	f = sent(0);
	assert_true(f.has_nbr);
	assert_int_equal(f.nbr.op, PKT_NBR_REQUEST);
	assert_true(addr_eq(&f.nbr.spa, &o));
	assert_true(addr_eq(&f.nbr.tpa, &rs));
	assert_true(f.has_ip);
	assert_true(addr_eq(&f.ip.dst, &group));
	assert_int_equal(f.nbr.hlim, 255);
	assert_true(f.nbr.has_sha);
	assert_memory_equal(f.nbr.sha, OUR_MAC, 6);
	assert_memory_equal(f.eth.dst, group_mac, 6);
	assert_memory_equal(f.eth.src, OUR_MAC, 6);
	/* resent with the ARP backoff */
	chk_on_tick(&c, 125000, &out);
	assert_int_equal(out.ntx, 1);
	assert_int_equal(sent(0).nbr.op, PKT_NBR_REQUEST);
}

/* Each advertisement that must not resolve the real server, then the
 * one that does. */
static void test_na_validation(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	chk_start(&c, &cfg, 0, &out);
	feed(na(RS_MAC, RS, OUR, 64, NA_S, RS_MAC), 10);
	assert_false(out.accepted);
	assert_true(out.is_arp);
	assert_string_equal(out.ignored, "Neighbor Advertisement with hop limit 64, not 255");
	feed(na(RS_MAC, RS, OUR, 255, NA_O, RS_MAC), 20);
	assert_false(out.accepted);
	assert_string_equal(out.ignored, "unsolicited Neighbor Advertisement");
	feed(na(OTHER_MAC, OTHER, OUR, 255, NA_S, OTHER_MAC), 30);
	assert_false(out.accepted);
	assert_string_equal(out.ignored,
	                    "Neighbor Advertisement for 2001:db8::99, not the real server");
	feed(na(RS_MAC, RS, OTHER, 255, NA_S, RS_MAC), 40);
	assert_false(out.accepted);
	assert_string_equal(out.ignored, "Neighbor Advertisement to 2001:db8::99, not our address");
	feed(na(OTHER_MAC, RS, OUR, 255, NA_S, RS_MAC), 50);
	assert_false(out.accepted);
	assert_string_equal(out.ignored, "Neighbor Advertisement whose Ethernet source differs "
	                    "from its target link-layer address");
	/* sent to another MAC than ours */
	na(RS_MAC, RS, OUR, 255, NA_S, RS_MAC);
	memcpy(fb, OTHER_MAC, 6);
	feed(54 + 32, 60);
	assert_false(out.accepted);
	assert_string_equal(out.ignored, "Neighbor Advertisement not sent to our MAC");
	/* a solicitation is not an answer */
	feed(ip6_frame(RS_MAC, OUR_MAC, RS, OUR, 58, 255,
	               (uint8_t[24]){ 135, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	                              0, 0, 0, 0, 0, 0, 0, 1 }, 24, 2), 70);
	assert_false(out.accepted);
	assert_string_equal(out.ignored, "Neighbor Solicitation, not an advertisement");
	assert_int_equal(c.state, CHK_ST_ARP);
	assert_int_equal(out.ntx, 0);
	feed(good_na(), 80);
	assert_true(out.accepted);
	assert_int_equal(c.state, CHK_ST_SYN_SENT);
	assert_memory_equal(c.rs_mac, RS_MAC, 6);
	/* and once resolved, a late advertisement changes nothing */
	feed(na(OTHER_MAC, RS, OUR, 255, NA_S, OTHER_MAC), 90);
	assert_false(out.accepted);
	assert_memory_equal(c.rs_mac, RS_MAC, 6);
}

/* Without a target link-layer address option, the frame's Ethernet
 * source is the real server's MAC. */
static void test_na_no_lladdr(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	chk_start(&c, &cfg, 0, &out);
	feed(na(RS_MAC, RS, OUR, 255, NA_S, NULL), 10);
	assert_true(out.accepted);
	assert_int_equal(c.state, CHK_ST_SYN_SENT);
	assert_memory_equal(c.rs_mac, RS_MAC, 6);
	assert_tcp_sent(0, PKT_TH_SYN, ISN, 0);
}

/* ARP (the other family's neighbour protocol) does not resolve an IPv6
 * real server. */
static void test_arp_in_ipv6_check(void **state)
{
	struct chk_config cfg = config();
	size_t n;

	(void)state;
	chk_start(&c, &cfg, 0, &out);
	n = pkt_build_arp(fb, sizeof(fb), 2, RS_MAC, addr_ip4(0x0a00002a), OUR_MAC, OUR_MAC,
	                  addr_ip4(0x0a000001));
	feed(n, 10);
	assert_false(out.accepted);
	assert_int_equal(c.state, CHK_ST_ARP);
}

static void test_success(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	to_syn_sent(&cfg);
	assert_tcp_sent(0, PKT_TH_SYN, ISN, 0);
	assert_int_equal(sent(0).tcp.mss, 1440);
	/* a wrong acknowledgement first: stale or forged */
	feed(srv(PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN), 1500);
	assert_false(out.accepted);
	feed(srv(PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1), 1800);
	assert_true(out.accepted);
	assert_int_equal(out.ntx, 2);
	assert_tcp_sent(0, PKT_TH_ACK, ISN + 1, SRV_ISN + 1);
	assert_tcp_sent(1, PKT_TH_RST | PKT_TH_ACK, ISN + 1, SRV_ISN + 1);
	assert_int_equal(c.outcome, CHK_OUT_SYNACK);
	assert_int_equal(c.reply.ttl, 64);
	assert_reason("SYN/ACK received");
}

static void test_refused_and_timeouts(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	to_syn_sent(&cfg);
	feed(srv(PKT_TH_RST | PKT_TH_ACK, 0, ISN + 1), 1500);
	assert_true(out.accepted);
	assert_int_equal(c.outcome, CHK_OUT_REFUSED);
	chk_start(&c, &cfg, 0, &out);
	chk_on_tick(&c, TMO, &out);
	assert_int_equal(c.outcome, CHK_OUT_TIMEOUT_ARP);
	assert_reason("timeout after 500 ms waiting for Neighbor Advertisement");
	to_syn_sent(&cfg);
	chk_on_tick(&c, 1000 + TMO, &out);
	assert_int_equal(c.outcome, CHK_OUT_TIMEOUT_SYNACK);
}

static void test_icmp6_unreachable(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	to_syn_sent(&cfg);
	feed(unreach(4, PORT + 1, ISN), 1200);     /* another connection's */
	assert_false(out.accepted);
	assert_string_equal(out.ignored, "ICMPv6 unreachable does not quote our SYN");
	feed(unreach(4, PORT, ISN + 9), 1300);
	assert_false(out.accepted);
	feed(unreach(4, PORT, ISN), 1400);
	assert_true(out.accepted);
	assert_int_equal(c.outcome, CHK_OUT_ICMP_UNREACH);
	assert_int_equal(c.icmp_type, 1);
	assert_int_equal(c.icmp_code, 4);
	assert_reason("ICMPv6 destination unreachable: port unreachable (type 1 code 4)");
	assert_string_equal(chk_unreach6_str(1), "communication administratively prohibited");
	assert_string_equal(chk_unreach6_str(200), "unknown code");
}

/* A reply of the other family never counts, whatever it says. */
static void test_ipv4_in_ipv6_check(void **state)
{
	struct chk_config cfg = config();
	struct pkt_tcp_spec s = {
		.smac = RS_MAC, .dmac = OUR_MAC, .src = addr_ip4(0x0a000064),
		.dst = addr_ip4(0x0a000001), .sport = PORT, .dport = SPORT, .seq = SRV_ISN,
		.ack = ISN + 1, .flags = PKT_TH_SYN | PKT_TH_ACK, .win = 1000,
	};

	(void)state;
	to_syn_sent(&cfg);
	feed(pkt_build_tcp(fb, sizeof(fb), &s), 1500);
	assert_false(out.accepted);
	assert_string_equal(out.ignored, "IPv4 packet while the check is over IPv6");
}

static void test_wrong_mac(void **state)
{
	struct chk_config cfg = config();
	size_t n;

	(void)state;
	to_syn_sent(&cfg);
	n = srv(PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1);
	memcpy(fb + 6, OTHER_MAC, 6);
	fb[21] = 63;
	feed(n, 1500);
	assert_false(out.accepted);
	chk_on_tick(&c, 1000 + TMO, &out);
	assert_int_equal(c.outcome, CHK_OUT_WRONG_MAC);
	assert_reason("timeout after 500 ms waiting for SYN/ACK: the SYN/ACK came from MAC "
	              "02:00:00:00:00:99, not the real server's 02:00:00:00:00:42 (hop limit 63)");
}

static void test_fmt_frame(void **state)
{
	struct pkt_frame f;
	char line[256];
	size_t n;

	(void)state;
	n = srv(PKT_TH_SYN | PKT_TH_ACK, 987654321, 123456790);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, fb, n, PKT_CSUM_NONE, &f), PKT_OK);
	assert_string_equal(chk_fmt_frame(line, sizeof(line), &f),
	                    "(02:00:00:00:00:42) [2001:db8::100]:80 > [2001:db8::1]:40000 "
	                    "(02:00:00:00:00:01) Flags [S.], seq 987654321, ack 123456790");
	n = good_na();
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, fb, n, PKT_CSUM_NONE, &f), PKT_OK);
	assert_string_equal(chk_fmt_frame(line, sizeof(line), &f),
	                    "(02:00:00:00:00:42) 2001:db8::42 Neighbor Advertisement to 2001:db8::1 "
	                    "(02:00:00:00:00:01)");
	n = unreach(4, PORT, ISN);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, fb, n, PKT_CSUM_NONE, &f), PKT_OK);
	assert_string_equal(chk_fmt_frame(line, sizeof(line), &f),
	                    "(02:00:00:00:00:42) 2001:db8::42 > 2001:db8::1 (02:00:00:00:00:01) "
	                    "ICMPv6 type 1 code 4, quoting [2001:db8::1]:40000 > "
	                    "[2001:db8::100]:80 seq 4294967280");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ns_sent),
		cmocka_unit_test(test_na_validation),
		cmocka_unit_test(test_na_no_lladdr),
		cmocka_unit_test(test_arp_in_ipv6_check),
		cmocka_unit_test(test_success),
		cmocka_unit_test(test_refused_and_timeouts),
		cmocka_unit_test(test_icmp6_unreachable),
		cmocka_unit_test(test_ipv4_in_ipv6_check),
		cmocka_unit_test(test_wrong_mac),
		cmocka_unit_test(test_fmt_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
