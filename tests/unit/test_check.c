/* The check state machine, driven by frames built with the packet codec's
 * builders and by fake time (microseconds from 0).  No sockets, no clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "check/chk.h"
#include "check/opts.h"
#include "net/pkt.h"

static const uint8_t OUR_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t RS_MAC[6] = { 0x02, 0, 0, 0, 0, 0x42 };
static const uint8_t OTHER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x99 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
#define OUR_IP 0x0a000001u
#define RS_IP 0x0a00002au
#define VIP 0x0a000064u
#define PORT 80
#define SPORT 40000
#define ISN 0xfffffff0u      /* close to wrap: sequence arithmetic must wrap */
#define SRV_ISN 5000000u
#define TMO 500000u          /* 500 ms */

static struct chk c;
static struct chk_out out;
static uint8_t fb[256];

static struct chk_config config(void)
{
	struct chk_config cfg = {
		.our = addr_ip4(OUR_IP), .rs = addr_ip4(RS_IP), .vip = addr_ip4(VIP), .port = PORT,
		.sport = SPORT, .isn = ISN, .ip_id = 77, .mss = 1460,
		.timeout_us = TMO,
	};

	memcpy(cfg.our_mac, OUR_MAC, 6);
	return cfg;
}

/* Decode the I-th frame the machine asked us to send. */
static struct pkt_frame sent(int i)
{
	struct pkt_frame f;

	assert_true(i < out.ntx);
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, out.tx[i].buf, out.tx[i].len,
	                            PKT_CSUM_IP_TCP, &f), PKT_OK);
	return f;
}

static void assert_tcp_sent(int i, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct pkt_frame f = sent(i);

	assert_true(f.has_tcp);
	assert_memory_equal(f.eth.src, OUR_MAC, 6);
	assert_memory_equal(f.eth.dst, RS_MAC, 6);
	assert_int_equal(addr_get_ip4(&f.ip.src), OUR_IP);
	assert_int_equal(addr_get_ip4(&f.ip.dst), VIP);
	assert_int_equal(f.tcp.sport, SPORT);
	assert_int_equal(f.tcp.dport, PORT);
	assert_int_equal(f.tcp.flags, flags);
	assert_int_equal(f.tcp.seq, seq);
	assert_int_equal(f.tcp.ack, ack);
}

static size_t arp_frame(uint16_t op, const uint8_t *ethsrc, const uint8_t *sha,
                        uint32_t spa, const uint8_t *ethdst, uint32_t tpa)
{
	size_t n = pkt_build_arp(fb, sizeof(fb), op, sha, addr_ip4(spa), ethdst, OUR_MAC, addr_ip4(tpa));

	memcpy(fb + 6, ethsrc, 6);   /* Ethernet source may differ from sha */
	return n;
}

static size_t good_arp_reply(void)
{
	return arp_frame(2, RS_MAC, RS_MAC, RS_IP, OUR_MAC, OUR_IP);
}

static size_t tcp_frame(uint32_t src, uint16_t sport, uint16_t dport, uint8_t flags,
                        uint32_t seq, uint32_t ack, size_t paylen)
{
	static const uint8_t data[64] = "hello";
	struct pkt_tcp_spec s = {
		.smac = RS_MAC, .dmac = OUR_MAC, .src = addr_ip4(src), .dst = addr_ip4(OUR_IP),
		.sport = sport, .dport = dport, .seq = seq, .ack = ack, .flags = flags,
		.win = 65160, .payload = data, .paylen = paylen,
	};

	return pkt_build_tcp(fb, sizeof(fb), &s);
}

static size_t srv(uint8_t flags, uint32_t seq, uint32_t ack)
{
	return tcp_frame(VIP, PORT, SPORT, flags, seq, ack, 0);
}

/* A segment of our connection put on the wire by MAC, with TTL. */
static size_t srv_from(const uint8_t *mac, uint8_t ttl, uint8_t flags, uint32_t seq,
                       uint32_t ack)
{
	struct pkt_tcp_spec s = {
		.smac = mac, .dmac = OUR_MAC, .src = addr_ip4(VIP), .dst = addr_ip4(OUR_IP),
		.sport = PORT, .dport = SPORT, .seq = seq, .ack = ack, .flags = flags,
		.win = 65160, .ttl = ttl,
	};

	return pkt_build_tcp(fb, sizeof(fb), &s);
}

static void feed(size_t n, uint64_t now)
{
	assert_true(n > 0);
	chk_on_frame(&c, fb, n, now, &out);
}

