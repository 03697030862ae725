/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-netback-bench: the whole guest-RX datapath at saturation on synthetic input, in one
 * process, for each of --lro off | linearize | chain and librte_gro in the LRO's place, plus
 * the study's control (a naive one-slot-per-segment layout), packet rates into and from one
 * guest, 1, 2, 4 guests, and 1 and 2 worker lcores. See bench_pipe.h for the pipeline,
 * bench_pipe_rx.c for what is timed. Prints a table, then `name: value` lines (or one JSON object with --json).
 *
 * It never fails on timing: the exit status says only whether every run delivered exactly
 * the bytes that were generated (per flow, byte for byte) and whether the counts add up.
 */
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "bench_pipe.h"
#include "dnb_test_eal.h"

#define MAX_KV 320
#define MAX_REPS 20

struct opts {
	uint32_t packets;       /* segments per bulk run */
	uint32_t small_packets; /* packets per 64 / 1518 byte run */
	uint32_t tso_packets;   /* 64 000-byte TSO frames per guest-TX TSO run */
	uint32_t flows, active, timeout_us, reps, v6_pct, psh_pct, short_pct, reorder_pm;
	uint64_t seed;
	bool json;
	bool wall_budget;       /* --budget-clock wall */
};

/* A bulk configuration: a row of the main table. */
struct bulk_cfg {
	const char *name;
	enum pipe_engine eng;
	enum nif_layout layout;
	uint32_t nb_guests;
	bool naive_cap;         /* LRO aggregates capped to what a naive layout can carry */
	uint32_t workers;       /* worker lcores; a row needing more than EAL has is skipped */
};

static const struct bulk_cfg bulk_cfgs[] = {
	{ "off", PIPE_OFF, NIF_LAYOUT_PACKED, 1, false, 1 },
	{ "linearize", PIPE_LINEARIZE, NIF_LAYOUT_PACKED, 1, false, 1 },
	{ "chain", PIPE_CHAIN, NIF_LAYOUT_PACKED, 1, false, 1 },
	{ "rte_gro", PIPE_RTE_GRO, NIF_LAYOUT_PACKED, 1, false, 1 },
	{ "naive", PIPE_CHAIN, NIF_LAYOUT_NAIVE, 1, true, 1 },
	{ "naive_ref", PIPE_CHAIN, NIF_LAYOUT_PACKED, 1, true, 1 },
	{ "guests_2", PIPE_CHAIN, NIF_LAYOUT_PACKED, 2, false, 1 },
	{ "guests_4", PIPE_CHAIN, NIF_LAYOUT_PACKED, 4, false, 1 },
	{ "workers_2", PIPE_CHAIN, NIF_LAYOUT_PACKED, 2, false, 2 },
};
/* Rows that stand for another row too (same configuration, run once). */
#define ROW_CHAIN 2
#define ROW_GUESTS_2 6
#define ROW_WORKERS_2 8
#define NB_BULK RTE_DIM(bulk_cfgs)

/* A packet-rate configuration. */
struct rate_cfg {
	const char *name;
	bool from_guest;
	uint32_t frame_len;     /* without FCS: 60 is a 64-byte frame, 1514 a 1518-byte one */
};

static const struct rate_cfg rate_cfgs[] = {
	{ "into_guest_64", false, 60 },
	{ "into_guest_1518", false, 1514 },
	{ "from_guest_64", true, 60 },
	{ "from_guest_1518", true, 1514 },
};
#define NB_RATE RTE_DIM(rate_cfgs)

/* Guest-TX TSO frames to a wire port without TSO (#20): software GSO, per IP version. */
struct tso_cfg {
	const char *name;
	bool v6;
};

static const struct tso_cfg tso_cfgs[] = {
	{ "from_guest_tso_ipv4", false },
	{ "from_guest_tso_ipv6", true },
};
#define NB_TSO RTE_DIM(tso_cfgs)

/* The repetitions of one configuration. */
struct reps {
	struct pipe_result r[MAX_REPS];
	uint32_t n;
};

struct kv {
	char name[64];
	double v;
	int prec;
};

