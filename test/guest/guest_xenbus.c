/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frontend's side of the vif xenstore handshake, as Linux's xen-netfront walks it
 * (netback_changed, talk_to_netback, xennet_remove), plus the frontend reset
 * (Closing -> Closed -> Initialising) that lets a restarted backend reconnect:
 *
 *   fe Initialising --be InitWait--> write keys --> fe Connected --be Connected--> datapath
 *   fe Initialising --be Connected (stale)--> fe Closing --be Closing/Closed--> fe Closed
 *   fe Connected --be Closing/Closed/gone (or InitWait after Connected)--> teardown, fe Closed
 *   fe Closed --be Closed/InitWait/Initialising/gone--> fe Initialising
 *
 * Everything read from xenstore is the backend's word and is checked before use.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "xensim_dom.h"
#include "guest.h"

#define TOKEN_FE "dnb-guest-fe"
#define TOKEN_BE "dnb-guest-be"
/* Transactions retried on EAGAIN before the connect attempt is given up. */
#define TXN_RETRIES 100

static char *xb_read(struct guest *g, const char *dir, const char *key)
{
	char path[512];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_read(g->xs, XBT_NULL, path, &len);
}

/* An unsigned value of the other end; @p dflt when missing or not a number. */
static unsigned long xb_read_ulong(struct guest *g, const char *dir, const char *key,
				   unsigned long dflt)
{
	char *s = xb_read(g, dir, key), *end;
	unsigned long v;

	if (s == NULL)
		return dflt;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		v = dflt;
	free(s);
	return v;
}

static int backend_state(struct guest *g)
{
	unsigned long v = xb_read_ulong(g, g->be_path, "state", XenbusStateUnknown);

	return v > XenbusStateReconfigured ? XenbusStateUnknown : (int)v;
}

static void write_state(struct guest *g, int state)
{
	char path[160], val[8];

	snprintf(path, sizeof(path), "%s/state", g->fe_path);
	snprintf(val, sizeof(val), "%d", state);
	if (!xs_write(g->xs, XBT_NULL, path, val, (unsigned int)strlen(val)))
		GLOG(g, "writing %s: %s", path, strerror(errno));
	GLOG(g, "frontend state %d (backend %d)", state, backend_state(g));
	g->fe_state = state;
}

/* Find the backend the toolstack named for us and watch its state. */
static bool find_backend(struct guest *g)
{
	char *be = xb_read(g, g->fe_path, "backend");
	char path[300];

	if (be == NULL || be[0] != '/' || strlen(be) >= sizeof(g->be_path)) {
		if (be != NULL)
			GLOG(g, "%s/backend: unusable value '%s'", g->fe_path, be);
		free(be);
		return false;
	}
	snprintf(g->be_path, sizeof(g->be_path), "%s", be);
	free(be);
	g->be_domid = (uint16_t)xb_read_ulong(g, g->fe_path, "backend-id", g->opt.backend_domid);
	snprintf(path, sizeof(path), "%s/state", g->be_path);
	if (!xs_watch(g->xs, path, TOKEN_BE)) {
		GLOG(g, "watch %s: %s", path, strerror(errno));
		g->be_path[0] = '\0';
		return false;
	}
	GLOG(g, "backend %s (dom%u)", g->be_path, (unsigned int)g->be_domid);
	return true;
}

static bool txn_printf(struct guest *g, xs_transaction_t t, const char *dir, const char *key,
		       const char *fmt, ...)
{
	char path[300], val[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_write(g->xs, t, path, val, (unsigned int)strlen(val));
}

/* Keys a previous connection (or run) may have left that this one does not write. */
static void txn_rm(struct guest *g, xs_transaction_t t, const char *dir, const char *key)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	(void)xs_rm(g->xs, t, path); /* ENOENT is the usual case */
}