/* The finished check's reason in words. */
static void assert_reason(const char *want)
{
	char got[CHK_REASON_MAX];

	assert_string_equal(chk_fmt_reason(got, sizeof(got), &c), want);
}

/* Start and resolve the MAC at t = 1000: the SYN goes out then. */
static void to_syn_sent(const struct chk_config *cfg)
{
	chk_start(&c, cfg, 0, &out);
	assert_int_equal(out.ntx, 1);
	feed(good_arp_reply(), 1000);
	assert_true(out.accepted);
	assert_int_equal(c.state, CHK_ST_SYN_SENT);
	assert_int_equal(out.ntx, 1);
}

static void test_arp_request(void **state)
{
	struct chk_config cfg = config();
	struct pkt_frame f;

	(void)state;
	chk_start(&c, &cfg, 0, &out);
	assert_int_equal(out.ntx, 1);
	f = sent(0);
	assert_true(f.has_nbr);
	assert_int_equal(f.nbr.op, 1);
	assert_int_equal(addr_get_ip4(&f.nbr.spa), OUR_IP);
	assert_int_equal(addr_get_ip4(&f.nbr.tpa), RS_IP);
	assert_memory_equal(f.eth.dst, BCAST, 6);
	assert_memory_equal(f.nbr.sha, OUR_MAC, 6);
}

static void test_success_rst_close(void **state)
{
	struct chk_config cfg = config();
	struct pkt_frame f;

	(void)state;
	to_syn_sent(&cfg);
	f = sent(0);
	assert_tcp_sent(0, PKT_TH_SYN, ISN, 0);
	assert_int_equal(f.tcp.mss, 1460);
	feed(srv(PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1), 1800);
	assert_true(out.accepted);
	assert_int_equal(out.ntx, 2);
	assert_tcp_sent(0, PKT_TH_ACK, ISN + 1, SRV_ISN + 1);
	assert_tcp_sent(1, PKT_TH_RST | PKT_TH_ACK, ISN + 1, SRV_ISN + 1);
	assert_int_equal(c.outcome, CHK_OUT_SYNACK);
	assert_int_equal(c.state, CHK_ST_DONE);
	assert_true(c.have_rtt);
	assert_int_equal(c.t_synack - c.t_syn, 800);
	assert_memory_equal(c.rs_mac, RS_MAC, 6);
	assert_int_equal(chk_next_wake(&c), CHK_NO_WAKE);
}

/* The engine's start with a MAC from its neighbour cache: the same SYN
 * at once, no ARP, the same verdicts, the SYN deadline from the start. */
static void test_start_resolved(void **state)
{
	struct chk_config cfg = config();
	struct chk ref;

	(void)state;
	chk_start_resolved(&c, &cfg, RS_MAC, 5000, &out);
	assert_int_equal(out.ntx, 1);
	assert_tcp_sent(0, PKT_TH_SYN, ISN, 0);
	assert_int_equal(sent(0).tcp.mss, 1460);
	assert_int_equal(c.state, CHK_ST_SYN_SENT);
	assert_true(c.have_rs_mac);
	assert_int_equal(chk_next_wake(&c), 5000 + TMO);
	/* identical to a check whose ARP reply came at the same moment */
	chk_start(&ref, &cfg, 0, &out);
	chk_on_frame(&ref, fb, good_arp_reply(), 5000, &out);
	assert_true(out.accepted);
	assert_int_equal(ref.state, c.state);
	assert_int_equal(ref.deadline, c.deadline);
	assert_int_equal(ref.next_retx, c.next_retx);
	assert_int_equal(ref.t_syn, c.t_syn);
	assert_int_equal(ref.ip_id, c.ip_id);
	/* replies from another MAC still do not count */
	feed(srv_from(OTHER_MAC, 64, PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1), 5100);
	assert_false(out.accepted);
	feed(srv(PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1), 5200);
	assert_true(out.accepted);
	assert_int_equal(c.outcome, CHK_OUT_SYNACK);
	assert_int_equal(c.t_synack - c.t_syn, 200);
	/* and a timeout is one waiting for the SYN/ACK, not for ARP */
	chk_start_resolved(&c, &cfg, RS_MAC, 0, &out);
	chk_on_tick(&c, TMO, &out);
	assert_int_equal(c.outcome, CHK_OUT_TIMEOUT_SYNACK);
	assert_reason("timeout after 500 ms waiting for SYN/ACK");
}