struct report {
	struct kv kv[MAX_KV];
	uint32_t n;
};

static void put(struct report *rep, const char *prefix, const char *name, double v, int prec)
{
	struct kv *k;

	if (rep->n == MAX_KV) {
		/* a figure silently missing would read as zero: stop instead */
		fprintf(stderr, "report full: raise MAX_KV (dropping %s_%s)\n", prefix, name);
		abort();
	}
	k = &rep->kv[rep->n++];
	snprintf(k->name, sizeof(k->name), "%s%s%s", prefix, prefix[0] ? "_" : "", name);
	k->v = v;
	k->prec = prec;
}

static double ratio(uint64_t a, uint64_t b)
{
	return b == 0 ? 0 : (double)a / (double)b;
}

/* Index of the repetition with the fewest Dom0 (@p domu false) or DomU cycles. Every
 * repetition of a configuration does the same work (same trace, same seed). */
static uint32_t best(const struct reps *s, bool domu)
{
	uint32_t b = 0;

	for (uint32_t i = 1; i < s->n; i++) {
		uint64_t cx = domu ? s->r[i].domu_cycles : s->r[i].dom0_cycles;
		uint64_t cy = domu ? s->r[b].domu_cycles : s->r[b].dom0_cycles;

		if (cx < cy)
			b = i;
	}
	return b;
}

/* (worst - best) / best of cycles per byte (bulk) or per packet, in percent. */
static double spread(const struct reps *s, bool domu, bool per_pkt)
{
	double lo = 0, hi = 0;

	for (uint32_t i = 0; i < s->n; i++) {
		const struct pipe_result *x = &s->r[i];
		double c = ratio(domu ? x->domu_cycles : x->dom0_cycles,
				 per_pkt ? x->pkts : x->payload_bytes);

		lo = i == 0 || c < lo ? c : lo;
		hi = i == 0 || c > hi ? c : hi;
	}
	return lo > 0 ? (hi - lo) / lo * 100.0 : 0;
}

static double gbps(uint64_t bytes, uint64_t cycles)
{
	return cycles == 0 ? 0 : (double)bytes * 8.0 / ((double)cycles / (double)rte_get_tsc_hz()) / 1e9;
}

static double mpps(uint64_t pkts, uint64_t cycles)
{
	return cycles == 0 ? 0 : (double)pkts / ((double)cycles / (double)rte_get_tsc_hz()) / 1e6;
}

/* Passes set aside as preempted (see struct pipe_clock), over all repetitions, percent. */
static double preempted_pct(const struct reps *s)
{
	uint64_t passes = 0, dropped = 0;

	for (uint32_t i = 0; i < s->n; i++) {
		passes += s->r[i].dom0.passes + s->r[i].domu.passes;
		dropped += s->r[i].dom0.dropped_passes + s->r[i].domu.dropped_passes;
	}
	return ratio(dropped * 100, passes);
}

static void report_bulk(struct report *rep, const char *name, const struct reps *s)
{
	const struct pipe_result *d = &s->r[best(s, false)], *u = &s->r[best(s, true)];

	if (s->n == 0)
		return; /* skipped: not enough lcores */
	/* the busiest worker sets the pace (with one worker: all Dom0 cycles) */
	put(rep, name, "gbps", gbps(d->payload_bytes, d->dom0_bottleneck_cycles), 2);
	put(rep, name, "gbps_serial", gbps(d->payload_bytes, d->dom0_cycles + d->domu_cycles), 2);
	put(rep, name, "gbps_wall", gbps(d->payload_bytes, d->wall_cycles), 2);
	put(rep, name, "segs_per_aggregate", ratio(d->gen_data, d->data_pkts), 2);
	put(rep, name, "slots_per_packet", ratio(d->slots, d->nif_pkts), 2);
	put(rep, name, "dom0_cycles_per_byte", ratio(d->dom0_cycles, d->payload_bytes), 3);
	put(rep, name, "domu_cycles_per_byte", ratio(u->domu_cycles, u->payload_bytes), 3);
	put(rep, name, "gcopy_segs_per_batch", ratio(d->gcopy_segs, d->gcopy_batches), 1);
	put(rep, name, "dom0_spread_pct", spread(s, false, false), 1);
	put(rep, name, "domu_spread_pct", spread(s, true, false), 1);
	put(rep, name, "preempted_passes_pct", preempted_pct(s), 3);
	put(rep, name, "bytes_delivered", (double)d->payload_bytes, 0);
	if (d->linearized + d->linearize_fail > 0)
		put(rep, name, "linearize_fail", (double)d->linearize_fail, 0);
}

