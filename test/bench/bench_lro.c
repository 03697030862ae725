/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LRO benchmark: the same synthetic receive trace through lib/lro and through librte_gro
 * (heavyweight mode, rte_gro_reassemble + rte_gro_timeout_flush), in one run.
 *
 * The trace: many bulk TCP flows (MSS 1448, timestamps), half IPv4, half IPv6, a quarter
 * with a VLAN tag. A few flows are sending at any time (--active); each sends 64 KiB
 * TSO-sized trains (45 segments) that interleave segment by segment with the other active
 * flows' trains. A train ends with PSH sometimes and with a short segment sometimes; the
 * timestamp moves between trains; now and then two neighbouring segments are swapped
 * (reordering) or the sender slips in a pure ACK (a bulk sender's data direction carries
 * few). Input mbufs carry what a NIC fills in (packet_type, l2/l3/l4 lengths,
 * checksum-good flags), which librte_gro needs; lib/lro reads only the frame (and the
 * checksum flags, or verifies in software in the lro_sw_cksum run). librte_gro 22.11 has no
 * TCP/IPv6 merging, so the same comparison is also made on an IPv4-only trace.
 *
 * Each burst of 32 is built just before it is fed (from per-flow templates, checksums
 * done as a sender would), as a PMD hands over freshly received frames; the outputs are
 * accounted and freed after. Only the engine calls are timed (rte_rdtsc around each
 * reassemble + flush), but the TSC keeps running through building and freeing, so the time
 * budget sees packets arrive at the offered rate printed as offered_mpps, which is the
 * same for both engines. Prints `name: value` lines; checks only data integrity (every
 * mbuf and every payload byte comes out, in every repetition), never timing. The trace
 * generator is shared with the pipeline benchmark (bench_flows.c).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_gro.h>
#include <rte_mbuf.h>

#include "bench_flows.h"
#include "dnb_test_eal.h"
#include "lro.h"
#include "test_lro_util.h"

#define BURST 32
#define OUT_MAX 8192
/* librte_gro's tables: more flows than are ever active at once, room for reordering. */
#define GRO_MAX_FLOWS 64
#define GRO_ITEMS_PER_FLOW 8

struct bench_opts {
	uint32_t packets;     /* per engine */
	uint32_t flows;
	uint32_t active;
	uint32_t timeout_us;
	uint32_t psh_pct;     /* trains ending with PSH */
	uint32_t short_pct;   /* trains ending with a short segment */
	uint32_t reorder_pm;  /* per mille of neighbouring segments swapped */
	uint32_t ack_ptt;     /* per ten thousand: a pure ACK (window update) instead of data */
	uint64_t seed;
	uint32_t sw_cksum;    /* also run lib/lro verifying checksums in software */
	uint32_t v6_pct;      /* flows on IPv6 */
	uint32_t reps;        /* runs per engine; the fastest counts (the host is shared) */
};

struct result {
	uint64_t cycles;
	uint64_t pkts_in, data_in, bytes_in, mbufs_in;
	uint64_t pkts_out, data_out, bytes_out, mbufs_out;
	uint64_t data_in_v4, data_out_v4;
	uint64_t wall;            /* TSC from first burst to last */
	struct lro_stats st;      /* lib/lro's counters (lib/lro runs only) */
};

enum engine { ENG_LRO, ENG_LRO_SW, ENG_GRO };

/* The generator's options for this benchmark's trace. */
static struct bf_opts flow_opts(const struct bench_opts *o)
{
	struct bf_opts f = {
		.flows = o->flows, .active = o->active, .train_segs = 45, .mss = 1448,
		.psh_pct = o->psh_pct, .short_pct = o->short_pct, .reorder_pm = o->reorder_pm,
		.ack_ptt = o->ack_ptt, .v6_pct = o->v6_pct, .vlan = true, .ts = true,
		.seq_payload = false, .seed = o->seed,
	};
	return f;
}

/* Build the next @n segments of the trace into fresh mbufs, as a PMD would hand them over. */
static void build_burst(struct bf_gen *g, struct rte_mempool *mp, struct rte_mbuf **m,
			uint32_t n, bool cksum_flags, struct result *r)
{
	struct bf_counts c = { 0 };

	if (bf_build_burst(g, mp, m, n, cksum_flags, &c) != 0) {
		fprintf(stderr, "mbuf pool exhausted\n");
		exit(1);
	}
	r->pkts_in += c.pkts;
	r->mbufs_in += c.pkts;
	r->bytes_in += c.bytes;
	r->data_in += c.data;
	r->data_in_v4 += c.data_v4;
}

