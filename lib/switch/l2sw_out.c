/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore outputs: one fixed array of frames per destination port, filled by
 * l2sw_forward_burst() and drained by the caller's tx_burst. Kept per lcore so that
 * forwarding lcores share nothing but the FDB, and so that egress counters have one writer.
 */
#include <errno.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "l2sw_internal.h"

static void
out_release(struct l2sw_out *out)
{
	rte_free(out->eg);
	rte_free(out->dest);
	rte_free(out->snap);
	rte_free(out->pkts);
	rte_free(out->nb);
	rte_free(out->dirty);
	rte_free(out);
}

struct l2sw_out *
l2sw_out_create(struct l2sw *sw, uint16_t burst_cap, int socket_id)
{
	struct l2sw_out *out;
	unsigned int i;
	uint16_t n;

	if (sw == NULL || burst_cap == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < L2SW_MAX_OUTS && sw->outs[i] != NULL; i++)
		;
	if (i == L2SW_MAX_OUTS) {
		rte_errno = ENOSPC;
		return NULL;
	}
	n = sw->nb_ports;
	out = rte_zmalloc_socket("l2sw_out", sizeof(*out), RTE_CACHE_LINE_SIZE, socket_id);
	if (out == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	out->dirty = rte_zmalloc_socket(NULL, n * sizeof(*out->dirty), 0, socket_id);
	out->nb = rte_zmalloc_socket(NULL, n * sizeof(*out->nb), 0, socket_id);
	out->pkts = rte_zmalloc_socket(NULL, (size_t)n * burst_cap * sizeof(*out->pkts),
				       RTE_CACHE_LINE_SIZE, socket_id);
	out->snap = rte_zmalloc_socket(NULL, n * sizeof(*out->snap), RTE_CACHE_LINE_SIZE,
				       socket_id);
	out->dest = rte_zmalloc_socket(NULL, n * sizeof(*out->dest), 0, socket_id);
	out->eg = rte_zmalloc_socket(NULL, n * sizeof(*out->eg), RTE_CACHE_LINE_SIZE, socket_id);
	if (out->dirty == NULL || out->nb == NULL || out->pkts == NULL || out->snap == NULL ||
	    out->dest == NULL || out->eg == NULL) {
		out_release(out);
		rte_errno = ENOMEM;
		return NULL;
	}
	out->sw = sw;
	out->cap = burst_cap;
	out->index = i;
	sw->outs[i] = out;
	return out;
}

void
l2sw_out_free(struct l2sw_out *out)
{
	struct l2sw *sw;

	if (out == NULL)
		return;
	sw = out->sw;
	while (out->nb_dirty > 0)
		l2sw_out_done(out, out->dirty[out->nb_dirty - 1], 0);
	/* keep its egress counters: the ports outlive the lcore's output */
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		l2sw_ctr_add(&sw->retired[p].tx_pkts, out->eg[p].tx_pkts);
		l2sw_ctr_add(&sw->retired[p].tx_drop, out->eg[p].tx_drop);
		l2sw_ctr_add(&sw->retired[p].no_mbuf, out->eg[p].no_mbuf);
	}
	sw->outs[out->index] = NULL;
	out_release(out);
}

uint16_t
l2sw_out_next(struct l2sw_out *out, uint16_t *port, struct rte_mbuf ***pkts)
{
	uint16_t p;

	if (out->nb_dirty == 0)
		return 0;
	p = out->dirty[out->nb_dirty - 1];
	*port = p;
	*pkts = &out->pkts[(uint32_t)p * out->cap];
	return out->nb[p];
}

int
l2sw_out_done(struct l2sw_out *out, uint16_t port, uint16_t nb_sent)
{
	struct rte_mbuf **pkts;
	uint16_t n, i;

	if (port >= out->sw->nb_ports || out->nb[port] == 0 || nb_sent > out->nb[port])
		return -EINVAL;
	n = out->nb[port];
	pkts = &out->pkts[(uint32_t)port * out->cap];
	if (nb_sent < n)
		rte_pktmbuf_free_bulk(&pkts[nb_sent], n - nb_sent);
	l2sw_ctr_add(&out->eg[port].tx_pkts, nb_sent);
	l2sw_ctr_add(&out->eg[port].tx_drop, n - nb_sent);
	out->nb[port] = 0;
	/* the port is normally the last one l2sw_out_next() returned: the top */
	for (i = out->nb_dirty; i > 0; i--) {
		if (out->dirty[i - 1] == port) {
			out->dirty[i - 1] = out->dirty[out->nb_dirty - 1];
			out->nb_dirty--;
			break;
		}
	}
	return 0;
}