static void report_rate(struct report *rep, const char *name, const struct reps *s)
{
	const struct pipe_result *d = &s->r[best(s, false)], *u = &s->r[best(s, true)];

	put(rep, name, "mpps", mpps(d->pkts, d->dom0_cycles), 2);
	put(rep, name, "dom0_cycles_per_packet", ratio(d->dom0_cycles, d->pkts), 1);
	put(rep, name, "domu_cycles_per_packet", ratio(u->domu_cycles, u->pkts), 1);
	put(rep, name, "dom0_spread_pct", spread(s, false, true), 1);
	put(rep, name, "domu_spread_pct", spread(s, true, true), 1);
	put(rep, name, "preempted_passes_pct", preempted_pct(s), 3);
}

/* A TSO row: payload over Dom0 time, per byte, and the segments made per frame. */
static void report_tso(struct report *rep, const char *name, const struct reps *s)
{
	const struct pipe_result *d = &s->r[best(s, false)], *u = &s->r[best(s, true)];

	put(rep, name, "gbps", gbps(d->payload_bytes, d->dom0_cycles), 2);
	put(rep, name, "dom0_cycles_per_byte", ratio(d->dom0_cycles, d->payload_bytes), 3);
	put(rep, name, "domu_cycles_per_byte", ratio(u->domu_cycles, u->payload_bytes), 3);
	put(rep, name, "segs_per_frame", ratio(d->data_pkts, d->pkts), 2);
	put(rep, name, "dom0_spread_pct", spread(s, false, false), 1);
	put(rep, name, "preempted_passes_pct", preempted_pct(s), 3);
}

static double get(const struct report *rep, const char *prefix, const char *name)
{
	char key[64];

	snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "_" : "", name);
	for (uint32_t i = 0; i < rep->n; i++)
		if (strcmp(rep->kv[i].name, key) == 0)
			return rep->kv[i].v;
	return 0;
}

/* The study's question: does the guest pay for the chain? And the naive control. */
static void report_study(struct report *rep)
{
	double lin = get(rep, "linearize", "domu_cycles_per_byte");
	double chain = get(rep, "chain", "domu_cycles_per_byte");
	double ref = get(rep, "naive_ref", "domu_cycles_per_byte");
	double naive = get(rep, "naive", "domu_cycles_per_byte");

	put(rep, "", "chain_vs_linearize_domu_pct", lin > 0 ? (chain - lin) / lin * 100 : 0, 1);
	put(rep, "", "naive_vs_packed_domu_pct", ref > 0 ? (naive - ref) / ref * 100 : 0, 1);
}

/* #20's question: does a guest's IPv6 TCP to the wire cost what its IPv4 does? */
static void report_tso_ratio(struct report *rep)
{
	double v4 = get(rep, "from_guest_tso_ipv4", "gbps");

	put(rep, "", "tso_ipv6_vs_ipv4_gbps", v4 > 0 ? get(rep, "from_guest_tso_ipv6", "gbps") / v4 : 0,
	    2);
}

/* Two guests on one worker lcore, then on two (each worker with its guests' consumers). */
static void print_workers(const struct report *rep)
{
	printf("\n%-8s %14s %14s %10s\n", "workers", "Gbit/s (Dom0)", "Gbit/s (wall)",
	       "Dom0 c/B");
	for (uint32_t w = 1; w <= PIPE_MAX_WORKERS; w++) {
		char p[16];

		snprintf(p, sizeof(p), "workers_%u", w);
		if (get(rep, p, "bytes_delivered") == 0) {
			printf("%-8u %14s (EAL has %u lcores)\n", w, "skipped", rte_lcore_count());
			continue;
		}
		printf("%-8u %14.2f %14.2f %10.3f\n", w, get(rep, p, "gbps"),
		       get(rep, p, "gbps_wall"), get(rep, p, "dom0_cycles_per_byte"));
	}
}

