/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guest-TX TSO runs of dpdk-netback-bench (#20): guest 1 sends 64 000-byte TSO frames
 * (its TAP's GSO, as netfront passes it on), the vif grant-copies them into mbuf chains,
 * the switch sends them to the wire port, and app/egress.c's dnb_port_tx does what a port
 * without TSO or checksum offload needs (net_af_packet's case): pkt_gso_segment (librte_gso
 * for TCP/IPv4, lib/pkt for TCP/IPv6), each segment's checksums in software. The wire port
 * is a fake ethdev whose tx_burst is the sink: it checks every segment (untimed) and frees
 * it (a TX completion, timed).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "bench_pipe.h"
#include "dnb.h"
#include "dnb_test_nic.h"
#include "l2sw.h"
#include "test_lro_util.h"

#define TSO_PAYLOAD 64000u
#define TSO_MTU 1500u
/* A pass here moves up to ~15 TSO frames (1 MiB, ~45 segments each): hundreds of
 * microseconds of real work, so a pass counts as preempted only past this. */
#define TSO_PREEMPTED_US 5000u

int dnb_logtype; /* app/main.c registers it; egress.c logs its GSO drops through it */

/* The sink behind the fake NIC: where the segments of the current frame are. */
static struct tso_sink {
	const uint8_t *frame;
	uint32_t len, hdr, pos;  /* frame length, its headers, payload bytes seen of it */
	uint64_t next_ctr, frames, segs, bad;
	uint64_t check_cycles;   /* untimed: taken out of the Dom0 pass */
} sink;

/* One segment: its payload continues the frame's at sink.pos; the last carries the frame's
 * running number in its last 4 bytes. */
static void sink_check_one(const struct rte_mbuf *m)
{
	static uint8_t buf[PIPE_SKB_BYTES];
	uint32_t plen = m->pkt_len - sink.hdr, total = sink.len - sink.hdr, cmp;
	const uint8_t *d = rte_pktmbuf_read(m, 0, m->pkt_len, buf);

	sink.segs++;
	if (d == NULL || m->pkt_len <= sink.hdr || sink.pos + plen > total ||
	    memcmp(d, sink.frame, 12) != 0) {
		sink.bad++;
		return;
	}
	cmp = RTE_MIN(plen, total - 4 > sink.pos ? total - 4 - sink.pos : 0);
	if (memcmp(d + sink.hdr, sink.frame + sink.hdr + sink.pos, cmp) != 0)
		sink.bad++;
	sink.pos += plen;
	if (sink.pos == total) {
		uint32_t ctr;

		memcpy(&ctr, d + m->pkt_len - 4, sizeof(ctr));
		if (ctr != (uint32_t)sink.next_ctr)
			sink.bad++;
		sink.next_ctr++;
		sink.frames++;
		sink.pos = 0;
	}
}

static uint16_t nic_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t nb)
{
	uint64_t t0 = rte_rdtsc();

	(void)txq;
	for (uint16_t i = 0; i < nb; i++)
		sink_check_one(pkts[i]);
	sink.check_cycles += rte_rdtsc() - t0;
	rte_pktmbuf_free_bulk(pkts, nb);
	return nb;
}

/* The wire port, made once per process: no offloads but chains, as net_af_packet.
 * @return its port id, or -1. */
static int nic_port(void)
{
	static int port = -1;

	if (port < 0)
		port = dnb_test_nic_create("bench_wire", RTE_ETH_TX_OFFLOAD_MULTI_SEGS, 9728, NULL,
					   nic_tx_burst);
	return port;
}

/* The TSO frame the guest sends: timestamps on, an MSS that fills the wire's MTU. */
static void tso_frame_init(struct pipe_guest *g, bool v6)
{
	struct tl_seg s = tl_seg_default(1, v6 ? 6 : 4, TSO_PAYLOAD);
	struct rte_ether_addr src = pipe_guest_mac(0);

	g->tx_len = tl_build_frame(&s, g->tx_frame);
	memcpy(g->tx_frame, &pipe_wire_station, RTE_ETHER_ADDR_LEN);
	memcpy(g->tx_frame + RTE_ETHER_ADDR_LEN, &src, RTE_ETHER_ADDR_LEN);
	g->tx_v6 = v6;
	g->tx_mss = (uint16_t)(TSO_MTU - (v6 ? 40 : 20) - 32);
	sink = (struct tso_sink){ .frame = g->tx_frame, .len = g->tx_len,
				  .hdr = RTE_ETHER_HDR_LEN + (v6 ? 40 : 20) + 32 };
}

/* One Dom0 pass: a guest-TX burst, switched, through egress to the NIC; the sink's checks
 * are taken out of the time. */
static void tso_dom0_pass(struct pipe_bed *b, struct xen_hv *hv, struct dnb_app *app,
			  struct dnb_port *wire, struct pipe_result *r)
{
	struct rte_mbuf *pkts[64], **tx;
	uint64_t start = rte_rdtsc(), checks = sink.check_cycles, frames = sink.frames;
	uint16_t n = pipe_vif_receive(&b->vif[0], hv, pkts), port;

	if (n > 0)
		l2sw_forward_burst(b->sw, b->out, 1, pkts, n, start);
	while ((n = l2sw_out_next(b->out, &port, &tx)) != 0) {
		if (port == PIPE_WIRE_PORT)
			dnb_port_tx(app, wire, tx, n);
		else
			rte_pktmbuf_free_bulk(tx, n); /* misrouted: the check below fails */
		l2sw_out_done(b->out, port, n);
	}
	pipe_clock_add(&r->dom0, rte_rdtsc() - start - (sink.check_cycles - checks),
		       (sink.frames - frames) * TSO_PAYLOAD, b->guest[0].preempted_cycles);
}

/* What dnb_port_tx needs of the app and of the wire port: the shared pool, GSO, the MTU. */
static int tso_egress_init(const struct pipe_env *env, struct dnb_app *app,
			   struct dnb_port *wire)
{
	static struct rte_mempool *indirect;
	int port = nic_port();

	if (indirect == NULL)
		indirect = rte_pktmbuf_pool_create("pipe_gso_ind", 8191, 256, 0, 0,
						   SOCKET_ID_ANY);
	if (indirect == NULL || port < 0)
		return -1;
	memset(wire, 0, sizeof(*wire));
	wire->port_id = (uint16_t)port;
	wire->mtu = TSO_MTU; /* no TSO, no checksum offload, no VLAN insertion */
	app->pool = env->pool;
	app->gso_indirect = indirect;
	app->gso = (struct rte_gso_ctx){ .direct_pool = env->pool, .indirect_pool = indirect,
					 .gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO };
	return 0;
}

static int tso_result(struct pipe_bed *b, const struct dnb_port *wire, struct pipe_result *r,
		      char *err, size_t err_len)
{
	const struct nif_tx_stats *st = nif_txq_stats(b->vif[0].txq);

	r->domu = b->guest[0].clock;
	r->dom0_cycles = pipe_clock_estimate(&r->dom0);
	r->domu_cycles = pipe_clock_estimate(&r->domu);
	r->gen_pkts = b->guest[0].tx_posted;
	r->pkts = sink.frames;
	r->data_pkts = sink.segs;
	r->payload_bytes = sink.frames * TSO_PAYLOAD;
	r->frame_bytes = sink.frames * sink.len;
	r->slots = st->tx_slots;
	r->nif_pkts = st->tx_packets;
	r->gcopy_segs = st->gcopy_segs;
	r->gcopy_batches = st->gcopy_batches;
	if (sink.bad == 0 && wire->stats.tx_drops == 0 && st->tx_error_rsp == 0 &&
	    wire->stats.gso_segs == sink.segs && r->nif_pkts == sink.frames)
		return 0;
	snprintf(err, err_len, "guest TSO: %" PRIu64 " bad segments, %" PRIu64 " wire drops, %"
		 PRIu64 " error responses, %" PRIu64 " frames from the vif / %" PRIu64
		 " at the sink, %" PRIu64 " segments made / %" PRIu64 " seen", sink.bad,
		 wire->stats.tx_drops, st->tx_error_rsp, r->nif_pkts, sink.frames,
		 wire->stats.gso_segs, sink.segs);
	return -1;
}

int pipe_run_tx_tso(const struct pipe_env *env, bool v6, uint32_t packets,
		    struct pipe_result *r, char *err, size_t err_len)
{
	static struct dnb_app app;
	static struct dnb_port wire;
	uint64_t stuck = rte_get_tsc_hz() * PIPE_STUCK_SECONDS, last = rte_rdtsc(), seen = 0;
	struct pipe_env genv = *env;
	struct pipe_bed b;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	genv.guest_tx_gso = true;
	if (tso_egress_init(env, &app, &wire) != 0 ||
	    pipe_bed_create(&b, &genv, 1, NIF_LAYOUT_PACKED, NULL, 0) != 0) {
		snprintf(err, err_len, "cannot build the guest TSO test bed");
		return -1;
	}
	if (pipe_tx_prime(&b, env->pool) != 0) {
		snprintf(err, err_len, "cannot prime the switch");
		goto out;
	}
	tso_frame_init(&b.guest[0], v6);
	b.guest[0].preempted_cycles = rte_get_tsc_hz() / 1000000 * TSO_PREEMPTED_US;
	while (sink.frames < packets) {
		if (pipe_guest_tx(&b.guest[0], packets) != 0) {
			snprintf(err, err_len, "guest TX queue broken");
			goto out;
		}
		tso_dom0_pass(&b, env->hv, &app, &wire, r);
		if (sink.segs != seen) {
			seen = sink.segs;
			last = rte_rdtsc();
		} else if (rte_rdtsc() - last > stuck) {
			snprintf(err, err_len, "guest TSO: no progress for %d s (%" PRIu64
				 " frames, wire drops %" PRIu64 ")", PIPE_STUCK_SECONDS,
				 sink.frames, wire.stats.tx_drops);
			goto out;
		}
	}
	rc = tso_result(&b, &wire, r, err, err_len);
out:
	pipe_bed_destroy(&b, env);
	return rc;
}
