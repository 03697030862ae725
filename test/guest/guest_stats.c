/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnb-guest counters. One line per queue and one total line, "key=value" words, so test
 * beds can parse them: "dnb-guest dom<N>: stats <why> q<i>|total rx_packets=... tx_...".
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "guest.h"

struct stat_name {
	const char *name;
	size_t off;
};

#define RX_STAT(f) { "rx_" #f, offsetof(struct gr_rx_stats, f) }
#define TX_STAT(f) { "tx_" #f, offsetof(struct gr_tx_stats, f) }

static const struct stat_name rx_names[] = {
	RX_STAT(packets), RX_STAT(bytes), RX_STAT(gso), RX_STAT(csum_blank),
	RX_STAT(data_validated), RX_STAT(gso_fixup), RX_STAT(errors), RX_STAT(bad_status),
	RX_STAT(bad_offset), RX_STAT(bad_id), RX_STAT(too_many_slots), RX_STAT(incomplete),
	RX_STAT(bad_extra), RX_STAT(bad_gso), RX_STAT(unrequested), RX_STAT(runt),
	RX_STAT(bad_csum_hdr), RX_STAT(bad_prod), RX_STAT(grant_busy), RX_STAT(grant_fail),
	RX_STAT(headroom),
};

static const struct stat_name tx_names[] = {
	TX_STAT(packets), TX_STAT(bytes), TX_STAT(gso), TX_STAT(csum_blank), TX_STAT(sw_csum),
	TX_STAT(completed), TX_STAT(errors), TX_STAT(runt), TX_STAT(oversize), TX_STAT(bad_vnet),
	TX_STAT(unsupported), TX_STAT(no_space), TX_STAT(grant_fail), TX_STAT(rsp_error),
	TX_STAT(rsp_dropped), TX_STAT(bad_prod), TX_STAT(bad_id), TX_STAT(grant_busy),
};

_Static_assert(sizeof(struct gr_rx_stats) == sizeof(rx_names) / sizeof(rx_names[0]) * 8,
	       "every RX counter has a name");
_Static_assert(sizeof(struct gr_tx_stats) == sizeof(tx_names) / sizeof(tx_names[0]) * 8,
	       "every TX counter has a name");

static inline uint64_t stat_at(const void *st, size_t off)
{
	return *(const uint64_t *)((const uint8_t *)st + off);
}

static void add_stats(void *dst, const void *src, size_t size)
{
	size_t off;

	for (off = 0; off < size; off += sizeof(uint64_t))
		*(uint64_t *)((uint8_t *)dst + off) += stat_at(src, off);
}

static void print_line(const struct guest *g, const char *why, const char *who,
		       const struct gr_rx_stats *rx, const struct gr_tx_stats *tx,
		       uint64_t notify_fail, uint64_t tap_w, uint64_t tap_r)
{
	size_t i;

	printf("dnb-guest dom%u: stats %s %s", (unsigned int)g->opt.domid, why, who);
	for (i = 0; i < sizeof(rx_names) / sizeof(rx_names[0]); i++)
		printf(" %s=%" PRIu64, rx_names[i].name, stat_at(rx, rx_names[i].off));
	for (i = 0; i < sizeof(tx_names) / sizeof(tx_names[0]); i++)
		printf(" %s=%" PRIu64, tx_names[i].name, stat_at(tx, tx_names[i].off));
	printf(" notify_fail=%" PRIu64 " tap_write_err=%" PRIu64 " tap_read_err=%" PRIu64 "\n",
	       notify_fail, tap_w, tap_r);
}

void guest_stats_print(const struct guest *g, const char *why)
{
	struct gr_rx_stats rx = g->rx_gone;
	struct gr_tx_stats tx = g->tx_gone;
	uint64_t nf = g->notify_fail_gone, tw = g->tap_write_err_gone, tr = g->tap_read_err_gone;
	char who[16];
	unsigned int i;

	for (i = 0; i < GUEST_MAX_QUEUES; i++) {
		const struct guest_queue *q = &g->q[i];

		if (!q->set_up)
			continue;
		snprintf(who, sizeof(who), "q%u", i);
		print_line(g, why, who, &q->rx.st, &q->tx.st, q->notify_fail, q->tap_write_err,
			   q->tap_read_err);
		add_stats(&rx, &q->rx.st, sizeof(rx));
		add_stats(&tx, &q->tx.st, sizeof(tx));
		nf += q->notify_fail;
		tw += q->tap_write_err;
		tr += q->tap_read_err;
	}
	print_line(g, why, "total", &rx, &tx, nf, tw, tr);
	printf("dnb-guest dom%u: stats %s grants_leaked=%" PRIu64 " junk_posted=%" PRIu64 "\n",
	       (unsigned int)g->opt.domid, why, g->grants_leaked, g->junk_posted);
	if (g->opt.mcast_control || g->opt.nb_mcast_join > 0)
		printf("dnb-guest dom%u: stats %s mcast control=%d added=%" PRIu64 "\n",
		       (unsigned int)g->opt.domid, why, g->opt.mcast_control && g->be_mcast,
		       g->mcast_added);
	if (g->opt.ctrl_ring)
		printf("dnb-guest dom%u: stats %s ctrl hashing=%d hash_ok=%" PRIu64 " hash_bad=%"
		       PRIu64 " queue_ok=%" PRIu64 " queue_bad=%" PRIu64 " unhashed=%" PRIu64 "\n",
		       (unsigned int)g->opt.domid, why, g->ctrl.hashing, g->ctrl.hash_ok,
		       g->ctrl.hash_bad, g->ctrl.queue_ok, g->ctrl.queue_bad, g->ctrl.unhashed);
	fflush(stdout);
}

void guest_stats_retire(struct guest *g, unsigned int i)
{
	struct guest_queue *q = &g->q[i];

	add_stats(&g->rx_gone, &q->rx.st, sizeof(g->rx_gone));
	add_stats(&g->tx_gone, &q->tx.st, sizeof(g->tx_gone));
	g->notify_fail_gone += q->notify_fail;
	g->tap_write_err_gone += q->tap_write_err;
	g->tap_read_err_gone += q->tap_read_err;
	memset(&q->rx.st, 0, sizeof(q->rx.st));
	memset(&q->tx.st, 0, sizeof(q->tx.st));
	q->notify_fail = q->tap_write_err = q->tap_read_err = 0;
}
