/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-netback-bench internals: the whole datapath built in-process from the libraries.
 *
 *   bench_flows (the "NIC") -> LRO | librte_gro | nothing -> [linearize] -> l2sw
 *     -> per vif lib/netif nif_rxq (prepare, xen_hv_grant_copy with the sim hypervisor,
 *        finish) -> the simulated guest (bench_pipe_guest.c): netfront-style consumer
 *
 * and the other way (from one guest): guest TX requests -> nif_txq -> l2sw -> a sink port;
 * for TSO frames, l2sw -> app/egress.c (software GSO, checksums) -> a fake wire NIC's sink.
 *
 * Everything runs on one thread, backend and guests taking turns, so the TSC around the
 * backend part (Dom0) and around the guest part (DomU) measures each side alone.
 */
#ifndef DNB_BENCH_PIPE_H
#define DNB_BENCH_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "bench_flows.h"
#include "guest_ring.h"
#include "nif.h"
#include "xen_ops.h"

#define PIPE_MAX_GUESTS 4
/* Worker lcores of a guest-RX run: 0 owns the wire port and even vifs, 1 the odd vifs. */
#define PIPE_MAX_WORKERS 2
/* Largest frame a guest accepts: a 64 KiB IP packet plus Ethernet and VLAN headers. */
#define PIPE_SKB_BYTES (65536u + 64u)

/*
 * Cycle accounting robust to the scheduler. The host is shared: the TSC keeps counting while
 * this thread is descheduled, which would bill another process's time slice to a pass.
 * A pass (one Dom0 or one DomU turn, tens of microseconds at most) that took longer than
 * PIPE_PREEMPTED_US is taken as preempted: its cycles and its bytes are set aside, and the
 * run's cycles are estimated from the other passes at their cycles per byte. The number of
 * passes set aside is reported.
 */
#define PIPE_PREEMPTED_US 500

struct pipe_clock {
	uint64_t cycles, bytes;          /* passes kept */
	uint64_t dropped_cycles, dropped_bytes;
	uint64_t passes, dropped_passes;
};

static inline void pipe_clock_add(struct pipe_clock *c, uint64_t cycles, uint64_t bytes,
				  uint64_t preempted_cycles)
{
	c->passes++;
	if (cycles > preempted_cycles) {
		c->dropped_passes++;
		c->dropped_cycles += cycles;
		c->dropped_bytes += bytes;
	} else {
		c->cycles += cycles;
		c->bytes += bytes;
	}
}

static inline void pipe_clock_merge(struct pipe_clock *to, const struct pipe_clock *from)
{
	to->cycles += from->cycles;
	to->bytes += from->bytes;
	to->dropped_cycles += from->dropped_cycles;
	to->dropped_bytes += from->dropped_bytes;
	to->passes += from->passes;
	to->dropped_passes += from->dropped_passes;
}

/* Cycles the whole run would have taken at the kept passes' cycles per byte. */
static inline uint64_t pipe_clock_estimate(const struct pipe_clock *c)
{
	if (c->bytes == 0)
		return c->cycles;
	return (uint64_t)((double)c->cycles * (double)(c->bytes + c->dropped_bytes) /
			  (double)c->bytes);
}

/*
 * The wire worker's own timeline, for the aggregation engines' time budget: only Dom0
 * passes advance it (bench_pipe_clock.c says why and how librte_gro gets the same).
 */
#define PIPE_VCLOCK_HIST 1024

struct pipe_vclock_mark {
	uint64_t v, w; /* the timeline and the TSC at a pass start */
};

struct pipe_vclock {
	uint64_t now;             /* the timeline, in TSC cycles, at the last pass end */
	uint64_t origin_wall;     /* the TSC when the timeline started (= its origin) */
	uint64_t pass_wall;       /* the TSC at the current pass's start */
	uint64_t max_pass_cycles; /* a pass counts at most this much (preemption) */
	uint32_t head;            /* marks written */
	bool wall;                /* the budget runs on the wall clock instead (a control) */
	struct pipe_vclock_mark hist[PIPE_VCLOCK_HIST];
};

void pipe_vclock_init(struct pipe_vclock *c, uint64_t max_pass_cycles, bool wall);
/* Start a Dom0 pass. @return the timeline's "now" for the pass (what lib/lro is given). */
uint64_t pipe_vclock_pass_begin(struct pipe_vclock *c);
void pipe_vclock_pass_end(struct pipe_vclock *c);
/* Inside a pass: the wall-clock age (TSC cycles) that corresponds to @p budget cycles of
 * the timeline, as librte_gro's timeout argument. */
uint64_t pipe_vclock_wall_budget(const struct pipe_vclock *c, uint64_t budget);