static void print_tables(const struct report *rep)
{
	static const char *const rows[] = { "off", "linearize", "chain", "rte_gro", "naive",
					    "naive_ref" };

	printf("%-10s %8s %8s %8s %10s %10s %8s %12s\n", "config", "Gbit/s", "segs/agg",
	       "slots/pkt", "Dom0 c/B", "DomU c/B", "segs/hc", "spread D0/DU");
	for (uint32_t i = 0; i < RTE_DIM(rows); i++)
		printf("%-10s %8.2f %8.2f %8.2f %10.3f %10.3f %8.1f %5.1f%%/%4.1f%%\n", rows[i],
		       get(rep, rows[i], "gbps"), get(rep, rows[i], "segs_per_aggregate"),
		       get(rep, rows[i], "slots_per_packet"),
		       get(rep, rows[i], "dom0_cycles_per_byte"),
		       get(rep, rows[i], "domu_cycles_per_byte"),
		       get(rep, rows[i], "gcopy_segs_per_batch"), get(rep, rows[i], "dom0_spread_pct"),
		       get(rep, rows[i], "domu_spread_pct"));
	printf("DomU cycles/byte, chain vs linearize: %+.1f %%; naive vs packed (same "
	       "aggregates): %+.1f %%\n", get(rep, "", "chain_vs_linearize_domu_pct"),
	       get(rep, "", "naive_vs_packed_domu_pct"));
	printf("\n%-16s %8s %12s %12s\n", "packet rate", "Mpps", "Dom0 c/pkt", "DomU c/pkt");
	for (uint32_t i = 0; i < NB_RATE; i++)
		printf("%-16s %8.2f %12.1f %12.1f\n", rate_cfgs[i].name,
		       get(rep, rate_cfgs[i].name, "mpps"),
		       get(rep, rate_cfgs[i].name, "dom0_cycles_per_packet"),
		       get(rep, rate_cfgs[i].name, "domu_cycles_per_packet"));
	printf("\n%-20s %8s %10s %10s %9s\n", "guest TSO, sw GSO", "Gbit/s", "Dom0 c/B",
	       "DomU c/B", "segs/frame");
	for (uint32_t i = 0; i < NB_TSO; i++)
		printf("%-20s %8.2f %10.3f %10.3f %9.1f\n", tso_cfgs[i].name,
		       get(rep, tso_cfgs[i].name, "gbps"),
		       get(rep, tso_cfgs[i].name, "dom0_cycles_per_byte"),
		       get(rep, tso_cfgs[i].name, "domu_cycles_per_byte"),
		       get(rep, tso_cfgs[i].name, "segs_per_frame"));
	printf("IPv6/IPv4 Gbit/s: %.2f\n", get(rep, "", "tso_ipv6_vs_ipv4_gbps"));
	printf("\n%-8s %8s %10s %10s\n", "guests", "Gbit/s", "Dom0 c/B", "DomU c/B");
	for (uint32_t g = 1; g <= 4; g *= 2) {
		char p[16];

		snprintf(p, sizeof(p), "guests_%u", g);
		printf("%-8u %8.2f %10.3f %10.3f\n", g, get(rep, p, "gbps"),
		       get(rep, p, "dom0_cycles_per_byte"), get(rep, p, "domu_cycles_per_byte"));
	}
	print_workers(rep);
	printf("\n");
}