/* -c up to our FIN; returns with the FIN sent at t = 2000. */
static void to_fin_wait(void)
{
	struct chk_config cfg = config();

	cfg.clean_close = 1;
	to_syn_sent(&cfg);
	feed(srv(PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1), 2000);
	assert_int_equal(out.ntx, 2);
	assert_tcp_sent(0, PKT_TH_ACK, ISN + 1, SRV_ISN + 1);
	assert_tcp_sent(1, PKT_TH_FIN | PKT_TH_ACK, ISN + 1, SRV_ISN + 1);
	assert_int_equal(c.state, CHK_ST_FIN_WAIT);
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
}

/* The server's FIN carries the ACK of ours. */
static void test_clean_close_fin_with_ack(void **state)
{
	(void)state;
	to_fin_wait();
	feed(srv(PKT_TH_FIN | PKT_TH_ACK, SRV_ISN + 1, ISN + 2), 2500);
	assert_true(out.accepted);
	assert_int_equal(out.ntx, 1);
	assert_tcp_sent(0, PKT_TH_ACK, ISN + 2, SRV_ISN + 2);
	assert_int_equal(c.outcome, CHK_OUT_CLOSED);
}

/* ACK of our FIN first, then the server's FIN. */
static void test_clean_close_ack_then_fin(void **state)
{
	(void)state;
	to_fin_wait();
	feed(srv(PKT_TH_ACK, SRV_ISN + 1, ISN + 2), 2500);
	assert_true(out.accepted);
	assert_int_equal(out.ntx, 0);
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	feed(srv(PKT_TH_FIN | PKT_TH_ACK, SRV_ISN + 1, ISN + 2), 3000);
	assert_int_equal(out.ntx, 1);
	assert_tcp_sent(0, PKT_TH_ACK, ISN + 2, SRV_ISN + 2);
	assert_int_equal(c.outcome, CHK_OUT_CLOSED);
}

/* The server closed before it saw our FIN: its FIN acks only our SYN. */
static void test_clean_close_fin_before_ack(void **state)
{
	(void)state;
	to_fin_wait();
	feed(srv(PKT_TH_FIN | PKT_TH_ACK, SRV_ISN + 1, ISN + 1), 2500);
	assert_true(out.accepted);
	assert_int_equal(out.ntx, 1);
	assert_tcp_sent(0, PKT_TH_ACK, ISN + 2, SRV_ISN + 2);
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	feed(srv(PKT_TH_ACK, SRV_ISN + 2, ISN + 2), 3000);
	assert_int_equal(c.outcome, CHK_OUT_CLOSED);
}

/* Data (a banner) before the FIN is acknowledged, then the FIN. */
static void test_clean_close_data_then_fin(void **state)
{
	(void)state;
	to_fin_wait();
	feed(tcp_frame(VIP, PORT, SPORT, PKT_TH_PUSH | PKT_TH_ACK, SRV_ISN + 1, ISN + 2, 5), 2500);
	assert_true(out.accepted);
	assert_int_equal(out.ntx, 1);
	assert_tcp_sent(0, PKT_TH_ACK, ISN + 2, SRV_ISN + 6);
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	feed(srv(PKT_TH_FIN | PKT_TH_ACK, SRV_ISN + 6, ISN + 2), 3000);
	assert_tcp_sent(0, PKT_TH_ACK, ISN + 2, SRV_ISN + 7);
	assert_int_equal(c.outcome, CHK_OUT_CLOSED);
}

/* A FIN that skips data we never got is not accepted as the end. */
static void test_clean_close_out_of_order(void **state)
{
	(void)state;
	to_fin_wait();
	feed(srv(PKT_TH_FIN | PKT_TH_ACK, SRV_ISN + 10, ISN + 2), 2500);
	assert_false(out.accepted);
	assert_true(out.ignored[0] != '\0');
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	assert_tcp_sent(0, PKT_TH_ACK, ISN + 2, SRV_ISN + 1);  /* duplicate ACK */
}

/* A reset during the close: only one at the expected sequence counts. */
static void test_clean_close_reset(void **state)
{
	(void)state;
	to_fin_wait();
	feed(srv(PKT_TH_RST, SRV_ISN + 5, 0), 2500);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "RST with sequence"));
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	feed(srv(PKT_TH_RST, SRV_ISN + 1, 0), 2600);
	assert_true(out.accepted);
	assert_int_equal(c.outcome, CHK_OUT_RESET_CLOSE);
	assert_reason("connection reset by the server during clean close");
}

