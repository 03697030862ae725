/* SPDX-License-Identifier: BSD-3-Clause */
/* Port bring-up and tear-down, read top to bottom as in l2fwd: info, offloads gated on
 * capabilities, configure, queues, start, then the switch port and (wire) the LRO context. */
#include <rte_cycles.h>

#include "dnb.h"

static int port_configure(struct dnb_app *app, struct dnb_port *p, uint16_t nb_queues)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = DNB_RING_SIZE, nb_txd = DNB_RING_SIZE;
	int rc;

	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0)
		return rc;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	p->tx_tso = !p->is_vif && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO);
	p->tx_csum = !p->is_vif && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
		     (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
	if (p->tx_tso)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	if (p->tx_csum)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
					RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	rc = rte_eth_dev_configure(p->port_id, nb_queues, nb_queues, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	for (uint16_t q = 0; rc == 0 && q < nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd,
					    rte_eth_dev_socket_id(p->port_id), NULL, app->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd,
						    rte_eth_dev_socket_id(p->port_id), NULL);
	}
	return rc;
}

static struct lro_ctx *port_lro(struct dnb_app *app)
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

	return lro_ctx_create(&conf);
}

int dnb_port_init(struct dnb_app *app, uint16_t port_id, bool is_vif)
{
	struct dnb_port *p = &app->ports[port_id];
	struct l2sw_port_conf swconf = {.kind = is_vif ? L2SW_PORT_VIF : L2SW_PORT_WIRE};
	int rc;

	*p = (struct dnb_port){.port_id = port_id, .is_vif = is_vif,
			       .nb_queues = is_vif ? app->cfg.vif_queues : 1};
	rc = port_configure(app, p, p->nb_queues);
	if (rc != 0) {
		DNB_LOG(ERR, "port %u: configuring: %s", port_id, rte_strerror(-rc));
		return rc;
	}
	if (!is_vif && app->cfg.lro != DNB_LRO_OFF) {
		p->lro = port_lro(app);
		if (p->lro == NULL) {
			DNB_LOG(ERR, "port %u: LRO: %s", port_id, rte_strerror(rte_errno));
			return -rte_errno;
		}
	}
	if (is_vif)
		rte_eth_macaddr_get(port_id, &swconf.mac);
	swconf.tx_writes = !is_vif; /* software GSO and checksums write the frames */
	rc = l2sw_port_set(app->sw, port_id, &swconf);
	if (rc == 0)
		rc = rte_eth_promiscuous_enable(port_id);
	if (rc == 0)
		rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		DNB_LOG(ERR, "port %u: starting: %s", port_id, rte_strerror(-rc));
		return rc;
	}
	return 0;
}

void dnb_port_fini(struct dnb_app *app, uint16_t port_id)
{
	struct dnb_port *p = &app->ports[port_id];

	l2sw_port_set(app->sw, port_id, &(struct l2sw_port_conf){.kind = L2SW_PORT_NONE});
	rte_eth_dev_stop(port_id);
	if (p->lro != NULL) {
		lro_ctx_free(p->lro);
		p->lro = NULL;
	}
}