enum pipe_engine {
	PIPE_OFF,       /* --lro off */
	PIPE_LINEARIZE, /* --lro linearize: LRO, then each aggregate copied into one buffer */
	PIPE_CHAIN,     /* --lro chain: LRO aggregates grant-copied segment by segment */
	PIPE_RTE_GRO,   /* librte_gro (heavyweight, timeout flush) in place of the LRO */
};

/* One simulated guest domain: its memory, grant table, rings and netfront-style queues. */
struct pipe_guest {
	uint16_t domid;
	struct xensim_dom *dom;
	int rx_ring_ref, tx_ring_ref;
	struct gr_rxq *rxq;
	struct gr_txq *txq;
	uint8_t *skb;              /* the socket buffer each packet is copied into */
	const struct bf_gen *gen;  /* to check delivered payload; NULL: no check */
	uint64_t *flow_bytes;      /* payload bytes delivered per flow */
	/* DomU accounting: TSC in the consumer (or, for TX, the producer) */
	struct pipe_clock clock;
	uint64_t preempted_cycles;
	uint64_t pkts, frame_bytes, data_pkts, payload_bytes;
	uint64_t bad_payload;      /* packets whose payload differs from what was sent */
	uint64_t foreign;          /* packets not of the generator's flows */
	/* TX producer */
	uint8_t *tx_frame;         /* PIPE_SKB_BYTES: a TSO frame fits */
	uint32_t tx_len;
	uint32_t tx_posted;
	uint16_t tx_mss;           /* 0: plain frames; else TSO frames with this MSS */
	bool tx_v6;                /* the TSO frame is TCP/IPv6 */
} __rte_cache_aligned; /* guests are consumed on different lcores: no shared lines */

/* Create the guest's domain in @p dir with its rings initialised and RX buffers posted;
 * @p tx_gso: its TX ring negotiates scatter-gather, TSO for both IP versions and IPv6
 * checksum offload (TSO runs), else one slot per frame. */
int pipe_guest_create(struct pipe_guest *g, const char *dir, uint16_t domid,
		      const struct bf_gen *gen, uint32_t flows, bool tx_gso);
void pipe_guest_destroy(struct pipe_guest *g);
/* Consume every RX response (timed), check each packet (untimed), repost buffers (timed). */
int pipe_guest_rx(struct pipe_guest *g);
/* Reclaim TX responses and post frames until the ring is full or @p max_total posted. */
int pipe_guest_tx(struct pipe_guest *g, uint32_t max_total);

/* The backend side of one vif. */
struct pipe_vif {
	void *rx_ring, *tx_ring;   /* the guest's ring pages, mapped through xen_hv_map */
	struct nif_rxq *rxq;
	struct nif_txq *txq;
	struct rte_mbuf **backlog; /* switched to this vif, not yet taken by the ring */
	uint32_t nb_backlog;
} __rte_cache_aligned; /* each written by its owner worker: no shared lines */

int pipe_vif_create(struct pipe_vif *v, struct xen_hv *hv, const struct pipe_guest *g,
		    enum nif_layout layout, struct rte_mempool *tx_pool);
void pipe_vif_destroy(struct pipe_vif *v, struct xen_hv *hv);
/* Grant-copy as much of the backlog as the guest's ring takes. @return packets taken. */
uint32_t pipe_vif_deliver(struct pipe_vif *v, struct xen_hv *hv);
/* One guest-TX burst into @p pkts (room 64). @return mbufs delivered. */
uint16_t pipe_vif_receive(struct pipe_vif *v, struct xen_hv *hv, struct rte_mbuf **pkts);

#define PIPE_BACKLOG_CAP 4096u

/* The test bed (bench_pipe_bed.c): switch port 0 is the wire, port 1 + i guest i's vif. */
#define PIPE_WIRE_PORT 0
/* A run that moves nothing for this long is stuck (a bug): it fails instead of hanging. */
#define PIPE_STUCK_SECONDS 5

struct l2sw;
struct l2sw_out;
struct pipe_env;

struct pipe_bed {
	uint32_t nb_guests;
	struct pipe_guest guest[PIPE_MAX_GUESTS];
	struct pipe_vif vif[PIPE_MAX_GUESTS];
	struct l2sw *sw;
	struct l2sw_out *out;      /* the wire worker's switch output */
};

/* The station on the wire (TX runs' destination). */
extern const struct rte_ether_addr pipe_wire_station;
/* Guest @p i's MAC (the generator's destination for its flows). */
struct rte_ether_addr pipe_guest_mac(uint32_t i);
/* @p nb_guests guests with their vifs and the switch. @return 0, or -1 (nothing left). */
int pipe_bed_create(struct pipe_bed *b, const struct pipe_env *env, uint32_t nb_guests,
		    enum nif_layout layout, const struct bf_gen *gen, uint32_t flows);