/* An ACK from beyond what we sent, and a segment without ACK, are ignored. */
static void test_clean_close_bad_ack(void **state)
{
	(void)state;
	to_fin_wait();
	feed(srv(PKT_TH_FIN | PKT_TH_ACK, SRV_ISN + 1, ISN + 3), 2500);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "outside"));
	feed(srv(PKT_TH_FIN, SRV_ISN + 1, 0), 2600);
	assert_false(out.accepted);
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	assert_false(c.peer_fin);
}

static void test_clean_close_fin_timeout(void **state)
{
	(void)state;
	to_fin_wait();
	feed(srv(PKT_TH_ACK, SRV_ISN + 1, ISN + 2), 2500);
	assert_int_equal(chk_next_wake(&c), 2000 + TMO);
	chk_on_tick(&c, 2000 + TMO - 1, &out);
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	chk_on_tick(&c, 2000 + TMO, &out);
	assert_int_equal(c.outcome, CHK_OUT_TIMEOUT_FIN);
	assert_reason("timeout after 500 ms waiting for FIN");
}

static void test_refused(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	to_syn_sent(&cfg);
	feed(srv(PKT_TH_RST | PKT_TH_ACK, 0, ISN + 1), 1500);
	assert_true(out.accepted);
	assert_int_equal(out.ntx, 0);
	assert_int_equal(c.outcome, CHK_OUT_REFUSED);
	assert_reason("connection refused");
}

static void test_rst_not_acking_ignored(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	to_syn_sent(&cfg);
	feed(srv(PKT_TH_RST | PKT_TH_ACK, 0, ISN + 7), 1500);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "does not acknowledge our SYN"));
	feed(srv(PKT_TH_RST, ISN + 1, 0), 1600);     /* no ACK flag at all */
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "does not acknowledge our SYN"));
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	chk_on_tick(&c, 1000 + TMO, &out);
	assert_int_equal(c.outcome, CHK_OUT_TIMEOUT_SYNACK);
	assert_reason("timeout after 500 ms waiting for SYN/ACK");
}

static void test_wrong_ack_synack_ignored(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	to_syn_sent(&cfg);
	/* ack == ISN (off by one) and a stale one from another check */
	feed(srv(PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN), 1500);
	assert_false(out.accepted);
	assert_int_equal(out.ntx, 0);
	assert_non_null(strstr(out.ignored, "SYN/ACK acknowledges"));
	feed(srv(PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, 12345), 1600);
	assert_false(out.accepted);
	assert_int_equal(c.state, CHK_ST_SYN_SENT);
	/* The right one still works afterwards. */
	feed(srv(PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1), 1700);
	assert_int_equal(c.outcome, CHK_OUT_SYNACK);
}

static void test_wrong_ports_ignored(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	to_syn_sent(&cfg);
	feed(tcp_frame(VIP, PORT + 1, SPORT, PKT_TH_SYN | PKT_TH_ACK, 1, ISN + 1, 0), 1100);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "not our connection"));
	feed(tcp_frame(VIP, PORT, SPORT + 1, PKT_TH_SYN | PKT_TH_ACK, 1, ISN + 1, 0), 1200);
	assert_false(out.accepted);
	feed(tcp_frame(RS_IP, PORT, SPORT, PKT_TH_SYN | PKT_TH_ACK, 1, ISN + 1, 0), 1300);
	assert_false(out.accepted);
	feed(tcp_frame(VIP, PORT, SPORT, PKT_TH_RST | PKT_TH_ACK, 1, ISN + 1, 0) , 1350);
	/* sanity: same frame with right ports is accepted (refused) */
	assert_true(out.accepted);
	assert_int_equal(c.outcome, CHK_OUT_REFUSED);
}

static size_t icmp_quoting_from(const uint8_t *mac, uint32_t qseq, uint8_t code)
{
	uint8_t syn[128];
	struct pkt_tcp_spec s = {
		.src = addr_ip4(OUR_IP), .dst = addr_ip4(VIP), .sport = SPORT, .dport = PORT,
		.seq = qseq, .flags = PKT_TH_SYN, .win = 64240, .mss = 1460,
	};
	size_t n = pkt_build_tcp(syn, sizeof(syn), &s);  /* IP header onwards */

	return pkt_build_icmp4(fb, sizeof(fb), mac, OUR_MAC, addr_ip4(RS_IP), addr_ip4(OUR_IP),
	                       PKT_ICMP_UNREACH, code, syn, n);
}