static void print_kv(const struct report *rep, bool json)
{
	if (json)
		printf("{");
	for (uint32_t i = 0; i < rep->n; i++) {
		const struct kv *k = &rep->kv[i];

		if (json)
			printf("%s\n  \"%s\": %.*f", i ? "," : "", k->name, k->prec, k->v);
		else
			printf("%s: %.*f\n", k->name, k->prec, k->v);
	}
	if (json)
		printf("\n}\n");
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--packets N] [--small-packets N] [--tso-packets N] [--flows N]\n"
		"  [--active N]\n"
		"  [--timeout-us N] [--reps N] [--seed N] [--ipv6-pct N] [--psh-pct N]\n"
		"  [--short-pct N] [--reorder-permille N] [--budget-clock worker|wall]\n"
		"  [--json] [--help]\n"
		"EAL options via DNB_TEST_EAL_ARGS. The simulated hypervisor lives in a fresh\n"
		"directory under /dev/shm (or $TMPDIR), removed at exit.\n"
		"Rows: --lro off | linearize | chain, librte_gro in the LRO's place, the naive\n"
		"one-slot-per-segment layout and its packed reference (LRO capped to 18 segments),\n"
		"64/1518-byte packet rates into and from one guest, 64 000-byte TSO frames from one\n"
		"guest to a wire port without TSO (software GSO, TCP/IPv4 and TCP/IPv6), 1/2/4\n"
		"guests (chain), and two guests on 1 and 2 worker lcores (the second needs 2 EAL\n"
		"lcores).\n"
		"Gbit/s is TCP payload over the busiest worker's Dom0 (backend) time; gbps_serial\n"
		"over Dom0 + DomU time; gbps_wall over the run's wall time (guests, generator and\n"
		"checks included). Cycles per byte are per payload byte delivered. Best of --reps.\n"
		"The time budget runs on the wire worker's own timeline (bench_pipe_clock.c), or\n"
		"with --budget-clock wall on the wall clock (a control).\n",
		prog);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "packets", required_argument, NULL, 'n' },
		{ "small-packets", required_argument, NULL, 'm' },
		{ "tso-packets", required_argument, NULL, 'T' },
		{ "flows", required_argument, NULL, 'f' },
		{ "active", required_argument, NULL, 'a' },
		{ "timeout-us", required_argument, NULL, 't' },
		{ "reps", required_argument, NULL, 'R' },
		{ "seed", required_argument, NULL, 'S' },
		{ "ipv6-pct", required_argument, NULL, '6' },
		{ "psh-pct", required_argument, NULL, 'p' },
		{ "short-pct", required_argument, NULL, 's' },
		{ "reorder-permille", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "budget-clock", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		unsigned long v = 0;
		char *end = NULL;

		if (c == 'h')
			return 1;
		if (c == 'j') {
			o->json = true;
			continue;
		}
		if (c == '?' || optarg == NULL)
			return -1;
		if (c == 'c') {
			if (strcmp(optarg, "wall") != 0 && strcmp(optarg, "worker") != 0) {
				fprintf(stderr, "--budget-clock: 'worker' or 'wall', not '%s'\n",
					optarg);
				return -1;
			}
			o->wall_budget = strcmp(optarg, "wall") == 0;
			continue;
		}
		v = strtoul(optarg, &end, 0);
		if (*end != '\0' || v > UINT32_MAX)
			return -1;
		switch (c) {
		case 'n': o->packets = (uint32_t)v; break;
		case 'm': o->small_packets = (uint32_t)v; break;
		case 'T': o->tso_packets = (uint32_t)v; break;
		case 'f': o->flows = (uint32_t)v; break;
		case 'a': o->active = (uint32_t)v; break;
		case 't': o->timeout_us = (uint32_t)v; break;
		case 'R': o->reps = (uint32_t)v; break;
		case 'S': o->seed = v; break;
		case '6': o->v6_pct = (uint32_t)v; break;
		case 'p': o->psh_pct = (uint32_t)v; break;
		case 's': o->short_pct = (uint32_t)v; break;
		case 'r': o->reorder_pm = (uint32_t)v; break;
		default: return -1;
		}
	}
	if (optind != argc || o->packets == 0 || o->small_packets == 0 || o->tso_packets == 0 ||
	    o->flows == 0 ||
	    o->flows > 60000 || o->active == 0 || o->active > o->flows || o->timeout_us == 0 ||
	    o->reps == 0 || o->reps > MAX_REPS || o->v6_pct > 100 || o->psh_pct > 100 ||
	    o->short_pct > 100 || o->reorder_pm > 1000)
		return -1;
	return 0;
}

