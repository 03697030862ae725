/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hostile frontend, for soak and fuzz-style tests of the backend: it writes garbage into
 * its own shared rings, as a compromised guest kernel could. The backend must disable this
 * vif alone (xen-netback's "fatal" tier) or answer errors; the guest's own bookkeeping is
 * then wrong too, which it notices as a broken queue, and it reconnects when the backend
 * closes, as netfront does.
 */
#include <stdint.h>
#include <string.h>

#include "xensim_dom.h"
#include "guest.h"

static uint32_t next_rand(uint64_t *rng)
{
	/* xorshift64*: cheap, and the same seed gives the same garbage */
	*rng ^= *rng >> 12;
	*rng ^= *rng << 25;
	*rng ^= *rng >> 27;
	return (uint32_t)((*rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* Garbage TX requests at the producer, then pushed: random gref, offset, flags, size. */
static void bad_tx_requests(struct guest_queue *q, uint64_t *rng)
{
	netif_tx_front_ring_t *r = &q->tx.ring;
	unsigned int n = 1 + next_rand(rng) % 24;

	for (unsigned int i = 0; i < n; i++) {
		netif_tx_request_t *req = RING_GET_REQUEST(r, r->req_prod_pvt + i);

		req->gref = next_rand(rng) % 64;
		req->offset = (uint16_t)next_rand(rng);
		req->flags = (uint16_t)(next_rand(rng) & 0xf);
		req->id = (uint16_t)next_rand(rng);
		req->size = (uint16_t)next_rand(rng);
	}
	r->req_prod_pvt += n;
	RING_PUSH_REQUESTS(r);
}

void guest_hostile_strike(struct guest *g, uint64_t *rng)
{
	struct guest_queue *q;

	if (!g->connected || g->nr_queues == 0)
		return;
	q = &g->q[next_rand(rng) % g->nr_queues];
	if (!q->set_up)
		return;
	switch (next_rand(rng) % 4) {
	case 0: /* an impossible producer index on the TX ring */
		q->tx.ring.sring->req_prod = next_rand(rng);
		break;
	case 1: /* the same on the RX ring */
		q->rx.ring.sring->req_prod = next_rand(rng);
		break;
	case 2:
		bad_tx_requests(q, rng);
		break;
	default: /* the response-event indexes: harmless to a careful backend */
		q->tx.ring.sring->rsp_event = next_rand(rng);
		q->rx.ring.sring->rsp_event = next_rand(rng);
		break;
	}
	if (q->tx_port >= 0)
		xensim_evtchn_notify(g->dom, (uint32_t)q->tx_port);
	GLOG(g, "hostile: garbage written to queue %u's rings", q->idx);
}