static size_t icmp_quoting(uint32_t qseq, uint8_t code)
{
	return icmp_quoting_from(RS_MAC, qseq, code);
}

static void test_icmp_quoting_our_syn(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	to_syn_sent(&cfg);
	feed(icmp_quoting(ISN, 3), 1500);
	assert_true(out.accepted);
	assert_int_equal(c.outcome, CHK_OUT_ICMP_UNREACH);
	assert_reason("ICMP destination unreachable: port unreachable (type 3 code 3)");
	assert_int_equal(c.icmp_type, 3);
	assert_int_equal(c.icmp_code, 3);
	assert_true(c.reply.have);
	assert_memory_equal(c.reply.mac, RS_MAC, 6);
}

static void test_icmp_quoting_other_ignored(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	to_syn_sent(&cfg);
	feed(icmp_quoting(ISN + 1000, 1), 1500);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "does not quote our SYN"));
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
}

static void test_deadline_syn(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	to_syn_sent(&cfg);
	assert_int_equal(chk_next_wake(&c), 1000 + TMO);
	chk_on_tick(&c, 1000 + TMO - 1, &out);
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	assert_int_equal(out.ntx, 0);         /* no retries asked: nothing resent */
	chk_on_tick(&c, 1000 + TMO, &out);
	assert_int_equal(c.outcome, CHK_OUT_TIMEOUT_SYNACK);
	assert_reason("timeout after 500 ms waiting for SYN/ACK");
	/* Frames after the verdict change nothing. */
	feed(srv(PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1), 1000 + TMO + 1);
	assert_int_equal(c.outcome, CHK_OUT_TIMEOUT_SYNACK);
}

static void test_deadline_arp_and_retransmit(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	chk_start(&c, &cfg, 0, &out);
	/* timeout/4 = 125 ms between ARP requests */
	assert_int_equal(chk_next_wake(&c), 125000);
	chk_on_tick(&c, 124999, &out);
	assert_int_equal(out.ntx, 0);
	chk_on_tick(&c, 125000, &out);
	assert_int_equal(out.ntx, 1);
	assert_true(sent(0).has_nbr);
	chk_on_tick(&c, TMO, &out);
	assert_int_equal(c.outcome, CHK_OUT_TIMEOUT_ARP);
	assert_reason("timeout after 500 ms waiting for ARP reply");
}

static void test_no_timeout(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	cfg.timeout_us = 0;
	chk_start(&c, &cfg, 0, &out);
	assert_int_equal(chk_next_wake(&c), CHK_ARP_RETX_US);
	chk_on_tick(&c, 3600000000u, &out);
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	assert_int_equal(out.ntx, 1);         /* still asking */
	feed(good_arp_reply(), 3600000001u);
	assert_int_equal(chk_next_wake(&c), CHK_NO_WAKE);
}

static void test_retries(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	cfg.retries = 2;
	cfg.timeout_us = 600000;
	to_syn_sent(&cfg);
	/* at 1/3 and 2/3 of the deadline, same ISN and port */
	assert_int_equal(chk_next_wake(&c), 1000 + 200000);
	chk_on_tick(&c, 1000 + 200000, &out);
	assert_int_equal(out.ntx, 1);
	assert_tcp_sent(0, PKT_TH_SYN, ISN, 0);
	assert_int_equal(chk_next_wake(&c), 1000 + 400000);
	chk_on_tick(&c, 1000 + 400000, &out);
	assert_int_equal(out.ntx, 1);
	assert_tcp_sent(0, PKT_TH_SYN, ISN, 0);
	assert_int_equal(chk_next_wake(&c), 1000 + 600000);
	chk_on_tick(&c, 1000 + 599999, &out);
	assert_int_equal(out.ntx, 0);
	assert_int_equal(c.syn_sent, 3);
	chk_on_tick(&c, 1000 + 600000, &out);
	assert_int_equal(c.outcome, CHK_OUT_TIMEOUT_SYNACK);
}

/* The largest -t with the largest -R: 3.6e9 us does not fit an int,
 * t * k (3.6e11) not even 32 bits; 100 retransmissions, strictly in order,
 * all before the deadline, then the timeout names the -t given. */
