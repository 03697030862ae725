/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One netfront queue against the simulated hypervisor: ring pages and buffers in the
 * domain's memory, their grants, the event channels (netfront's setup_netfront), and the
 * glue between the pure rings and the TAP (xennet_poll, xennet_start_xmit).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>

#include "xensim_dom.h"
#include "guest.h"

/* Bytes past the largest frame we can post: a frame reaching them is too big. */
#define TAP_OVERFLOW_BYTES 64
#define TEARDOWN_RETRY_NS (10 * 1000 * 1000)

static void queue_notify(struct guest *g, struct guest_queue *q, int port)
{
	if (xensim_evtchn_notify(g->dom, (uint32_t)port) < 0)
		q->notify_fail++;
}

static int queue_bufs(struct guest *g, uint32_t first, struct gr_buf *bufs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		bufs[i].pfn = first + i;
		bufs[i].page = xensim_dom_page(g->dom, first + i);
		bufs[i].gref = GR_NO_GREF;
		if (bufs[i].page == NULL)
			return -ERANGE;
	}
	return 0;
}

static int queue_rings(struct guest *g, struct guest_queue *q)
{
	struct gr_buf bufs[GR_RX_RING_SIZE > GR_TX_RING_SIZE ? GR_RX_RING_SIZE : GR_TX_RING_SIZE];
	void *tx_sring = xensim_dom_page(g->dom, q->pfn_base);
	void *rx_sring = xensim_dom_page(g->dom, q->pfn_base + 1);
	int rc;

	if (tx_sring == NULL || rx_sring == NULL)
		return -ERANGE;
	memset(tx_sring, 0, GR_PAGE_SIZE);
	memset(rx_sring, 0, GR_PAGE_SIZE);
	rc = queue_bufs(g, q->pfn_base + 2 + GR_RX_RING_SIZE, bufs, GR_TX_RING_SIZE);
	if (rc == 0)
		rc = gr_txq_init(&q->tx, tx_sring, bufs, &g->gops, &g->txf);
	if (rc == 0)
		rc = queue_bufs(g, q->pfn_base + 2, bufs, GR_RX_RING_SIZE);
	if (rc == 0)
		rc = gr_rxq_init(&q->rx, rx_sring, bufs, &g->gops, g->opt.rx_fill, g->rx_sg,
				 g->rx_gso);
	return rc;
}

int guest_queue_setup(struct guest *g, unsigned int i)
{
	struct guest_queue *q = &g->q[i];
	bool split = g->opt.split_evtchn && g->split_evtchn_ok;
	bool notify;
	int rc;

	memset(q, 0, sizeof(*q));
	q->idx = i;
	q->pfn_base = i * GUEST_QUEUE_PAGES;
	q->tx_ring_ref = q->rx_ring_ref = GR_NO_GREF;
	q->tx_port = q->rx_port = -1;
	q->set_up = true; /* from here on teardown undoes whatever was done */
	rc = queue_rings(g, q);
	if (rc < 0)
		goto fail;
	rc = q->tx_ring_ref = xensim_gnttab_grant(g->dom, g->be_domid, q->pfn_base, false);
	if (rc < 0)
		goto fail;
	rc = q->rx_ring_ref = xensim_gnttab_grant(g->dom, g->be_domid, q->pfn_base + 1, false);
	if (rc < 0)
		goto fail;
	rc = q->tx_port = xensim_evtchn_alloc_unbound(g->dom, g->be_domid);
	if (rc < 0)
		goto fail;
	q->rx_port = q->tx_port;
	if (split) {
		rc = q->rx_port = xensim_evtchn_alloc_unbound(g->dom, g->be_domid);
		if (rc < 0)
			goto fail;
	}
	rc = gr_rx_refill(&q->rx, &notify);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	GLOG(g, "queue %u setup: %s", i, strerror(-rc));
	guest_queue_teardown(g, i);
	return rc;
}

/* End ring grants and buffer grants. @return grants the backend still holds. */
static unsigned int queue_release(struct guest *g, struct guest_queue *q)
{
	unsigned int busy = gr_rx_release_all(&q->rx) + gr_tx_release_all(&q->tx);
	int *refs[2] = { &q->tx_ring_ref, &q->rx_ring_ref };
	unsigned int r;

	for (r = 0; r < 2; r++) {
		if (*refs[r] == GR_NO_GREF)
			continue;
		if (xensim_gnttab_end(g->dom, (uint32_t)*refs[r]) < 0)
			busy++;
		else
			*refs[r] = GR_NO_GREF;
	}
	return busy;
}

