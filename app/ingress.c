/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames entering by a port, before the switch: everything --lro decides, and the one file
 * that reads it. A wire port's bursts go through lib/lro (aggregates as mbuf chains, the
 * time budget flushed after every poll) and, with --lro linearize, each aggregate is copied
 * into one buffer of the linearize pool (the study's bridge path). A wire port that
 * aggregates itself (its LRO offload: a NIC's, virtio-user's on vhost-net) is asked to,
 * in place of lib/lro, as Linux's GRO yields to a NIC's LRO: its aggregates and partial
 * checksums are brought to the form lib/lro's have (pkt_rx_offload_adopt). A vif's frames,
 * and a wire port's with --lro off, go to the switch as received. The mirror of egress.c,
 * which does the way out (GSO, checksum, VLAN).
 */
#include <string.h>

#include <rte_cycles.h>

#include "dnb.h"
#include "pkt.h"

/* Aggregates the linearize pool holds at once; its data room is a 16-bit field. */
#define DNB_LINEAR_BUFS 512

int dnb_ingress_create(struct dnb_app *app)
{
	DNB_LOG(NOTICE, "wire ports: lro %s", dnb_lro_mode_str(app->cfg.lro));
	if (app->cfg.lro != DNB_LRO_LINEARIZE)
		return 0;
	app->big_pool = rte_pktmbuf_pool_create("dnb_linear", DNB_LINEAR_BUFS, 32, 0,
						UINT16_MAX, (int)rte_socket_id());
	return app->big_pool == NULL ? -rte_errno : 0;
}

void dnb_ingress_free(struct dnb_app *app)
{
	rte_mempool_free(app->big_pool);
	app->big_pool = NULL;
}

uint64_t dnb_ingress_rx_offloads(const struct dnb_app *app, const struct rte_eth_dev_info *info)
{
	const uint64_t lro = RTE_ETH_RX_OFFLOAD_TCP_LRO | RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
			     RTE_ETH_RX_OFFLOAD_UDP_CKSUM;

	if (app->cfg.lro == DNB_LRO_OFF || (info->rx_offload_capa & lro) != lro)
		return 0;
	return lro;
}

int dnb_ingress_port_init(struct dnb_app *app, struct dnb_port *p)
{
	struct lro_conf conf = {
		.socket_id = SOCKET_ID_ANY,
		.max_flows = LRO_DEFAULT_MAX_FLOWS,
		/* a quarter of the pool at most: the port must never starve for buffers */
		.max_held_mbufs = app->cfg.nb_mbufs / 4,
		.timeout_cycles = app->tsc_hz / 1000000 * app->cfg.lro_timeout_us,
		/* 64 KiB less what lets an aggregate fit one linearize buffer, so all three
		 * --lro modes make the same aggregates */
		.max_ip_len = 65280,
		.max_slots = LRO_DEFAULT_MAX_SLOTS,
		.slot_size = LRO_DEFAULT_SLOT_SIZE,
	};

	if (p->is_vif || p->is_emu || app->cfg.lro == DNB_LRO_OFF)
		return 0;
	if (p->rx_lro) {
		DNB_LOG(NOTICE, "port %u: the port aggregates (its LRO offload), not lib/lro",
			p->port_id);
		return 0;
	}
	p->lro = lro_ctx_create(&conf);
	if (p->lro == NULL) {
		DNB_LOG(ERR, "port %u: LRO: %s", p->port_id, rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

void dnb_ingress_port_fini(struct dnb_port *p)
{
	lro_ctx_free(p->lro);
	p->lro = NULL;
}

/* --lro linearize: @p m in one buffer, or the chain as it is when the pool is empty. */
static struct rte_mbuf *linearize(struct dnb_app *app, struct dnb_port *p, struct rte_mbuf *m)
{
	struct rte_mbuf *big = lro_linearize(m, app->big_pool);

	if (big == NULL) {
		p->stats.linearize_fail++;
		return m;
	}
	p->stats.linearized++;
	return big;
}

/* A self-aggregating port's burst, each frame in lib/lro's form or dropped and counted. */
static uint16_t adopt_burst(struct dnb_port *p, struct rte_mbuf **pkts, uint16_t nb,
			    struct rte_mbuf **out)
{
	uint16_t nb_out = 0;

	for (uint16_t i = 0; i < nb; i++) {
		if (pkt_rx_offload_adopt(pkts[i]) == 0) {
			out[nb_out++] = pkts[i];
			continue;
		}
		p->stats.rx_offload_drop++;
		rte_pktmbuf_free(pkts[i]);
	}
	return nb_out;
}

uint16_t dnb_ingress_burst(struct dnb_app *app, struct dnb_port *p, struct rte_mbuf **pkts,
			   uint16_t nb, uint64_t now, struct rte_mbuf **out, uint16_t max_out)
{
	uint16_t nb_out = 0;
	int rc;

	if (p->rx_lro)
		return adopt_burst(p, pkts, nb, out);
	if (p->lro == NULL) {
		memcpy(out, pkts, nb * sizeof(*pkts));
		return nb;
	}
	if (nb > 0) {
		rc = lro_reassemble_burst(p->lro, pkts, nb, now, out, max_out);
		nb_out = rc > 0 ? (uint16_t)rc : 0;
	}
	nb_out += lro_flush(p->lro, now, out + nb_out, max_out - nb_out);
	if (app->cfg.lro == DNB_LRO_LINEARIZE) {
		for (uint16_t i = 0; i < nb_out; i++)
			if (out[i]->nb_segs > 1)
				out[i] = linearize(app, p, out[i]);
	}
	return nb_out;
}

bool dnb_ingress_holds(const struct dnb_port *p)
{
	return p->lro != NULL && lro_held_flows(p->lro) != 0;
}