static bool write_queue_keys(struct guest *g, xs_transaction_t t, unsigned int i)
{
	const struct guest_queue *q = &g->q[i];
	char dir[200];
	bool ok;

	if (g->nr_queues > 1)
		snprintf(dir, sizeof(dir), "%s/queue-%u", g->fe_path, i);
	else
		snprintf(dir, sizeof(dir), "%s", g->fe_path);
	ok = txn_printf(g, t, dir, "tx-ring-ref", "%d", q->tx_ring_ref) &&
	     txn_printf(g, t, dir, "rx-ring-ref", "%d", q->rx_ring_ref);
	if (q->tx_port == q->rx_port) {
		ok = ok && txn_printf(g, t, dir, "event-channel", "%d", q->tx_port);
		txn_rm(g, t, dir, "event-channel-tx");
		txn_rm(g, t, dir, "event-channel-rx");
	} else {
		ok = ok && txn_printf(g, t, dir, "event-channel-tx", "%d", q->tx_port) &&
		     txn_printf(g, t, dir, "event-channel-rx", "%d", q->rx_port);
		txn_rm(g, t, dir, "event-channel");
	}
	return ok;
}

static bool write_flag(struct guest *g, xs_transaction_t t, const char *key, bool on)
{
	if (on)
		return txn_printf(g, t, g->fe_path, key, "1");
	txn_rm(g, t, g->fe_path, key);
	return true;
}

static bool write_keys_once(struct guest *g, xs_transaction_t t)
{
	bool ok = true;
	unsigned int i;

	if (g->nr_queues > 1) {
		ok = txn_printf(g, t, g->fe_path, "multi-queue-num-queues", "%u", g->nr_queues);
	} else {
		txn_rm(g, t, g->fe_path, "multi-queue-num-queues");
		for (i = 0; i < GUEST_MAX_QUEUES; i++) {
			char key[16];

			snprintf(key, sizeof(key), "queue-%u", i);
			txn_rm(g, t, g->fe_path, key);
		}
	}
	for (i = 0; ok && i < g->nr_queues; i++)
		ok = write_queue_keys(g, t, i);
	/* talk_to_netback: a netfront reconnecting with XDP on asks at once */
	g->xdp_have = g->be_xdp ? g->xdp_want : 0;
	if (ok && g->xdp_have > 0)
		ok = txn_printf(g, t, g->fe_path, "xdp-headroom", "%u", g->xdp_have);
	else if (ok)
		txn_rm(g, t, g->fe_path, "xdp-headroom");
	if (ok && g->ctrl.on) {
		ok = txn_printf(g, t, g->fe_path, "ctrl-ring-ref", "%d", g->ctrl.ring_ref) &&
		     txn_printf(g, t, g->fe_path, "event-channel-ctrl", "%d", g->ctrl.port);
	} else if (ok) {
		txn_rm(g, t, g->fe_path, "ctrl-ring-ref");
		txn_rm(g, t, g->fe_path, "event-channel-ctrl");
	}
	/* xen-netfront never asks; a Windows frontend does when the backend offers it */
	if (ok && g->opt.mcast_control && g->be_mcast)
		ok = txn_printf(g, t, g->fe_path, "request-multicast-control", "1");
	else if (ok)
		txn_rm(g, t, g->fe_path, "request-multicast-control");
	return ok && txn_printf(g, t, g->fe_path, "request-rx-copy", "1") &&
	       write_flag(g, t, "feature-rx-notify", g->opt.rx_notify) &&
	       write_flag(g, t, "feature-sg", g->opt.sg) &&
	       write_flag(g, t, "feature-gso-tcpv4", g->opt.gso) &&
	       write_flag(g, t, "feature-gso-tcpv6", g->opt.gso) &&
	       write_flag(g, t, "feature-ipv6-csum-offload", g->opt.csum6);
}