/* TCP payload bytes and IP version of a packet, from its (possibly merged) headers. */
static uint32_t payload_of(const struct rte_mbuf *m, uint8_t *ipver)
{
	uint8_t hdr[128];
	uint32_t len = m->pkt_len, l3, l4, pl, ip_len;
	const uint8_t *f = rte_pktmbuf_read(m, 0, len < 128 ? len : 128, hdr);

	*ipver = 0;
	if (f == NULL || !tl_parse(f, len, &l3, &l4, &pl, ipver))
		return 0;
	ip_len = *ipver == 4 ? (uint32_t)(f[l3 + 2] << 8 | f[l3 + 3]) :
			       40u + (uint32_t)(f[l3 + 4] << 8 | f[l3 + 5]);
	return l3 + ip_len - pl;
}

static void account_out(struct result *r, struct rte_mbuf **pkts, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t v;
		uint32_t pl = payload_of(pkts[i], &v);

		r->pkts_out++;
		r->mbufs_out += pkts[i]->nb_segs;
		r->bytes_out += pl;
		if (pl > 0) {
			r->data_out++;
			r->data_out_v4 += v == 4;
		}
		rte_pktmbuf_free(pkts[i]);
	}
}

static void run_engine(enum engine e, const struct bench_opts *o, struct rte_mempool *mp,
		       struct result *r)
{
	static struct rte_mbuf *out[OUT_MAX];
	uint64_t timeout = rte_get_tsc_hz() / 1000000 * o->timeout_us;
	struct lro_conf lc = { .socket_id = SOCKET_ID_ANY, .timeout_cycles = timeout };
	struct rte_gro_param gp = {
		.gro_types = RTE_GRO_TCP_IPV4, .max_flow_num = GRO_MAX_FLOWS,
		.max_item_per_flow = GRO_ITEMS_PER_FLOW,
		.socket_id = SOCKET_ID_ANY,
	};
	struct lro_ctx *lro = NULL;
	void *gro = NULL;
	struct rte_mbuf *m[BURST];
	uint64_t start;
	struct bf_opts fo = flow_opts(o);
	struct bf_gen g;

	memset(r, 0, sizeof(*r));
	if (bf_gen_init(&g, &fo) != 0) {
		fprintf(stderr, "cannot set up the flows\n");
		exit(1);
	}
	if (e == ENG_GRO)
		gro = rte_gro_ctx_create(&gp);
	else
		lro = lro_ctx_create(&lc);
	if (lro == NULL && gro == NULL) {
		fprintf(stderr, "cannot create the engine context\n");
		exit(1);
	}
	start = rte_rdtsc();
	for (uint32_t done = 0; done < o->packets; done += BURST) {
		uint16_t nb = (uint16_t)(o->packets - done < BURST ? o->packets - done : BURST);
		uint64_t t0, t1;
		uint32_t nout, left = 0;

		build_burst(&g, mp, m, nb, e != ENG_LRO_SW, r);
		t0 = rte_rdtsc();
		if (lro != NULL) {
			int k = lro_reassemble_burst(lro, m, nb, t0, out, OUT_MAX);

			nout = (uint32_t)k + lro_flush(lro, t0, out + k, (uint16_t)(OUT_MAX - k));
		} else {
			left = rte_gro_reassemble(m, nb, gro);
			nout = rte_gro_timeout_flush(gro, timeout, RTE_GRO_TCP_IPV4, out, OUT_MAX);
		}
		t1 = rte_rdtsc();
		r->cycles += t1 - t0;
		account_out(r, m, left);
		account_out(r, out, nout);
	}
	r->wall = rte_rdtsc() - start;
	if (lro != NULL) {
		uint32_t nout;

		while ((nout = lro_flush(lro, LRO_FLUSH_ALL, out, OUT_MAX)) > 0)
			account_out(r, out, nout);
		lro_stats_get(lro, &r->st);
		lro_ctx_free(lro);
	} else {
		uint32_t nout;

		while ((nout = rte_gro_timeout_flush(gro, 0, RTE_GRO_TCP_IPV4, out, OUT_MAX)) > 0)
			account_out(r, out, nout);
		rte_gro_ctx_destroy(gro);
	}
	bf_gen_free(&g);
}

static double mpps(const struct result *r)
{
	return r->cycles == 0 ? 0 :
	       (double)r->pkts_in / ((double)r->cycles / (double)rte_get_tsc_hz()) / 1e6;
}

static double ratio(uint64_t a, uint64_t b)
{
	return b == 0 ? 0 : (double)a / (double)b;
}