static void test_retries_extreme(void **state)
{
	struct chk_config cfg = config();
	uint64_t t = chk_ms_to_us(CHK_TIMEOUT_MAX_MS), prev = 1000;

	(void)state;
	assert_true(t > INT32_MAX);
	assert_true(t * CHK_RETRIES_MAX > UINT32_MAX);
	cfg.retries = CHK_RETRIES_MAX;
	cfg.timeout_us = t;
	to_syn_sent(&cfg);
	for (int k = 1; k <= CHK_RETRIES_MAX; k++) {
		uint64_t at = chk_next_wake(&c);

		assert_int_equal(at, 1000 + t * (uint64_t)k / (CHK_RETRIES_MAX + 1));
		assert_true(at > prev);
		assert_true(at < 1000 + t);
		chk_on_tick(&c, at, &out);
		assert_int_equal(out.ntx, 1);
		assert_tcp_sent(0, PKT_TH_SYN, ISN, 0);
		prev = at;
	}
	assert_int_equal(c.syn_sent, CHK_RETRIES_MAX + 1);
	assert_int_equal(chk_next_wake(&c), 1000 + t);
	chk_on_tick(&c, 1000 + t, &out);
	assert_int_equal(c.outcome, CHK_OUT_TIMEOUT_SYNACK);
	assert_reason("timeout after 3600000 ms waiting for SYN/ACK");
}

static void test_arp_validation(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	chk_start(&c, &cfg, 0, &out);
	feed(arp_frame(2, OTHER_MAC, OTHER_MAC, RS_IP + 1, OUR_MAC, OUR_IP), 10);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "not the real server"));
	feed(arp_frame(2, OTHER_MAC, RS_MAC, RS_IP, OUR_MAC, OUR_IP), 20);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "Ethernet source differs"));
	feed(arp_frame(2, RS_MAC, RS_MAC, RS_IP, OTHER_MAC, OUR_IP), 30);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "not sent to our MAC"));
	feed(arp_frame(2, RS_MAC, RS_MAC, RS_IP, OUR_MAC, OUR_IP + 5), 40);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "not our address"));
	feed(arp_frame(1, RS_MAC, RS_MAC, RS_IP, BCAST, OUR_IP), 50);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "not a reply"));
	assert_true(out.is_arp);
	/* a SYN/ACK before we even sent the SYN */
	feed(srv(PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1), 60);
	assert_false(out.accepted);
	assert_int_equal(c.state, CHK_ST_ARP);
	assert_int_equal(out.ntx, 0);
	feed(good_arp_reply(), 70);
	assert_true(out.accepted);
	assert_int_equal(c.state, CHK_ST_SYN_SENT);
}

static void test_garbage_ignored(void **state)
{
	struct chk_config cfg = config();
	size_t n;

	(void)state;
	to_syn_sent(&cfg);
	n = srv(PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1);
	for (size_t cut = 0; cut < n - 1; cut++) {   /* every truncation */
		chk_on_frame(&c, fb, cut, 1500, &out);
		if (c.state != CHK_ST_SYN_SENT)
			break;
	}
	/* The frame cut inside the TCP header never validates. */
	assert_int_equal(c.state, CHK_ST_SYN_SENT);
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
	                    "(02:00:00:00:00:42) 10.0.0.100:80 > 10.0.0.1:40000 "
	                    "(02:00:00:00:00:01) Flags [S.], seq 987654321, ack 123456790");
	n = pkt_build_arp(fb, sizeof(fb), 1, OUR_MAC, addr_ip4(OUR_IP), BCAST, BCAST, addr_ip4(RS_IP));
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, fb, n, PKT_CSUM_NONE, &f), PKT_OK);
	assert_string_equal(chk_fmt_frame(line, sizeof(line), &f),
	                    "(02:00:00:00:00:01) 10.0.0.1 ARP request who has 10.0.0.42 "
	                    "(ff:ff:ff:ff:ff:ff)");
	n = good_arp_reply();
	assert_int_equal(pkt_decode(PKT_LINK_EN10MB, fb, n, PKT_CSUM_NONE, &f), PKT_OK);
	assert_string_equal(chk_fmt_frame(line, sizeof(line), &f),
	                    "(02:00:00:00:00:42) 10.0.0.42 ARP reply to 10.0.0.1 "
	                    "(02:00:00:00:00:01)");
}


/* A SYN/ACK that validates in every way but comes from another MAC (a
 * real server without the VIP forwarding our SYN to one that has it) is
 * ignored; the timeout then says what came instead. */