/* The frontend keys in one transaction, retried while it conflicts (EAGAIN). */
static int write_keys(struct guest *g)
{
	int tries;

	for (tries = 0; tries < TXN_RETRIES; tries++) {
		xs_transaction_t t = xs_transaction_start(g->xs);
		bool ok;

		if (t == XBT_NULL)
			return -errno;
		ok = write_keys_once(g, t);
		if (!ok) {
			int err = errno;

			xs_transaction_end(g->xs, t, true);
			GLOG(g, "writing frontend keys: %s", strerror(err));
			return -err;
		}
		if (xs_transaction_end(g->xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

/* Read what the backend offers; decide queues and features (talk_to_netback). */
static int read_backend_features(struct guest *g)
{
	unsigned long max_q;
	bool be_sg, be_csum6;

	if (xb_read_ulong(g, g->be_path, "feature-rx-copy", 0) != 1) {
		GLOG(g, "backend does not support copying receive path (feature-rx-copy)");
		return -ENODEV;
	}
	max_q = xb_read_ulong(g, g->be_path, "multi-queue-max-queues", 1);
	if (max_q < 1)
		max_q = 1;
	g->nr_queues = g->opt.multi_queue && g->opt.queues < max_q ? g->opt.queues :
		       g->opt.multi_queue ? (unsigned int)max_q : 1;
	g->split_evtchn_ok = xb_read_ulong(g, g->be_path, "feature-split-event-channels", 0) == 1;
	be_sg = xb_read_ulong(g, g->be_path, "feature-sg", 0) == 1;
	be_csum6 = xb_read_ulong(g, g->be_path, "feature-ipv6-csum-offload", 0) == 1;
	g->txf.sg = g->opt.sg && be_sg;
	g->txf.csum6 = g->opt.csum6 && be_csum6;
	g->txf.gso4 = g->txf.sg && g->opt.gso &&
		      xb_read_ulong(g, g->be_path, "feature-gso-tcpv4", 0) == 1;
	g->txf.gso6 = g->txf.sg && g->opt.gso && g->txf.csum6 &&
		      xb_read_ulong(g, g->be_path, "feature-gso-tcpv6", 0) == 1;
	g->rx_sg = g->opt.sg;
	g->rx_gso = g->opt.gso;
	g->be_xdp = xb_read_ulong(g, g->be_path, "feature-xdp-headroom", 0) == 1;
	g->be_ctrl = xb_read_ulong(g, g->be_path, "feature-ctrl-ring", 0) == 1;
	g->be_mcast = xb_read_ulong(g, g->be_path, "feature-multicast-control", 0) == 1;
	return 0;
}

/* The vif's MAC: --mac, else the toolstack's "mac" key. NULL keeps the TAP's own. */
static const uint8_t *vif_mac(struct guest *g, uint8_t buf[6])
{
	unsigned int b[6];
	char *s, tail;
	int i, n;

	if (g->opt.have_mac)
		return g->opt.mac;
	s = xb_read(g, g->fe_path, "mac");
	if (s == NULL)
		return NULL;
	n = sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail);
	free(s);
	if (n != 6 || (b[0] & 1))
		return NULL;
	for (i = 0; i < 6; i++)
		buf[i] = (uint8_t)b[i];
	return buf;
}

static void disconnect(struct guest *g)
{
	unsigned int i;

	if (g->connected)
		GLOG(g, "disconnected");
	g->connected = false;
	(void)guest_tap_set_carrier(g->tap_fd[0], false);
	for (i = 0; i < GUEST_MAX_QUEUES; i++)
		guest_queue_teardown(g, i);
	guest_ctrl_teardown(g);
}

/* --mtu: a packet must fit one slot without SG, so xen-netfront holds the MTU to 1500. */
static void set_mtu(struct guest *g)
{
	unsigned int mtu = !g->txf.sg && g->opt.mtu > 1500 ? 1500 : g->opt.mtu;
	int rc;

	if (mtu == 0)
		return;
	rc = guest_tap_set_mtu(g->opt.tap, mtu);
	if (rc < 0)
		GLOG(g, "setting MTU %u on %s: %s", mtu, g->opt.tap, strerror(-rc));
	else
		GLOG(g, "MTU %u on %s%s", mtu, g->opt.tap, mtu < g->opt.mtu ? " (no SG)" : "");
}

static int connect_rings(struct guest *g)
{
	uint8_t macbuf[6];
	const uint8_t *mac;
	unsigned int i;
	int rc;

	rc = read_backend_features(g);
	if (rc < 0)
		return rc;
	for (i = 0; i < g->nr_queues; i++) {
		rc = guest_queue_setup(g, i);
		if (rc < 0)
			goto fail;
	}
	rc = guest_ctrl_setup(g);
	if (rc == 0)
		rc = write_keys(g);
	if (rc < 0)
		goto fail;
	mac = vif_mac(g, macbuf);
	rc = guest_tap_set_mac_up(g->opt.tap, mac);
	if (rc < 0)
		GLOG(g, "setting MAC/up on %s: %s", g->opt.tap, strerror(-rc));
	rc = guest_tap_set_offload(g->tap_fd[0], &g->txf);
	if (rc < 0)
		GLOG(g, "TUNSETOFFLOAD on %s: %s", g->opt.tap, strerror(-rc));
	set_mtu(g);
	GLOG(g, "rings for %u queue(s), %s event channels; tx sg=%d gso4=%d gso6=%d csum6=%d",
	     g->nr_queues, g->q[0].tx_port == g->q[0].rx_port ? "shared" : "split",
	     g->txf.sg, g->txf.gso4, g->txf.gso6, g->txf.csum6);
	return 0;
fail:
	disconnect(g);
	return rc;
}

/*
 * netfront's xennet_xdp_set: a new headroom is asked for by writing "xdp-headroom" and
 * going Reconfiguring (the key first: netfront switches first and races the backend's read);
 * the backend answers Reconfigured, then we are Connected again. Only from a settled
 * Connected backend, so two changes in a row cannot be taken for one.
 */
static void xdp_reconfigure(struct guest *g, int be)
{
	if (!g->connected || be != XenbusStateConnected || !g->be_xdp || g->xdp_want == g->xdp_have)
		return;
	if (!txn_printf(g, XBT_NULL, g->fe_path, "xdp-headroom", "%u", g->xdp_want))
		return;
	g->xdp_asked = g->xdp_want;
	GLOG(g, "asking for xdp-headroom %u: Reconfiguring", g->xdp_asked);
	write_state(g, XenbusStateReconfiguring);
}

static bool be_is(int be, int a, int b, int c, int d)
{
	return be == a || be == b || be == c || be == d;
}

/* One transition; @return true when our state changed (evaluate again). */
static bool step_once(struct guest *g, int be)
{
	int fe = g->fe_state;

	switch (fe) {
	case XenbusStateInitialising:
		if (be == XenbusStateInitWait) {
			if (connect_rings(g) == 0)
				write_state(g, XenbusStateConnected);
		} else if (be == XenbusStateConnected) {
			write_state(g, XenbusStateClosing); /* stale backend: reset it */
		} else if (be == XenbusStateClosing) {
			write_state(g, XenbusStateClosed);
		}
		break;
	case XenbusStateConnected:
		if (be == XenbusStateConnected && !g->connected) {
			g->connected = true;
			(void)guest_tap_set_carrier(g->tap_fd[0], true);
			GLOG(g, "connected");
			guest_ctrl_configure(g);
			guest_mcast_join(g);
		} else if (be_is(be, XenbusStateClosing, XenbusStateClosed, XenbusStateUnknown, -1) ||
			   (g->connected && (be == XenbusStateInitWait ||
					     be == XenbusStateInitialising))) {
			/* InitWait right after our Connected is the backend not having caught
			 * up yet; after it was Connected, it means the backend restarted. */
			disconnect(g);
			write_state(g, XenbusStateClosed);
		} else {
			xdp_reconfigure(g, be);
		}
		break;
	case XenbusStateReconfiguring:
		if (be == XenbusStateReconfigured) {
			g->xdp_have = g->xdp_asked;
			GLOG(g, "xdp-headroom %u: backend Reconfigured", g->xdp_have);
			write_state(g, XenbusStateConnected);
		} else if (be_is(be, XenbusStateClosing, XenbusStateClosed, XenbusStateUnknown,
				 -1)) {
			disconnect(g);
			write_state(g, XenbusStateClosed);
		}
		break;
	case XenbusStateClosing:
		if (be_is(be, XenbusStateClosing, XenbusStateClosed, XenbusStateUnknown, -1))
			write_state(g, XenbusStateClosed);
		break;
	case XenbusStateClosed:
		if (!g->stopping && be_is(be, XenbusStateClosed, XenbusStateUnknown,
					  XenbusStateInitWait, XenbusStateInitialising))
			write_state(g, XenbusStateInitialising);
		break;
	}
	return g->fe_state != fe;
}

static void step(struct guest *g)
{
	int i;

	if (g->be_path[0] == '\0' && !find_backend(g))
		return;
	/* Each of our writes may enable the next transition without a backend event. */
	for (i = 0; i < 4 && step_once(g, backend_state(g)); i++)
		;
}

int guest_xenbus_start(struct guest *g)
{
	char path[160];
	const char *env = getenv("XENSTORED_PATH");

	g->xs = xs_open(0);
	if (g->xs == NULL) {
		GLOG(g, "xs_open: %s (XENSTORED_PATH=%s)", strerror(errno), env ? env : "unset");
		return -errno;
	}
	snprintf(g->fe_path, sizeof(g->fe_path), "/local/domain/%u/device/vif/%u",
		 (unsigned int)g->opt.domid, (unsigned int)g->opt.devid);
	g->be_domid = g->opt.backend_domid;
	g->xdp_want = g->opt.xdp_headroom;
	snprintf(path, sizeof(path), "%s/backend", g->fe_path);
	if (!xs_watch(g->xs, path, TOKEN_FE)) {
		GLOG(g, "watch %s: %s", path, strerror(errno));
		return -errno;
	}
	write_state(g, XenbusStateInitialising);
	step(g);
	return 0;
}

void guest_xenbus_toggle_xdp(struct guest *g)
{
	g->xdp_want = g->xdp_want != 0 ? 0 : g->opt.xdp_headroom != 0 ? g->opt.xdp_headroom : 256;
	GLOG(g, "SIGUSR2: xdp-headroom %u wanted", g->xdp_want);
	step(g);
}

void guest_xenbus_watch_event(struct guest *g)
{
	char **ev;

	while ((ev = xs_check_watch(g->xs)) != NULL)
		free(ev);
	if (errno != EAGAIN)
		GLOG(g, "xenstore watch: %s", strerror(errno));
	step(g);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait (watch-driven, bounded) until the backend is in one of the states of @p mask. */
static bool wait_backend(struct guest *g, unsigned int mask)
{
	long long end = now_ms() + GUEST_CLOSE_TIMEOUT_MS;
	struct pollfd pfd = { .fd = xs_fileno(g->xs), .events = POLLIN };

	for (;;) {
		long long left = end - now_ms();
		char **ev;

		if (mask & (1u << backend_state(g)))
			return true;
		if (left <= 0 || poll(&pfd, 1, (int)left) < 0)
			return false;
		while ((ev = xs_check_watch(g->xs)) != NULL)
			free(ev);
	}
}

void guest_xenbus_close(struct guest *g)
{
	const unsigned int closing = 1u << XenbusStateClosing | 1u << XenbusStateClosed |
				     1u << XenbusStateUnknown;
	const unsigned int closed = 1u << XenbusStateClosed | 1u << XenbusStateUnknown;

	g->stopping = true;
	if (g->xs == NULL)
		return;
	if (g->be_path[0] != '\0' && g->fe_state != XenbusStateClosed) {
		write_state(g, XenbusStateClosing);
		if (!wait_backend(g, closing))
			GLOG(g, "backend did not close in %d ms", GUEST_CLOSE_TIMEOUT_MS);
		write_state(g, XenbusStateClosed);
		if (!wait_backend(g, closed))
			GLOG(g, "backend not Closed after %d ms", GUEST_CLOSE_TIMEOUT_MS);
	}
	disconnect(g);
	xs_close(g->xs);
	g->xs = NULL;
}