void guest_queue_teardown(struct guest *g, unsigned int i)
{
	struct guest_queue *q = &g->q[i];
	struct timespec nap = { 0, TEARDOWN_RETRY_NS };
	unsigned int busy, tries = GUEST_CLOSE_TIMEOUT_MS * 1000000ull / TEARDOWN_RETRY_NS;

	if (!q->set_up)
		return;
	/* As gnttab_end_foreign_access: the backend may still hold a grant; wait for it. */
	while ((busy = queue_release(g, q)) > 0 && tries-- > 0)
		nanosleep(&nap, NULL);
	if (busy > 0) {
		GLOG(g, "queue %u: backend still holds %u grants, leaking them", i, busy);
		g->grants_leaked += busy;
	}
	if (q->rx_port >= 0 && q->rx_port != q->tx_port)
		xensim_evtchn_close(g->dom, (uint32_t)q->rx_port);
	if (q->tx_port >= 0)
		xensim_evtchn_close(g->dom, (uint32_t)q->tx_port);
	guest_stats_retire(g, i);
	q->set_up = false;
}

static int queue_tap_fd(const struct guest *g, unsigned int i)
{
	return g->tap_fd[i % g->nr_tap];
}

/* Receive up to GUEST_BUDGET packets into the TAP. @return true when the budget ran out. */
static bool queue_receive(struct guest *g, struct guest_queue *q)
{
	int fd = queue_tap_fd(g, q->idx);
	struct gr_rx_pkt pkt;
	unsigned int n;

	for (n = 0; n < GUEST_BUDGET; n++) {
		int rc = gr_rx_next(&q->rx, &pkt);

		if (rc == 0 || rc == -EIO)
			return false;
		if (rc == 1)
			guest_ctrl_check(g, q->idx, &pkt);
		if (rc == 1 && writev(fd, pkt.iov, (int)pkt.nr_iov) < 0)
			q->tap_write_err++;
	}
	return true;
}

bool guest_queue_service(struct guest *g, unsigned int i)
{
	struct guest_queue *q = &g->q[i];
	bool more, notify = false;

	if (!q->set_up)
		return false;
	(void)gr_tx_gc(&q->tx);
	more = queue_receive(g, q);
	if (g->opt.rx_stall && q->rx.ring.req_prod_pvt != 0)
		return more; /* posted once: a guest that stopped giving buffers */
	if (gr_rx_refill(&q->rx, &notify) > 0 && notify && g->opt.rx_notify)
		queue_notify(g, q, q->rx_port);
	return more;
}

bool guest_queue_can_tx(struct guest *g, unsigned int i)
{
	struct guest_queue *q = &g->q[i];

	return g->connected && q->set_up && gr_tx_can_take(&q->tx);
}

/* Read one frame into the next free pages and post it. @return false when nothing read. */
static bool queue_xmit_one(struct guest_queue *q, int tap)
{
	struct iovec iov[2 + GR_TX_MAX_DATA_SLOTS];
	uint8_t overflow[TAP_OVERFLOW_BYTES];
	struct virtio_net_hdr vh;
	unsigned int n;
	ssize_t got;

	iov[0].iov_base = &vh;
	iov[0].iov_len = sizeof(vh);
	n = gr_tx_peek(&q->tx, iov + 1, GR_TX_MAX_DATA_SLOTS);
	iov[n + 1].iov_base = overflow;
	iov[n + 1].iov_len = sizeof(overflow);
	got = readv(tap, iov, (int)n + 2);
	if (got < 0) {
		if (errno != EAGAIN && errno != EINTR)
			q->tap_read_err++;
		return false;
	}
	if ((size_t)got < sizeof(vh)) {
		memset(&vh, 0, sizeof(vh));
		got = (ssize_t)sizeof(vh); /* counted as a runt by gr_tx_post */
	}
	(void)gr_tx_post(&q->tx, &vh, (size_t)got - sizeof(vh));
	return true;
}

bool guest_queue_tap_readable(struct guest *g, unsigned int i, int tap)
{
	struct guest_queue *q = &g->q[i];
	unsigned int n = 0;
	bool notify;

	if (!g->connected || !q->set_up)
		return false;
	(void)gr_tx_gc(&q->tx); /* netfront gcs in start_xmit too */
	while (n < GUEST_BUDGET && gr_tx_can_take(&q->tx) && queue_xmit_one(q, tap))
		n++;
	if (n > 0) {
		gr_tx_push(&q->tx, &notify);
		if (notify)
			queue_notify(g, q, q->tx_port);
	}
	return n == GUEST_BUDGET && gr_tx_can_take(&q->tx);
}