static void test_wrong_mac_synack(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	to_syn_sent(&cfg);
	feed(srv_from(OTHER_MAC, 64, PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1), 1500);
	assert_false(out.accepted);
	assert_int_equal(out.ntx, 0);
	assert_string_equal(out.ignored, "reply from MAC 02:00:00:00:00:99, not the real "
	                                 "server's 02:00:00:00:00:42");
	/* a second one (a retransmission, another TTL) changes nothing */
	feed(srv_from(OTHER_MAC, 63, PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1), 1600);
	assert_false(out.accepted);
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	chk_on_tick(&c, 1000 + TMO, &out);
	assert_int_equal(c.outcome, CHK_OUT_WRONG_MAC);
	assert_reason("timeout after 500 ms waiting for SYN/ACK: the SYN/ACK came from MAC "
	              "02:00:00:00:00:99, not the real server's 02:00:00:00:00:42 (TTL 64)");
	assert_true(c.reply.have);
	assert_memory_equal(c.reply.mac, OTHER_MAC, 6);
	assert_int_equal(c.reply.ttl, 64);
}

/* The real server's own SYN/ACK after a foreign one still passes, and the
 * reply reported is the real server's. */
static void test_wrong_mac_then_real(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	to_syn_sent(&cfg);
	feed(srv_from(OTHER_MAC, 63, PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1), 1500);
	assert_false(out.accepted);
	feed(srv_from(RS_MAC, 64, PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1), 1600);
	assert_true(out.accepted);
	assert_int_equal(c.outcome, CHK_OUT_SYNACK);
	assert_memory_equal(c.reply.mac, RS_MAC, 6);
	assert_int_equal(c.reply.ttl, 64);
	assert_string_equal(c.reply.what, "SYN/ACK");
}

/* RST, ICMP unreachable and the segments of a clean close count only
 * from the real server's MAC too. */
static void test_wrong_mac_rst_icmp_close(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	to_syn_sent(&cfg);
	feed(srv_from(OTHER_MAC, 64, PKT_TH_RST | PKT_TH_ACK, 0, ISN + 1), 1100);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "reply from MAC 02:00:00:00:00:99"));
	feed(icmp_quoting_from(OTHER_MAC, ISN, 3), 1200);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "reply from MAC 02:00:00:00:00:99"));
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	assert_string_equal(c.foreign.what, "RST");

	to_fin_wait();
	feed(srv_from(OTHER_MAC, 64, PKT_TH_FIN | PKT_TH_ACK, SRV_ISN + 1, ISN + 2), 2500);
	assert_false(out.accepted);
	assert_int_equal(out.ntx, 0);
	feed(srv_from(OTHER_MAC, 64, PKT_TH_RST, SRV_ISN + 1, 0), 2600);
	assert_false(out.accepted);
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	assert_false(c.peer_fin);
	chk_on_tick(&c, 2000 + TMO, &out);
	assert_int_equal(c.outcome, CHK_OUT_WRONG_MAC);
	assert_reason("timeout after 500 ms waiting for FIN: the FIN came from MAC "
	              "02:00:00:00:00:99, not the real server's 02:00:00:00:00:42 (TTL 64)");
}

/* -A: a routed reply (a gateway's MAC, TTL decremented) counts, and what
 * it came with is kept for the report. */
static void test_any_mac(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	cfg.any_mac = 1;
	to_syn_sent(&cfg);
	feed(srv_from(OTHER_MAC, 63, PKT_TH_SYN | PKT_TH_ACK, SRV_ISN, ISN + 1), 1500);
	assert_true(out.accepted);
	assert_int_equal(out.ntx, 2);
	assert_tcp_sent(0, PKT_TH_ACK, ISN + 1, SRV_ISN + 1);   /* still to the RS's MAC */
	assert_int_equal(c.outcome, CHK_OUT_SYNACK);
	assert_true(c.reply.have);
	assert_memory_equal(c.reply.mac, OTHER_MAC, 6);
	assert_int_equal(c.reply.ttl, 63);
	assert_false(c.foreign.have);
	/* and a refusal through the gateway is a refusal */
	to_syn_sent(&cfg);
	feed(srv_from(OTHER_MAC, 62, PKT_TH_RST | PKT_TH_ACK, 0, ISN + 1), 1500);
	assert_int_equal(c.outcome, CHK_OUT_REFUSED);
	assert_int_equal(c.reply.ttl, 62);
}

/* ARP replies broadcast by some stacks: accepted when the sender is the
 * real server and the target us; the frame's source must still be the
 * sender hardware address. */