/* Data integrity: every mbuf and every payload byte that went in came out. */
static int check(const char *name, const struct result *r)
{
	if (r->mbufs_out != r->mbufs_in || r->bytes_out != r->bytes_in ||
	    r->data_out > r->data_in) {
		fprintf(stderr, "%s: integrity: mbufs %" PRIu64 "/%" PRIu64 ", bytes %" PRIu64
			"/%" PRIu64 "\n", name, r->mbufs_out, r->mbufs_in, r->bytes_out,
			r->bytes_in);
		return -1;
	}
	return 0;
}

/*
 * Run @e o->reps times, keep the fastest run (other processes share this host). Every
 * repetition is checked for integrity, not only the one kept: a failing one fails the bench.
 * @return the number of repetitions that failed.
 */
static int best_of(enum engine e, const char *name, const struct bench_opts *o,
		   struct rte_mempool *mp, struct result *best)
{
	int bad = 0;

	for (uint32_t i = 0; i < o->reps; i++) {
		struct result r;

		run_engine(e, o, mp, &r);
		if (check(name, &r) != 0) {
			fprintf(stderr, "%s: repetition %" PRIu32 " of %" PRIu32 " failed\n", name,
				i + 1, o->reps);
			bad++;
		}
		if (i == 0 || r.cycles < best->cycles)
			*best = r;
	}
	return bad;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--packets N] [--flows N] [--active N] [--timeout-us N]\n"
		"  [--psh-pct N] [--short-pct N] [--reorder-permille N] [--ack-per-10k N]\n"
		"  [--seed N] [--sw-cksum 0|1] [--ipv6-pct N] [--reps N]   (EAL options via DNB_TEST_EAL_ARGS)\n", prog);
}