void pipe_bed_destroy(struct pipe_bed *b, const struct pipe_env *env);

/* The aggregation stage (bench_pipe_engine.c). */
struct pipe_eng;

struct pipe_eng *pipe_eng_create(enum pipe_engine eng, uint32_t timeout_us,
				 uint32_t lro_max_ip_len, struct rte_mempool *big_pool);
void pipe_eng_free(struct pipe_eng *e);
/*
 * Feed @p nb received packets (may be 0: only the time-budget flush) and write what goes on
 * to the switch into @p out (room >= 2 * nb). @p final flushes everything held. Called
 * inside a pass of @p clk, whose timeline the time budget runs on.
 * @return packets written to @p out.
 */
uint32_t pipe_eng_step(struct pipe_eng *e, struct rte_mbuf **pkts, uint16_t nb,
		       const struct pipe_vclock *clk, bool final, struct rte_mbuf **out,
		       uint32_t room);
/* Packets still held (open aggregates). */
uint64_t pipe_eng_held(struct pipe_eng *e);
void pipe_eng_linearize_counts(const struct pipe_eng *e, uint64_t *done, uint64_t *failed);

/* What every run shares: pools, the hypervisor handle, the sim directory. */
struct pipe_env {
	struct rte_mempool *pool;     /* wire mbufs (the "NIC"'s receive pool) */
	struct rte_mempool *big_pool; /* --lro linearize: one 64 KiB buffer per aggregate */
	struct rte_mempool *tx_pool;  /* guest-TX mbufs */
	struct xen_hv *hv;            /* xen_ops_select("sim") */
	const char *dir;              /* XENSIM_DIR */
	bool guest_tx_gso;            /* the beds' guests send TSO frames (pipe_guest_create) */
};

/* One guest-RX run. */
struct pipe_run_conf {
	enum pipe_engine eng;
	enum nif_layout layout;
	uint32_t nb_guests;        /* 1..PIPE_MAX_GUESTS; flow f goes to guest f % nb_guests */
	uint32_t workers;          /* 1..PIPE_MAX_WORKERS (0: 1), at most nb_guests */
	struct bf_opts fo;         /* the trace (seq_payload is forced on) */
	uint32_t packets;          /* segments generated */
	uint32_t timeout_us;       /* LRO / librte_gro time budget */
	uint32_t lro_max_ip_len;   /* 0: the LRO's default */
	bool wall_budget;          /* time budget on the wall clock, not the worker's timeline */
};

/* Counts of one run (RX or TX). */
struct pipe_result {
	uint64_t dom0_cycles, domu_cycles;        /* estimated, see struct pipe_clock */
	uint64_t dom0_bottleneck_cycles;          /* the busiest worker's Dom0 cycles */
	uint64_t dom0_worker_cycles[PIPE_MAX_WORKERS];
	uint64_t wall_cycles;                     /* the run, guests and generator included */
	uint32_t workers;
	struct pipe_clock dom0, domu;
	uint64_t gen_pkts, gen_data, gen_bytes;   /* what the generator sent */
	uint64_t pkts, data_pkts, payload_bytes, frame_bytes; /* what the guests (sink) got */
	uint64_t slots, nif_pkts, gcopy_segs, gcopy_batches;
	uint64_t linearized, linearize_fail;
};

/* Run the wire -> guests pipeline once. @return 0, or -1 with the reason in @p err. */
int pipe_run_rx(const struct pipe_env *env, const struct pipe_run_conf *rc,
		struct pipe_result *r, char *err, size_t err_len);

/* Run one guest -> wire sink with @p packets frames of @p frame_len bytes. */
int pipe_run_tx(const struct pipe_env *env, uint32_t frame_len, uint32_t packets,
		struct pipe_result *r, char *err, size_t err_len);
/* Teach the switch where the wire station is, as its first frame would (TX runs). */
int pipe_tx_prime(struct pipe_bed *b, struct rte_mempool *mp);

/* TSO frames (64 000 bytes of TCP payload) from one guest to a wire port without TSO or
 * checksum offload: app/egress.c segments them in software (librte_gso for IPv4, lib/pkt
 * for IPv6, @p v6) and completes the checksums; a sink NIC checks every segment.
 * r->pkts counts TSO frames, r->payload_bytes their TCP payload (bench_pipe_tso.c). */
int pipe_run_tx_tso(const struct pipe_env *env, bool v6, uint32_t packets,
		    struct pipe_result *r, char *err, size_t err_len);

#endif /* DNB_BENCH_PIPE_H */