static void test_arp_broadcast_reply(void **state)
{
	struct chk_config cfg = config();

	(void)state;
	chk_start(&c, &cfg, 0, &out);
	feed(arp_frame(2, OTHER_MAC, RS_MAC, RS_IP, BCAST, OUR_IP), 10);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "Ethernet source differs"));
	feed(arp_frame(2, RS_MAC, RS_MAC, RS_IP + 1, BCAST, OUR_IP), 20);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "not the real server"));
	feed(arp_frame(2, RS_MAC, RS_MAC, RS_IP, BCAST, OUR_IP + 1), 30);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "not our address"));
	feed(arp_frame(2, RS_MAC, RS_MAC, RS_IP, OTHER_MAC, OUR_IP), 35);
	assert_false(out.accepted);
	assert_non_null(strstr(out.ignored, "nor to broadcast"));
	feed(arp_frame(2, RS_MAC, RS_MAC, RS_IP, BCAST, OUR_IP), 40);
	assert_true(out.accepted);
	assert_int_equal(c.state, CHK_ST_SYN_SENT);
	assert_memory_equal(c.rs_mac, RS_MAC, 6);
	assert_tcp_sent(0, PKT_TH_SYN, ISN, 0);
}

/* -t 0 and nobody answers ARP: requests at 0, then after 200, 400, 800
 * ms, then every second; never faster. */
static void test_arp_backoff(void **state)
{
	static const uint64_t at[] = { 200000, 600000, 1400000, 2400000, 3400000, 4400000 };
	struct chk_config cfg = config();
	uint64_t sent_at = 0;

	(void)state;
	cfg.timeout_us = 0;
	chk_start(&c, &cfg, 0, &out);
	assert_int_equal(out.ntx, 1);
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		assert_int_equal(chk_next_wake(&c), at[i]);
		chk_on_tick(&c, at[i] - 1, &out);
		assert_int_equal(out.ntx, 0);
		chk_on_tick(&c, at[i], &out);
		assert_int_equal(out.ntx, 1);
		assert_true(sent(0).has_nbr);
		assert_true(at[i] - sent_at <= CHK_ARP_RETX_MAX_US);
		sent_at = at[i];
	}
	/* an hour later: still one request a second, still waiting */
	for (int k = 0; k < 3600; k++)
		chk_on_tick(&c, chk_next_wake(&c), &out);
	assert_int_equal(chk_next_wake(&c), 4400000 + 3601 * 1000000ull);
	assert_int_equal(c.outcome, CHK_OUT_PENDING);
	/* With a timeout the first gap is a quarter of it (at most 200 ms),
	 * then doubles: 125, 250 ms for -t 500. */
	cfg.timeout_us = TMO;
	chk_start(&c, &cfg, 0, &out);
	chk_on_tick(&c, 125000, &out);
	assert_int_equal(out.ntx, 1);
	assert_int_equal(chk_next_wake(&c), 375000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_request),
		cmocka_unit_test(test_success_rst_close),
		cmocka_unit_test(test_clean_close_fin_with_ack),
		cmocka_unit_test(test_clean_close_ack_then_fin),
		cmocka_unit_test(test_clean_close_fin_before_ack),
		cmocka_unit_test(test_clean_close_data_then_fin),
		cmocka_unit_test(test_clean_close_out_of_order),
		cmocka_unit_test(test_clean_close_reset),
		cmocka_unit_test(test_clean_close_bad_ack),
		cmocka_unit_test(test_clean_close_fin_timeout),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_start_resolved),
		cmocka_unit_test(test_rst_not_acking_ignored),
		cmocka_unit_test(test_wrong_ack_synack_ignored),
		cmocka_unit_test(test_wrong_ports_ignored),
		cmocka_unit_test(test_icmp_quoting_our_syn),
		cmocka_unit_test(test_icmp_quoting_other_ignored),
		cmocka_unit_test(test_deadline_syn),
		cmocka_unit_test(test_deadline_arp_and_retransmit),
		cmocka_unit_test(test_no_timeout),
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_retries_extreme),
		cmocka_unit_test(test_arp_validation),
		cmocka_unit_test(test_garbage_ignored),
		cmocka_unit_test(test_fmt_frame),
		cmocka_unit_test(test_wrong_mac_synack),
		cmocka_unit_test(test_wrong_mac_then_real),
		cmocka_unit_test(test_wrong_mac_rst_icmp_close),
		cmocka_unit_test(test_any_mac),
		cmocka_unit_test(test_arp_broadcast_reply),
		cmocka_unit_test(test_arp_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