static struct pipe_run_conf bulk_conf(const struct opts *o, const struct bulk_cfg *c)
{
	struct pipe_run_conf rc = {
		.eng = c->eng, .layout = c->layout, .nb_guests = c->nb_guests,
		.workers = c->workers, .packets = o->packets, .timeout_us = o->timeout_us,
		.wall_budget = o->wall_budget,
		.fo = {
			.flows = o->flows, .active = o->active, .train_segs = 45, .mss = 1448,
			.mtu = 1500,
			.psh_pct = o->psh_pct, .short_pct = o->short_pct,
			.reorder_pm = o->reorder_pm, .ack_ptt = 5, .v6_pct = o->v6_pct,
			.ts = true, .seed = o->seed,
		},
	};

	/* A naive layout needs one slot per segment: at most NIF_MAX_DATA_SLOTS segments
	 * (IPv6 header 40 + TCP with timestamps 32), else netif drops the aggregate. */
	if (c->naive_cap)
		rc.lro_max_ip_len = 40 + 32 + NIF_MAX_DATA_SLOTS * rc.fo.mss;
	return rc;
}

/* Fixed-size frames, one flow per burst slot, no aggregation: a packet rate. */
static struct pipe_run_conf rate_conf(const struct opts *o, const struct rate_cfg *c)
{
	struct pipe_run_conf rc = {
		.eng = PIPE_OFF, .layout = NIF_LAYOUT_PACKED, .nb_guests = 1,
		.packets = o->small_packets, .timeout_us = o->timeout_us,
		.fo = {
			.flows = o->flows, .active = o->active, .train_segs = 45,
			.mss = (uint16_t)(c->frame_len - 54), .ts = false, .seed = o->seed,
		},
	};
	return rc;
}

static int run_all(const struct pipe_env *env, const struct opts *o, struct reps *bulk,
		   struct reps *rate, struct reps *tso)
{
	char err[256];

	/* Repetitions outside, configurations inside: a noisy spell on the shared host
	 * touches every configuration alike rather than all runs of one. */
	for (uint32_t rep = 0; rep < o->reps; rep++) {
		for (uint32_t i = 0; i < NB_BULK; i++) {
			struct pipe_run_conf rc = bulk_conf(o, &bulk_cfgs[i]);

			if (bulk_cfgs[i].workers > rte_lcore_count())
				continue;
			if (pipe_run_rx(env, &rc, &bulk[i].r[bulk[i].n++], err, sizeof(err)) != 0) {
				fprintf(stderr, "%s: %s\n", bulk_cfgs[i].name, err);
				return -1;
			}
		}
		for (uint32_t i = 0; i < NB_RATE; i++) {
			struct pipe_result *r = &rate[i].r[rate[i].n++];
			struct pipe_run_conf rc = rate_conf(o, &rate_cfgs[i]);
			int rc_run = rate_cfgs[i].from_guest ?
				pipe_run_tx(env, rate_cfgs[i].frame_len, o->small_packets, r, err,
					    sizeof(err)) :
				pipe_run_rx(env, &rc, r, err, sizeof(err));

			if (rc_run != 0) {
				fprintf(stderr, "%s: %s\n", rate_cfgs[i].name, err);
				return -1;
			}
		}
		for (uint32_t i = 0; i < NB_TSO; i++)
			if (pipe_run_tx_tso(env, tso_cfgs[i].v6, o->tso_packets,
					    &tso[i].r[tso[i].n++], err, sizeof(err)) != 0) {
				fprintf(stderr, "%s: %s\n", tso_cfgs[i].name, err);
				return -1;
			}
	}
	return 0;
}

/* The sim hypervisor's directory: tmpfs, fresh, ours alone. */
static int sim_dir_create(char *dir, size_t len)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

	snprintf(dir, len, "%s/dpdk-netback-bench-XXXXXX", base != NULL ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	return setenv("XENSIM_DIR", dir, 1);
}

static void sim_dir_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

