/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test's netfront (see test_xenvif_fe.h): the guest side of the vif handshake and of
 * both rings, on a simulated domain, written the way Linux's xen-netfront does it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "xensim_dom.h"
#include "test_xenvif_fe.h"

#define TFE_PAGE 4096u
#define TFE_PFN_TX_RING 0u
#define TFE_PFN_RX_RING 1u
#define TFE_PFN_TX_BUF 2u
#define TFE_PFN_RX_BUF (TFE_PFN_TX_BUF + TFE_NR_BUFS)
#define TFE_PFN_CTRL_RING (TFE_PFN_RX_BUF + TFE_NR_BUFS)
#define TFE_PFN_CTRL_DATA (TFE_PFN_CTRL_RING + 1)
#define TFE_NR_PAGES (TFE_PFN_CTRL_DATA + 1)
#define TFE_NR_GREFS 256u
#define TFE_WAIT_MS 5000
#define TFE_TXN_RETRIES 50

const struct tfe_opts tfe_full = {
	.rx_copy = true, .split_evtchn = true, .sg = true, .gso = true, .rx_notify = true,
	.mq_key = true,
};
const struct tfe_opts tfe_minimal = {.rx_copy = true};

int tfe_create(struct tfe *fe, const char *sim_dir, const char *xs_sock, uint16_t domid)
{
	const char *saved = getenv("XENSTORED_PATH");
	char *restore = saved != NULL ? strdup(saved) : NULL;
	int rc;

	memset(fe, 0, sizeof(*fe));
	fe->domid = domid;
	fe->tx_ring_ref = fe->rx_ring_ref = fe->ctrl_ring_ref = -1;
	fe->port_tx = fe->port_rx = fe->port_ctrl = -1;
	snprintf(fe->fe_path, sizeof(fe->fe_path), "/local/domain/%u/device/vif/0", domid);
	snprintf(fe->be_path, sizeof(fe->be_path), "/local/domain/0/backend/vif/%u/0", domid);
	/* libxenstore takes the socket from the environment at open: the guest's, then back. */
	setenv("XENSTORED_PATH", xs_sock, 1);
	fe->xs = xs_open(0);
	if (restore != NULL)
		setenv("XENSTORED_PATH", restore, 1);
	free(restore);
	if (fe->xs == NULL)
		return -errno;
	fe->dom = xensim_dom_create(sim_dir, domid, TFE_NR_PAGES, TFE_NR_GREFS);
	if (fe->dom == NULL)
		return -errno;
	for (unsigned int i = 0; i < TFE_NR_BUFS; i++) {
		fe->tx_gref[i] = xensim_gnttab_grant(fe->dom, 0, TFE_PFN_TX_BUF + i, true);
		fe->rx_gref[i] = xensim_gnttab_grant(fe->dom, 0, TFE_PFN_RX_BUF + i, false);
		rc = fe->tx_gref[i] < 0 ? fe->tx_gref[i] : fe->rx_gref[i];
		if (rc < 0)
			return rc;
	}
	fe->ctrl_data_gref = xensim_gnttab_grant(fe->dom, 0, TFE_PFN_CTRL_DATA, true);
	return fe->ctrl_data_gref < 0 ? fe->ctrl_data_gref : 0;
}

void tfe_destroy(struct tfe *fe)
{
	if (fe->dom != NULL)
		xensim_dom_destroy(fe->dom);
	fe->dom = NULL;
	if (fe->xs != NULL)
		xs_close(fe->xs);
	fe->xs = NULL;
}