static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
	static const struct option lo[] = {
		{ "packets", required_argument, NULL, 'n' },
		{ "flows", required_argument, NULL, 'f' },
		{ "active", required_argument, NULL, 'a' },
		{ "timeout-us", required_argument, NULL, 't' },
		{ "psh-pct", required_argument, NULL, 'p' },
		{ "short-pct", required_argument, NULL, 's' },
		{ "reorder-permille", required_argument, NULL, 'r' },
		{ "ack-per-10k", required_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 'S' },
		{ "sw-cksum", required_argument, NULL, 'c' },
		{ "ipv6-pct", required_argument, NULL, '6' },
		{ "reps", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		char *end;
		unsigned long v = strtoul(optarg ? optarg : "", &end, 0);

		if (c == '?' || optarg == NULL || *end != '\0')
			return -1;
		switch (c) {
		case 'n': o->packets = (uint32_t)v; break;
		case 'f': o->flows = (uint32_t)v; break;
		case 'a': o->active = (uint32_t)v; break;
		case 't': o->timeout_us = (uint32_t)v; break;
		case 'p': o->psh_pct = (uint32_t)v; break;
		case 's': o->short_pct = (uint32_t)v; break;
		case 'r': o->reorder_pm = (uint32_t)v; break;
		case 'k': o->ack_ptt = (uint32_t)v; break;
		case 'S': o->seed = v; break;
		case 'c': o->sw_cksum = (uint32_t)v; break;
		case '6': o->v6_pct = (uint32_t)v; break;
		case 'R': o->reps = (uint32_t)v; break;
		default: return -1;
		}
	}
	if (o->packets == 0 || o->flows == 0 || o->active == 0 || o->active > o->flows ||
	    o->timeout_us == 0 || o->reps == 0 || o->v6_pct > 100 || o->psh_pct > 100 || o->short_pct > 100)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_opts o = {
		.packets = 1u << 21, .flows = 256, .active = 4,
		.timeout_us = LRO_DEFAULT_TIMEOUT_US, .psh_pct = 30, .short_pct = 20,
		.reorder_pm = 2, .ack_ptt = 5, .seed = 1, .sw_cksum = 1, .v6_pct = 50, .reps = 3,
	};
	struct result lro, lro_sw, gro, lro4, gro4;
	int bad;
	struct bench_opts o4;
	struct rte_mempool *mp;

	if (parse_opts(argc, argv, &o) != 0) {
		usage(argv[0]);
		return 2;
	}
	if (dnb_test_eal_init(1024) != 0)
		return 1;
	mp = rte_pktmbuf_pool_create("bench_lro", LRO_DEFAULT_MAX_HELD_MBUFS + 8192,
				     256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL) {
		fprintf(stderr, "cannot create the mbuf pool\n");
		return 1;
	}
	bad = best_of(ENG_LRO, "lro", &o, mp, &lro);
	bad += best_of(ENG_GRO, "rte_gro", &o, mp, &gro);
	memset(&lro_sw, 0, sizeof(lro_sw));
	if (o.sw_cksum)
		bad += best_of(ENG_LRO_SW, "lro_sw_cksum", &o, mp, &lro_sw);
	/* Like for like: librte_gro 22.11 has no TCP/IPv6, so also compare on IPv4 only. */
	o4 = o;
	o4.v6_pct = 0;
	bad += best_of(ENG_LRO, "lro_ipv4_only", &o4, mp, &lro4);
	bad += best_of(ENG_GRO, "rte_gro_ipv4_only", &o4, mp, &gro4);

	printf("packets: %" PRIu32 "\n", o.packets);
	printf("flows: %" PRIu32 "\n", o.flows);
	printf("active_flows: %" PRIu32 "\n", o.active);
	printf("timeout_us: %" PRIu32 "\n", o.timeout_us);
	printf("ipv6_pct: %" PRIu32 "\n", o.v6_pct);
	printf("psh_pct: %" PRIu32 "\n", o.psh_pct);
	printf("short_pct: %" PRIu32 "\n", o.short_pct);
	printf("reorder_permille: %" PRIu32 "\n", o.reorder_pm);
	printf("ack_per_10k: %" PRIu32 "\n", o.ack_ptt);
	printf("rte_gro_max_flow_num: %u\n", GRO_MAX_FLOWS);
	printf("rte_gro_max_item_per_flow: %u\n", GRO_ITEMS_PER_FLOW);
	printf("reps: %" PRIu32 "\n", o.reps);
	printf("tsc_hz: %" PRIu64 "\n", rte_get_tsc_hz());
	printf("offered_mpps: %.2f\n", (double)lro.pkts_in / ((double)lro.wall /
		(double)rte_get_tsc_hz()) / 1e6);
	printf("lro_mpps: %.2f\n", mpps(&lro));
	printf("rte_gro_mpps: %.2f\n", mpps(&gro));
	printf("lro_vs_rte_gro: %.2f\n", mpps(&gro) > 0 ? mpps(&lro) / mpps(&gro) : 0);
	printf("lro_segs_per_aggregate: %.2f\n", ratio(lro.data_in, lro.data_out));
	printf("rte_gro_segs_per_aggregate: %.2f\n", ratio(gro.data_in, gro.data_out));
	printf("lro_segs_per_aggregate_ipv4: %.2f\n", ratio(lro.data_in_v4, lro.data_out_v4));
	printf("rte_gro_segs_per_aggregate_ipv4: %.2f\n", ratio(gro.data_in_v4, gro.data_out_v4));
	printf("lro_cycles_per_segment: %.1f\n", ratio(lro.cycles, lro.pkts_in));
	printf("rte_gro_cycles_per_segment: %.1f\n", ratio(gro.cycles, gro.pkts_in));
	printf("lro_mpps_ipv4_only: %.2f\n", mpps(&lro4));
	printf("rte_gro_mpps_ipv4_only: %.2f\n", mpps(&gro4));
	printf("lro_vs_rte_gro_ipv4_only: %.2f\n", mpps(&gro4) > 0 ? mpps(&lro4) / mpps(&gro4) : 0);
	printf("lro_segs_per_aggregate_ipv4_only: %.2f\n", ratio(lro4.data_in, lro4.data_out));
	printf("rte_gro_segs_per_aggregate_ipv4_only: %.2f\n", ratio(gro4.data_in, gro4.data_out));
	printf("lro_sw_cksum_mpps: %.2f\n", mpps(&lro_sw));
	printf("lro_sw_cksum_cycles_per_segment: %.1f\n", ratio(lro_sw.cycles, lro_sw.pkts_in));
	printf("lro_sw_cksum_segs_per_aggregate: %.2f\n", ratio(lro_sw.data_in, lro_sw.data_out));
	printf("lro_flushed_size: %" PRIu64 "\n", lro.st.flushed_size);
	printf("lro_flushed_flags: %" PRIu64 "\n", lro.st.flushed_flags);
	printf("lro_flushed_short: %" PRIu64 "\n", lro.st.flushed_short);
	printf("lro_flushed_timeout: %" PRIu64 "\n", lro.st.flushed_timeout);
	printf("lro_flushed_mismatch: %" PRIu64 "\n", lro.st.flushed_mismatch);
	printf("lro_flushed_evicted: %" PRIu64 "\n", lro.st.flushed_evicted);
	if (bad != 0 || rte_mempool_in_use_count(mp) != 0) {
		fprintf(stderr, "integrity check failed: %d repetition(s), %u mbufs in use\n",
			bad, rte_mempool_in_use_count(mp));
		return 1;
	}
	return 0;
}
