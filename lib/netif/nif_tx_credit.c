/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rate of a guest's TX: xen-netback's credit scheduler (netback.c tx_credit_exceeded,
 * tx_add_credit and the credit timer's callback; xenbus.c xen_net_read_rate), per queue as
 * there. A window of credit_usec gives credit_bytes; a packet larger than what is left
 * waits, its requests left on the ring, until the next window ("the timer"), and up to
 * max(128 KiB, credit_bytes) accumulate so that a packet of any size passes in the end.
 * Time is the TSC, read only while a rate is set.
 */
#include <rte_common.h>
#include <rte_cycles.h>

#include "nif_internal.h"

/* netback's max_burst: at least a 64 KiB GSO packet's worth of credit can build up. */
#define NIF_CREDIT_MAX_BURST 131072u

/* tx_add_credit: one window's credit more, capped. */
static void add_credit(struct nif_tx_credit *c)
{
	uint64_t max_burst = RTE_MAX((uint64_t)NIF_CREDIT_MAX_BURST, c->bytes);

	c->remaining = RTE_MIN(c->remaining + c->bytes, max_burst);
}

void nif_txq_set_rate(struct nif_txq *q, uint64_t bytes, uint64_t usec)
{
	struct nif_tx_credit *c = &q->credit;

	if (bytes == 0 || usec == 0) {
		*c = (struct nif_tx_credit){0};
		return;
	}
	c->bytes = bytes;
	c->window_tsc = RTE_MAX(rte_get_tsc_hz() / 1000000 * usec, (uint64_t)1);
	/* xen_net_rate_changed: what is left may not exceed the new window's credit. */
	if (c->window_start == 0 || c->remaining > bytes)
		c->remaining = bytes;
	if (c->window_start == 0)
		c->window_start = rte_get_tsc_cycles();
}

bool nif_tx_credit_wait(struct nif_txq *q, uint32_t size)
{
	struct nif_tx_credit *c = &q->credit;
	uint64_t now, next;

	if (c->bytes == 0 || size <= c->remaining) {
		c->remaining -= RTE_MIN((uint64_t)size, c->remaining);
		return false;
	}
	now = rte_get_tsc_cycles();
	if (c->timer_armed) {
		if ((int64_t)(now - c->timer_at) < 0)
			goto wait;
		c->timer_armed = false; /* the timer's callback */
		add_credit(c);
	}
	next = c->window_start + c->window_tsc;
	if ((int64_t)(now - next) >= 0) {
		c->window_start = now;
		add_credit(c);
	}
	if (size <= c->remaining) {
		c->remaining -= size;
		return false;
	}
	c->timer_at = next;
	c->timer_armed = true;
	c->window_start = next;
wait:
	q->stats.tx_rate_waits++;
	/* Count a held packet once, however many bursts it waits. */
	if (c->held_slot != q->ring.req_cons + 1) {
		c->held_slot = q->ring.req_cons + 1;
		q->stats.tx_rate_held_pkts++;
		q->stats.tx_rate_held_bytes += size;
	}
	return true;
}

bool nif_tx_credit_timer(const struct nif_txq *q, uint64_t *tsc_at)
{
	if (!q->credit.timer_armed)
		return false;
	*tsc_at = q->credit.timer_at;
	return true;
}