static int xs_put(struct tfe *fe, xs_transaction_t t, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int xs_put(struct tfe *fe, xs_transaction_t t, const char *key, const char *fmt, ...)
{
	char path[128], val[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", fe->fe_path, key);
	return xs_write(fe->xs, t, path, val, (unsigned int)strlen(val)) ? 0 : -errno;
}

static void xs_del(struct tfe *fe, xs_transaction_t t, const char *key)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", fe->fe_path, key);
	(void)xs_rm(fe->xs, t, path); /* absent is the usual case */
}

int tfe_set_state(struct tfe *fe, int state)
{
	return xs_put(fe, XBT_NULL, "state", "%d", state);
}

int tfe_backend_state(struct tfe *fe)
{
	char path[128], *v, *end;
	unsigned int len;
	long s;

	snprintf(path, sizeof(path), "%s/state", fe->be_path);
	v = xs_read(fe->xs, XBT_NULL, path, &len);
	if (v == NULL)
		return -1;
	s = strtol(v, &end, 10);
	if (end == v || *end != '\0')
		s = -1;
	free(v);
	return (int)s;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait for @want; give up early (-ECONNREFUSED) when the backend reaches @refused. */
static int wait_backend(struct tfe *fe, int want, int refused, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	for (;;) {
		int s = tfe_backend_state(fe);

		if (s == want)
			return 0;
		if (s == refused)
			return -ECONNREFUSED;
		if (now_ms() > end)
			return -ETIMEDOUT;
		usleep(1000);
	}
}

int tfe_wait_backend(struct tfe *fe, int state, int ms)
{
	return wait_backend(fe, state, -2, ms);
}

static int write_keys_once(struct tfe *fe, xs_transaction_t t, const struct tfe_opts *o)
{
	int rc = xs_put(fe, t, "tx-ring-ref", "%d", fe->tx_ring_ref);

	if (rc == 0)
		rc = xs_put(fe, t, "rx-ring-ref", "%d", fe->rx_ring_ref);
	xs_del(fe, t, "event-channel");
	xs_del(fe, t, "event-channel-tx");
	xs_del(fe, t, "event-channel-rx");
	if (rc == 0 && o->split_evtchn) {
		rc = xs_put(fe, t, "event-channel-tx", "%d", fe->port_tx);
		if (rc == 0)
			rc = xs_put(fe, t, "event-channel-rx", "%d", fe->port_rx);
	} else if (rc == 0) {
		rc = xs_put(fe, t, "event-channel", "%d", fe->port_tx);
	}
	static const char *const flags[] = {
		"request-rx-copy", "feature-sg", "feature-gso-tcpv4", "feature-gso-tcpv6",
		"feature-rx-notify", "multi-queue-num-queues",
	};
	const bool on[] = {o->rx_copy, o->sg, o->gso, o->gso, o->rx_notify, o->mq_key};

	for (unsigned int i = 0; rc == 0 && i < sizeof(on) / sizeof(on[0]); i++) {
		if (on[i])
			rc = xs_put(fe, t, flags[i], "1");
		else
			xs_del(fe, t, flags[i]);
	}
	xs_del(fe, t, "ctrl-ring-ref");
	xs_del(fe, t, "event-channel-ctrl");
	if (rc == 0 && o->ctrl_ring) {
		rc = xs_put(fe, t, "ctrl-ring-ref", "%d", fe->ctrl_ring_ref);
		if (rc == 0)
			rc = xs_put(fe, t, "event-channel-ctrl", "%d", fe->port_ctrl);
	}
	return rc;
}

static int write_keys(struct tfe *fe, const struct tfe_opts *o)
{
	for (int tries = 0; tries < TFE_TXN_RETRIES; tries++) {
		xs_transaction_t t = xs_transaction_start(fe->xs);
		int rc;

		if (t == XBT_NULL)
			return -errno;
		rc = write_keys_once(fe, t, o);
		if (rc != 0) {
			xs_transaction_end(fe->xs, t, true);
			return rc;
		}
		if (xs_transaction_end(fe->xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

int tfe_setup(struct tfe *fe, const struct tfe_opts *opts)
{
	netif_tx_sring_t *txs = xensim_dom_page(fe->dom, TFE_PFN_TX_RING);
	netif_rx_sring_t *rxs = xensim_dom_page(fe->dom, TFE_PFN_RX_RING);

	memset(txs, 0, TFE_PAGE);
	memset(rxs, 0, TFE_PAGE);
	SHARED_RING_INIT(txs);
	SHARED_RING_INIT(rxs);
	FRONT_RING_INIT(&fe->tx, txs, TFE_PAGE);
	FRONT_RING_INIT(&fe->rx, rxs, TFE_PAGE);
	fe->tx_ring_ref = xensim_gnttab_grant(fe->dom, 0, TFE_PFN_TX_RING, false);
	if (fe->tx_ring_ref < 0)
		return fe->tx_ring_ref;
	fe->rx_ring_ref = xensim_gnttab_grant(fe->dom, 0, TFE_PFN_RX_RING, false);
	if (fe->rx_ring_ref < 0)
		return fe->rx_ring_ref;
	fe->port_tx = xensim_evtchn_alloc_unbound(fe->dom, 0);
	if (fe->port_tx < 0)
		return fe->port_tx;
	fe->port_rx = opts->split_evtchn ? xensim_evtchn_alloc_unbound(fe->dom, 0) : fe->port_tx;
	if (fe->port_rx < 0)
		return fe->port_rx;
	if (opts->ctrl_ring) {
		xen_netif_ctrl_sring_t *cs = xensim_dom_page(fe->dom, TFE_PFN_CTRL_RING);

		memset(cs, 0, TFE_PAGE);
		SHARED_RING_INIT(cs);
		FRONT_RING_INIT(&fe->ctrl, cs, TFE_PAGE);
		fe->ctrl_ring_ref = xensim_gnttab_grant(fe->dom, 0, TFE_PFN_CTRL_RING, false);
		if (fe->ctrl_ring_ref < 0)
			return fe->ctrl_ring_ref;
		fe->port_ctrl = xensim_evtchn_alloc_unbound(fe->dom, 0);
		if (fe->port_ctrl < 0)
			return fe->port_ctrl;
	}
	return write_keys(fe, opts);
}

/*
 * End a ring grant at once, as a frontend may as soon as the backend says Closing or
 * Closed: the backend must have unmapped the ring before it wrote that state (netback's
 * backend_disconnect comes before its state switch). -EBUSY: the backend still maps it.
 */
static int end_ring_grant(struct tfe *fe, int gref)
{
	return xensim_gnttab_end(fe->dom, (uint32_t)gref);
}

int tfe_teardown(struct tfe *fe)
{
	int rc = 0, r;

	if (fe->port_rx >= 0 && fe->port_rx != fe->port_tx)
		xensim_evtchn_close(fe->dom, (uint32_t)fe->port_rx);
	if (fe->port_tx >= 0)
		xensim_evtchn_close(fe->dom, (uint32_t)fe->port_tx);
	fe->port_tx = fe->port_rx = -1;
	if (fe->port_ctrl >= 0)
		xensim_evtchn_close(fe->dom, (uint32_t)fe->port_ctrl);
	fe->port_ctrl = -1;
	if (fe->ctrl_ring_ref >= 0) {
		r = end_ring_grant(fe, fe->ctrl_ring_ref);
		rc = r;
	}
	fe->ctrl_ring_ref = -1;
	if (fe->tx_ring_ref >= 0) {
		r = end_ring_grant(fe, fe->tx_ring_ref);
		rc = rc != 0 ? rc : r;
	}
	if (fe->rx_ring_ref >= 0) {
		r = end_ring_grant(fe, fe->rx_ring_ref);
		rc = rc != 0 ? rc : r;
	}
	fe->tx_ring_ref = fe->rx_ring_ref = -1;
	return rc;
}

int tfe_connect(struct tfe *fe, const struct tfe_opts *opts)
{
	int rc = tfe_set_state(fe, XenbusStateClosed);

	if (rc == 0)
		rc = tfe_wait_backend(fe, XenbusStateClosed, TFE_WAIT_MS);
	if (rc == 0)
		rc = tfe_teardown(fe);
	if (rc == 0)
		rc = tfe_set_state(fe, XenbusStateInitialising);
	if (rc == 0)
		rc = tfe_wait_backend(fe, XenbusStateInitWait, TFE_WAIT_MS);
	if (rc == 0)
		rc = tfe_setup(fe, opts);
	if (rc == 0)
		rc = tfe_set_state(fe, XenbusStateConnected);
	if (rc == 0)
		rc = wait_backend(fe, XenbusStateConnected, XenbusStateClosing, TFE_WAIT_MS);
	return rc;
}

uint8_t *tfe_tx_buf(struct tfe *fe, unsigned int i)
{
	return xensim_dom_page(fe->dom, TFE_PFN_TX_BUF + i % TFE_NR_BUFS);
}

uint8_t *tfe_rx_buf(struct tfe *fe, unsigned int i)
{
	return xensim_dom_page(fe->dom, TFE_PFN_RX_BUF + i % TFE_NR_BUFS);
}

int tfe_tx_revoke(struct tfe *fe, unsigned int i)
{
	return xensim_gnttab_end(fe->dom, (uint32_t)fe->tx_gref[i % TFE_NR_BUFS]);
}

int tfe_tx_regrant(struct tfe *fe, unsigned int i)
{
	int gref = xensim_gnttab_grant(fe->dom, 0, TFE_PFN_TX_BUF + i % TFE_NR_BUFS, true);

	if (gref >= 0)
		fe->tx_gref[i % TFE_NR_BUFS] = gref;
	return gref < 0 ? gref : 0;
}

unsigned int tfe_tx_put(struct tfe *fe, const netif_tx_request_t *req)
{
	RING_IDX i = fe->tx.req_prod_pvt++;

	*RING_GET_REQUEST(&fe->tx, i) = *req;
	return i % TFE_NR_BUFS;
}

/* Take (and unmask) every event the backend delivered, as netfront's handler would. */
static void drain_events(struct tfe *fe)
{
	int port;

	while ((port = xensim_evtchn_pending(fe->dom)) >= 0)
		xensim_evtchn_unmask(fe->dom, (uint32_t)port);
}

void tfe_tx_push(struct tfe *fe)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fe->tx, notify);
	if (notify && fe->port_tx >= 0)
		xensim_evtchn_notify(fe->dom, (uint32_t)fe->port_tx);
}

uint16_t tfe_tx_send(struct tfe *fe, const void *data, uint16_t len, uint16_t offset)
{
	unsigned int b = fe->tx.req_prod_pvt % TFE_NR_BUFS;
	netif_tx_request_t req = {
		.gref = (grant_ref_t)fe->tx_gref[b], .offset = offset, .flags = 0,
		.id = (uint16_t)b, .size = len,
	};

	memcpy(tfe_tx_buf(fe, b) + offset, data, len);
	tfe_tx_put(fe, &req);
	tfe_tx_push(fe);
	return req.id;
}

bool tfe_tx_rsp(struct tfe *fe, netif_tx_response_t *rsp)
{
	int more;

	drain_events(fe);
	if (fe->tx.rsp_cons == fe->tx.sring->rsp_prod) {
		RING_FINAL_CHECK_FOR_RESPONSES(&fe->tx, more);
		if (!more)
			return false;
	}
	xen_rmb(); /* rsp_prod before the response it covers */
	*rsp = *RING_GET_RESPONSE(&fe->tx, fe->tx.rsp_cons);
	fe->tx.rsp_cons++;
	return true;
}

void tfe_rx_post(struct tfe *fe, unsigned int n)
{
	int notify;

	for (unsigned int k = 0; k < n; k++) {
		RING_IDX i = fe->rx.req_prod_pvt++;
		netif_rx_request_t *req = RING_GET_REQUEST(&fe->rx, i);

		req->id = (uint16_t)(i % TFE_NR_BUFS);
		req->gref = (grant_ref_t)fe->rx_gref[i % TFE_NR_BUFS];
	}
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fe->rx, notify);
	if (notify && fe->port_rx >= 0)
		xensim_evtchn_notify(fe->dom, (uint32_t)fe->port_rx);
}

bool tfe_rx_rsp(struct tfe *fe, netif_rx_response_t *rsp, const uint8_t **data)
{
	int more;

	drain_events(fe);
	if (fe->rx.rsp_cons == fe->rx.sring->rsp_prod) {
		RING_FINAL_CHECK_FOR_RESPONSES(&fe->rx, more);
		if (!more)
			return false;
	}
	xen_rmb();
	*rsp = *RING_GET_RESPONSE(&fe->rx, fe->rx.rsp_cons);
	fe->rx.rsp_cons++;
	/* id and offset are the backend's word: bound them before use */
	*data = tfe_rx_buf(fe, rsp->id) + (rsp->offset % TFE_PAGE);
	return true;
}

uint8_t *tfe_ctrl_data(struct tfe *fe)
{
	return xensim_dom_page(fe->dom, TFE_PFN_CTRL_DATA);
}

int tfe_ctrl(struct tfe *fe, uint16_t type, uint32_t d0, uint32_t d1, uint32_t d2,
	     uint32_t *data)
{
	struct xen_netif_ctrl_request *req;
	struct xen_netif_ctrl_response rsp;
	uint64_t end = now_ms() + TFE_WAIT_MS;
	RING_IDX i;
	int notify;

	if (fe->port_ctrl < 0)
		return -ENODEV;
	i = fe->ctrl.req_prod_pvt++;
	req = RING_GET_REQUEST(&fe->ctrl, i);
	*req = (struct xen_netif_ctrl_request){
		.id = (uint16_t)i, .type = type, .data = {d0, d1, d2}};
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fe->ctrl, notify);
	if (notify)
		xensim_evtchn_notify(fe->dom, (uint32_t)fe->port_ctrl);
	while (fe->ctrl.sring->rsp_prod == fe->ctrl.rsp_cons) {
		if (now_ms() > end)
			return -ETIMEDOUT;
		usleep(1000);
	}
	xen_rmb();
	rsp = *RING_GET_RESPONSE(&fe->ctrl, fe->ctrl.rsp_cons);
	fe->ctrl.rsp_cons++;
	drain_events(fe);
	if (data != NULL)
		*data = rsp.data;
	return rsp.id == (uint16_t)i && rsp.type == type ? (int)rsp.status : -EPROTO;
}

bool tfe_rx_extra(struct tfe *fe, struct netif_extra_info *ex)
{
	if (fe->rx.rsp_cons == fe->rx.sring->rsp_prod)
		return false;
	xen_rmb();
	memcpy(ex, RING_GET_RESPONSE(&fe->rx, fe->rx.rsp_cons), sizeof(*ex));
	fe->rx.rsp_cons++;
	return true;
}
