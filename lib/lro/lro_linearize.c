/* SPDX-License-Identifier: BSD-3-Clause */
/* The study's bridge path: an aggregate copied into one contiguous buffer (see lro.h). */
#include <rte_memcpy.h>

#include "lro.h"

#define LRO_MBUF_OWNERSHIP (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)

struct rte_mbuf *lro_linearize(struct rte_mbuf *m, struct rte_mempool *mp)
{
	struct rte_mbuf *big = rte_pktmbuf_alloc(mp);
	char *dst;

	if (big == NULL || m->pkt_len > rte_pktmbuf_tailroom(big)) {
		rte_pktmbuf_free(big);
		return NULL;
	}
	dst = rte_pktmbuf_append(big, (uint16_t)m->pkt_len);
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		rte_memcpy(dst, rte_pktmbuf_mtod(s, void *), s->data_len);
		dst += s->data_len;
	}
	/* Offload metadata only: the ownership bits say how each buffer is freed, and the
	 * source's (an indirect mbuf, a PMD's external buffer such as mlx5 MPRQ) would make
	 * freeing the copy free the wrong buffer. */
	big->ol_flags = (big->ol_flags & LRO_MBUF_OWNERSHIP) | (m->ol_flags & ~LRO_MBUF_OWNERSHIP);
	big->packet_type = m->packet_type;
	big->tx_offload = m->tx_offload;
	big->vlan_tci = m->vlan_tci;
	big->port = m->port;
	rte_pktmbuf_free(m);
	return big;
}