static int env_create(struct pipe_env *env, const char *dir)
{
	const struct xen_ops *ops = xen_ops_select("sim");

	env->dir = dir;
	/* wire: the LRO may hold 8192, plus a burst, the vif backlogs and the switch */
	env->pool = rte_pktmbuf_pool_create("pipe_wire", 16383, 256, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	env->big_pool = rte_pktmbuf_pool_create("pipe_linear", 1023, 32, 0, UINT16_MAX,
						SOCKET_ID_ANY);
	env->tx_pool = rte_pktmbuf_pool_create("pipe_guest_tx", 4095, 256, 0,
					       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	env->hv = ops != NULL ? xen_hv_open(ops) : NULL;
	return env->pool && env->big_pool && env->tx_pool && env->hv ? 0 : -1;
}

static unsigned int env_in_use(const struct pipe_env *env)
{
	return rte_mempool_in_use_count(env->pool) + rte_mempool_in_use_count(env->big_pool) +
	       rte_mempool_in_use_count(env->tx_pool);
}

static void report_meta(struct report *rep, const struct opts *o)
{
	put(rep, "", "packets", o->packets, 0);
	put(rep, "", "small_packets", o->small_packets, 0);
	put(rep, "", "flows", o->flows, 0);
	put(rep, "", "active_flows", o->active, 0);
	put(rep, "", "mss", 1448, 0);
	put(rep, "", "ipv6_pct", o->v6_pct, 0);
	put(rep, "", "timeout_us", o->timeout_us, 0);
	put(rep, "", "budget_on_wall_clock", o->wall_budget, 0);
	put(rep, "", "reps", o->reps, 0);
	put(rep, "", "tsc_hz", (double)rte_get_tsc_hz(), 0);
}

int main(int argc, char **argv)
{
	struct opts o = {
		.packets = 1000000, .small_packets = 1500000, .tso_packets = 20000, .flows = 64,
		.active = 4,
		.timeout_us = 40, .reps = 3, .v6_pct = 0, .psh_pct = 30, .short_pct = 20,
		.reorder_pm = 2, .seed = 1,
	};
	static struct reps bulk[NB_BULK], rate[NB_RATE], tso[NB_TSO];
	static struct report rep;
	struct pipe_env env = { 0 };
	char dir[256];
	int rc = parse_opts(argc, argv, &o), status = 1;

	if (rc != 0) {
		usage(argv[0]);
		return rc > 0 ? 0 : 2;
	}
	if (dnb_test_eal_init(512) != 0)
		return 1;
	if (sim_dir_create(dir, sizeof(dir)) != 0) {
		perror("sim directory");
		return 1;
	}
	if (env_create(&env, dir) != 0) {
		fprintf(stderr, "cannot create pools or open the sim hypervisor\n");
		goto out;
	}
	if (run_all(&env, &o, bulk, rate, tso) != 0)
		goto out;
	report_meta(&rep, &o);
	for (uint32_t i = 0; i < NB_BULK; i++)
		report_bulk(&rep, bulk_cfgs[i].name, &bulk[i]);
	/* one guest is the chain row itself; one worker with two guests is guests_2 */
	report_bulk(&rep, "guests_1", &bulk[ROW_CHAIN]);
	report_bulk(&rep, "workers_1", &bulk[ROW_GUESTS_2]);
	put(&rep, "", "lcores", rte_lcore_count(), 0);
	for (uint32_t i = 0; i < NB_RATE; i++)
		report_rate(&rep, rate_cfgs[i].name, &rate[i]);
	for (uint32_t i = 0; i < NB_TSO; i++)
		report_tso(&rep, tso_cfgs[i].name, &tso[i]);
	report_study(&rep);
	report_tso_ratio(&rep);
	if (!o.json)
		print_tables(&rep);
	print_kv(&rep, o.json);
	if (env_in_use(&env) != 0) {
		fprintf(stderr, "integrity: %u mbufs not returned\n", env_in_use(&env));
		goto out;
	}
	status = 0;
out:
	xen_hv_close(env.hv);
	rte_mempool_free(env.pool);
	rte_mempool_free(env.big_pool);
	rte_mempool_free(env.tx_pool);
	sim_dir_remove(dir);
	return status;
}
