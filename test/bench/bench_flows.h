/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Synthetic bulk TCP receive trace for the benchmarks (bench_lro, bench_pipeline): many
 * flows (MSS 1448 by default, timestamps), IPv4 and/or IPv6, optionally a quarter with a VLAN
 * tag. A few flows are sending at any time (active); each sends TSO-sized trains
 * (train_segs segments) that interleave segment by segment with the other active flows'
 * trains. A train ends with PSH sometimes and with a short segment sometimes; the timestamp
 * moves between trains; now and then two neighbouring segments are swapped (reordering) or
 * the sender slips in a pure ACK.
 *
 * Each mbuf is built just before it is fed, from a per-flow template, with checksums done as
 * a sender would, and carries what a NIC fills in (packet_type, l2/l3/l4 lengths, optional
 * checksum-good flags).
 *
 * Payload: either the template's bytes in every segment (cheapest; bench_lro), or bytes that
 * are a function of the flow and the TCP sequence number (seq_payload), so a receiver can
 * check every delivered byte with bf_expected_payload().
 */
#ifndef DNB_BENCH_FLOWS_H
#define DNB_BENCH_FLOWS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "test_lro_util.h"

/** Bytes of the sequence-keyed payload pattern's period. */
#define BF_PATTERN_PERIOD 65536u

struct bf_opts {
	uint32_t flows;
	uint32_t active;      /* flows sending at a time, <= flows */
	uint32_t train_segs;  /* segments per train (45: a 64 KiB TSO burst) */
	uint16_t mss;         /* full segment payload */
	uint16_t mtu;         /* nonzero: a flow's MSS is also capped to fit this IP MTU
			       * (IPv6 and TCP options take their room, as a sender's would) */
	uint32_t psh_pct;     /* trains ending with PSH */
	uint32_t short_pct;   /* trains ending with a short segment */
	uint32_t reorder_pm;  /* per mille of neighbouring segments swapped */
	uint32_t ack_ptt;     /* per ten thousand: a pure ACK instead of data */
	uint32_t v6_pct;      /* flows on IPv6 */
	bool vlan;            /* a quarter of the flows carry an 802.1Q tag */
	bool ts;              /* TCP timestamp option */
	bool seq_payload;     /* payload keyed by flow and sequence number (checkable) */
	uint64_t seed;
	/* Destination MACs: flow f goes to dst_macs[f % nb_dst]; nb_dst 0 keeps the default. */
	const struct rte_ether_addr *dst_macs;
	uint32_t nb_dst;
};

struct bf_flow {
	struct tl_seg next;
	uint32_t train_left;
	uint16_t mss;             /* this flow's full segment payload */
	uint32_t payload_sum;     /* one's complement sum of the template's full payload */
	uint32_t l3, l4, pl;      /* offsets in the template */
	uint32_t ptype;
	uint8_t tmpl[TL_MAX_FRAME];
};

struct bf_gen {
	struct bf_opts o;
	struct bf_flow *flow;
	uint32_t *active;     /* flow index per active slot */
	uint8_t *pattern;     /* seq_payload: 2 periods + one MSS, period BF_PATTERN_PERIOD */
	uint64_t rng;
};

/** What a burst put on the wire. */
struct bf_counts {
	uint64_t pkts;
	uint64_t data;        /* segments with payload */
	uint64_t data_v4;
	uint64_t bytes;       /* TCP payload bytes */
	uint64_t frame_bytes; /* Ethernet frame bytes */
};

/** Set up flows and templates. @return 0, -EINVAL (bad options) or -ENOMEM. */
int bf_gen_init(struct bf_gen *g, const struct bf_opts *o);
void bf_gen_free(struct bf_gen *g);

/** A pseudo-random number from the generator's stream. */
uint32_t bf_rnd(struct bf_gen *g);

/** The next segment on the wire (flow numbers in tl_seg are 1-based). */
void bf_gen_next(struct bf_gen *g, struct tl_seg *out);

/** Write @p s into the empty mbuf @p m from its flow's template (headers, payload, sums). */
void bf_build_pkt(const struct bf_gen *g, const struct tl_seg *s, struct rte_mbuf *m);

/**
 * Allocate @p n mbufs from @p mp and build the next @p n segments into them, then swap
 * neighbours now and then (reorder_pm). Counts are added to @p c.
 * @return 0, or -ENOBUFS when the pool is exhausted (nothing allocated).
 */
int bf_build_burst(struct bf_gen *g, struct rte_mempool *mp, struct rte_mbuf **m, uint32_t n,
		   bool cksum_flags, struct bf_counts *c);

/**
 * Flow index (0-based) of a frame built by this generator, from its TCP source port, with
 * the header offsets. @return false when the frame is not one of ours.
 */
bool bf_frame_flow(const struct bf_gen *g, const uint8_t *frame, uint32_t len, uint32_t *flow,
		   uint32_t *seq, uint32_t *payload_off, uint32_t *payload_len);

/**
 * seq_payload only: the @p len (<= BF_PATTERN_PERIOD + mss) bytes flow @p flow sends from
 * sequence number @p seq, contiguous.
 */
const uint8_t *bf_expected_payload(const struct bf_gen *g, uint32_t flow, uint32_t seq);

#endif /* DNB_BENCH_FLOWS_H */
