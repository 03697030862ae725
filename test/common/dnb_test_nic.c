/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake wire NIC (dnb_test_nic.h): the least of drivers/net/null's eth_dev_ops that
 * rte_eth_dev_configure, rte_eth_tx_queue_setup and rte_eth_dev_start need.
 */
#include <rte_malloc.h>

#include "dnb_test_nic.h"

/* One per process is all the users need; the driver and device outlive the port. */
static struct {
	struct rte_driver drv;
	struct rte_device dev;
	uint64_t capa;
	uint32_t max_pktlen;
} nic;

static int nic_noop(struct rte_eth_dev *dev)
{
	(void)dev;
	return 0;
}

static int nic_start(struct rte_eth_dev *dev)
{
	dev->data->dev_link.link_status = RTE_ETH_LINK_UP;
	return 0;
}

static int nic_link_update(struct rte_eth_dev *dev, int wait)
{
	(void)dev;
	(void)wait;
	return 0;
}

static int nic_info(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	(void)dev;
	info->max_rx_queues = 1;
	info->max_tx_queues = 1;
	info->max_mac_addrs = 1;
	info->max_rx_pktlen = nic.max_pktlen;
	info->tx_offload_capa = nic.capa;
	return 0;
}

static int nic_txq_setup(struct rte_eth_dev *dev, uint16_t id, uint16_t nb_desc,
			 unsigned int socket_id, const struct rte_eth_txconf *conf)
{
	static int txq; /* the queue has no state; ethdev wants a non-NULL pointer */

	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	dev->data->tx_queues[id] = &txq;
	return 0;
}

static const struct eth_dev_ops nic_ops = {
	.dev_configure = nic_noop,
	.dev_start = nic_start,
	.dev_stop = nic_noop,
	.link_update = nic_link_update,
	.dev_infos_get = nic_info,
	.tx_queue_setup = nic_txq_setup,
};

int dnb_test_nic_create(const char *name, uint64_t tx_offload_capa, uint32_t max_pktlen,
			eth_tx_prep_t prep, eth_tx_burst_t burst)
{
	struct rte_eth_conf conf = { .txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS };
	struct rte_eth_dev *dev = rte_eth_dev_allocate(name);
	uint16_t port;

	if (dev == NULL || nic.drv.name != NULL)
		return -1;
	nic.drv.name = name;
	nic.dev = (struct rte_device){ .name = name, .driver = &nic.drv,
				       .numa_node = SOCKET_ID_ANY };
	nic.capa = tx_offload_capa;
	nic.max_pktlen = max_pktlen;
	port = dev->data->port_id;
	dev->data->mac_addrs = rte_zmalloc(NULL, RTE_ETHER_ADDR_LEN, 0);
	dev->device = &nic.dev; /* ethdev reads its driver's name */
	dev->dev_ops = &nic_ops;
	dev->tx_pkt_prepare = prep;
	dev->tx_pkt_burst = burst;
	rte_eth_dev_probing_finish(dev);
	if (dev->data->mac_addrs == NULL || rte_eth_dev_configure(port, 0, 1, &conf) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 0, SOCKET_ID_ANY, NULL) != 0 ||
	    rte_eth_dev_start(port) != 0)
		return -1;
	return port;
}
