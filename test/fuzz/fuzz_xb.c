/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_xb: lib/xenbus's vif handshake against a hostile guest, over the in-memory xenstore
 * of the unit tests. The input is a script for the victim guest's frontend directory:
 * writes of known keys with chosen or raw values, removals, state changes (any value, any
 * order), polls (direct or through watch events), the caller's answers (connected, fail,
 * disconnect) and transaction conflicts. A second guest's vif, in the same store and never
 * touched by the script, must connect at the end.
 *
 * Invariants: no crash; the backend state node always equals xb_vif_state() and is one xb
 * may write; every change of it is an edge of the state graph in xb.h; a FATAL event leaves
 * an error node in dom0's error/ tree (none in the backend directory), removed with the
 * vif; the caller is told to detach exactly when it holds a data plane, and never holds one
 * while the backend is not InitWait or Connected; the release callback runs before xb
 * writes the state that leaves them; CONNECT's conf is in range.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "fuzz_common.h"
#include "xb.h"
#include "xb_fake_xs.h"

#define XB_VICTIM 1u
#define XB_NEIGHBOUR 2u
#define XB_FUZZ_QUEUES 4u
#define XB_MAX_OPS 64u

static const struct xb_backend_features xb_feat = {
	.sg = true, .gso_tcpv4 = true, .gso_tcpv6 = true, .ipv6_csum_offload = true,
	.max_queues = XB_FUZZ_QUEUES,
};

/* Keys a frontend writes (and "" for its whole directory). */
static const char *const xb_keys[] = {
	"state", "tx-ring-ref", "rx-ring-ref", "event-channel", "event-channel-tx",
	"event-channel-rx", "request-rx-copy", "feature-rx-notify", "feature-sg",
	"feature-gso-tcpv4", "feature-gso-tcpv6", "feature-no-csum-offload",
	"feature-ipv6-csum-offload", "multi-queue-num-queues", "queue-0/tx-ring-ref",
	"queue-0/rx-ring-ref", "queue-0/event-channel", "queue-0/event-channel-tx",
	"queue-0/event-channel-rx", "queue-1/tx-ring-ref", "queue-1/rx-ring-ref",
	"queue-1/event-channel", "queue-3/tx-ring-ref", "queue-4/rx-ring-ref", "queue-0",
	"feature-split-event-channels", "request-rx-flip", "feature-ctrl-ring", "xdp-headroom",
	"request-multicast-control", "",
};

static const char *const xb_values[] = {
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "16", "17", "-1", "", " 1", "1 ",
	"+1", "01", "0x10", "4294967295", "4294967296", "99999999999999999999", "65535",
	"2147483648", "1a", "8\n",
};

struct xb_run {
	struct fake_xs *fx;
	struct xb_vif *victim, *neighbour;
	bool attached;           /* the caller holds the victim's data plane */
	bool released;           /* the release callback ran since the last detach */
	char state_path[FXS_PATH_MAX];
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet_logs();
	return 0;
}

static void fe_path(char *buf, unsigned int domid, const char *key)
{
	snprintf(buf, FXS_PATH_MAX, "/local/domain/%u/device/vif/0%s%s", domid,
		 key[0] != '\0' ? "/" : "", key);
}

static void be_path(char *buf, unsigned int domid, const char *key)
{
	snprintf(buf, FXS_PATH_MAX, "/local/domain/0/backend/vif/%u/0/%s", domid, key);
}

static void fe_set(struct fake_xs *fx, unsigned int domid, const char *key, const char *v)
{
	char p[FXS_PATH_MAX];

	fe_path(p, domid, key);
	fxs_write(fx, p, v);
}

/* What libxl writes before the backend sees the device. */
static void toolstack_add(struct fake_xs *fx, unsigned int domid)
{
	char p[FXS_PATH_MAX], v[FXS_PATH_MAX];

	fe_path(v, domid, "");
	be_path(p, domid, "frontend");
	fxs_write(fx, p, v);
	snprintf(v, sizeof(v), "%u", domid);
	be_path(p, domid, "frontend-id");
	fxs_write(fx, p, v);
	be_path(p, domid, "online");
	fxs_write(fx, p, "1");
	be_path(p, domid, "state");
	fxs_write(fx, p, "1");
	be_path(p, domid, "mac");
	fxs_write(fx, p, "00:16:3e:00:00:01");
	be_path(p, domid, "");
	p[strlen(p) - 1] = '\0';
	fe_set(fx, domid, "backend", p);
	fe_set(fx, domid, "backend-id", "0");
	fe_set(fx, domid, "state", "1");
}

static struct xb_vif *xb_add(struct xb_run *r, unsigned int domid)
{
	struct xb_vif *vif;

	toolstack_add(r->fx, domid);
	vif = xb_vif_create(&r->fx->base, (uint16_t)domid, 0, &xb_feat);
	fz_check(vif != NULL, "create vif of dom%u: %d", domid, rte_errno);
	return vif;
}

/* xb's release callback: it must run before xb writes a state past Connected/InitWait. */
static void xb_release(void *arg)
{
	struct xb_run *r = arg;
	const char *node = fxs_get(r->fx, r->state_path);

	fz_check(node != NULL && (strcmp(node, "2") == 0 || strcmp(node, "4") == 0 ||
				  strcmp(node, "8") == 0),
		 "release callback after the backend wrote state %s", node != NULL ? node : "-");
	r->released = true;
}

static bool xb_state_legal(enum xb_state s)
{
	return s == XB_STATE_INITWAIT || s == XB_STATE_CONNECTED || s == XB_STATE_CLOSING ||
	       s == XB_STATE_CLOSED || s == XB_STATE_RECONFIGURED;
}

/* The backend state node mirrors xb_vif_state(). */
static void xb_check_state(struct xb_run *r)
{
	enum xb_state s = xb_vif_state(r->victim);
	const char *node = fxs_get(r->fx, r->state_path);
	char want[4];

	snprintf(want, sizeof(want), "%d", (int)s);
	fz_check(xb_state_legal(s), "victim in state %d", (int)s);
	fz_check(node != NULL && strcmp(node, want) == 0, "state node '%s' but xb says %d",
		 node != NULL ? node : "(none)", (int)s);
	fz_check(!r->attached || s == XB_STATE_INITWAIT || s == XB_STATE_CONNECTED ||
		 s == XB_STATE_RECONFIGURED,
		 "caller still holds a data plane in backend state %d", (int)s);
}

static void xb_check_event(struct xb_run *r, const struct xb_event *ev)
{
	char p[FXS_PATH_MAX];

	if (ev->type == XB_EV_CONNECT) {
		const struct xb_frontend_conf *c = ev->conf;

		fz_check(c != NULL && c->nb_queues >= 1 && c->nb_queues <= XB_FUZZ_QUEUES,
			 "CONNECT with %u queues", c != NULL ? c->nb_queues : 0);
		for (unsigned int q = 0; q < c->nb_queues; q++)
			fz_check(c->queues[q].split_evtchn ||
				 c->queues[q].evtchn_rx == c->queues[q].evtchn_tx,
				 "queue %u: one event channel but rx %u != tx %u", q,
				 c->queues[q].evtchn_rx, c->queues[q].evtchn_tx);
		fz_check(!r->attached, "CONNECT while the caller already holds a data plane");
		fz_check(xb_vif_state(r->victim) == XB_STATE_INITWAIT, "CONNECT outside InitWait");
		r->attached = true;
		return;
	}
	if (ev->type == XB_EV_MCAST) {
		fz_check(r->attached && !ev->detach && ev->conf != NULL,
			 "MCAST without a data plane, or detaching");
		return;
	}
	if (ev->type == XB_EV_HEADROOM) {
		fz_check(r->attached && !ev->detach, "HEADROOM without a data plane, or detaching");
		fz_check(ev->conf != NULL && ev->conf->xdp_headroom <= XB_XDP_HEADROOM_MAX,
			 "HEADROOM of %u bytes", ev->conf != NULL ? ev->conf->xdp_headroom : 0);
		fz_check(xb_vif_state(r->victim) == XB_STATE_RECONFIGURED,
			 "HEADROOM outside Reconfigured");
		return;
	}
	if (ev->type == XB_EV_NONE) {
		fz_check(!ev->detach, "detach without an event");
		return;
	}
	fz_check(ev->detach == r->attached, "event %d detach %d while the caller %s",
		 ev->type, ev->detach, r->attached ? "holds a data plane" : "holds none");
	fz_check(!ev->detach || r->released, "detach event %d without the release callback",
		 ev->type);
	r->attached = false;
	r->released = false;
	if (ev->type == XB_EV_FATAL) {
		const char *node = fxs_get(r->fx, xb_vif_error_path(r->victim));

		be_path(p, XB_VICTIM, "error");
		fz_check(ev->err < 0, "FATAL with err %d", ev->err);
		fz_check(node != NULL && node[0] != '\0', "FATAL without an error node");
		fz_check(fxs_get(r->fx, p) == NULL, "an error node in the guest-readable backend");
	}
}

/* Poll the victim, directly or as a watch on a path the store reported. */
static void xb_poll_victim(struct xb_run *r, bool via_watch)
{
	struct xb_event ev;
	int rc;

	if (via_watch && r->fx->nb_events > 0)
		rc = xb_vif_on_watch(r->victim, r->fx->events[--r->fx->nb_events], &ev);
	else
		rc = xb_vif_poll(r->victim, &ev);
	fz_check(rc <= 0, "poll returned %d", rc);
	xb_check_event(r, &ev);
	if (ev.type == XB_EV_OFFLINE) {
		xb_vif_destroy(r->victim);
		r->victim = NULL;
		return;
	}
	xb_check_state(r);
}

static void xb_write_op(struct xb_run *r, struct fz_in *in, bool rm)
{
	const char *key = xb_keys[fz_u8(in) % RTE_DIM(xb_keys)];
	char p[FXS_PATH_MAX], raw[48];
	uint8_t pick = fz_u8(in);
	const char *value;

	fe_path(p, XB_VICTIM, key);
	if (rm) {
		fxs_rm(r->fx, p);
		return;
	}
	if (pick < 200) {
		value = xb_values[pick % RTE_DIM(xb_values)];
	} else {
		size_t n = fz_u8(in) % (sizeof(raw) - 1);

		fz_bytes(in, raw, n);
		raw[n] = '\0';
		value = raw;
	}
	fxs_write(r->fx, p, value);
}

static void xb_step(struct xb_run *r, struct fz_in *in)
{
	uint8_t op = fz_u8(in) % 10;
	char v[4];

	switch (op) {
	case 0:
	case 1:
		xb_write_op(r, in, false);
		break;
	case 2:
		xb_write_op(r, in, true);
		break;
	case 3:
		snprintf(v, sizeof(v), "%u", fz_u8(in) % 10);
		fe_set(r->fx, XB_VICTIM, "state", v);
		break;
	case 4:
	case 5:
		xb_poll_victim(r, op == 5);
		break;
	case 6: /* the caller answers a CONNECT */
		if (fz_u8(in) & 1) {
			int rc = xb_vif_connected(r->victim);

			fz_check(rc == 0 || rc == -EINVAL, "connected: %d", rc);
		} else {
			r->attached = false; /* released before refusing, as the contract says */
			xb_vif_fail(r->victim, -EIO, "fuzz: mapping failed");
			r->released = false;
		}
		xb_check_state(r);
		break;
	case 7:
		r->attached = false;
		xb_vif_disconnect(r->victim);
		r->released = false;
		xb_check_state(r);
		break;
	case 8:
		r->fx->eagain_left = fz_u8(in) % 4;
		break;
	default: {
		struct xb_event ev;

		fz_check(xb_vif_poll(r->neighbour, &ev) == 0 && ev.type == XB_EV_NONE,
			 "untouched neighbour saw event %d", ev.type);
		break;
	}
	}
}

/* Every change of the victim's backend state is an edge of xb.h's graph. */
static void xb_check_history(struct xb_run *r)
{
	static const char *const edges[] = {
		"1>2", "1>5", "1>6", "2>4", "2>5", "4>5", "5>6", "6>2", "6>5",
		"4>8", "8>4", "8>5", /* a frontend's Reconfiguring (xdp-headroom) */
	};
	const char *prev = NULL;

	for (unsigned int i = 0; i < r->fx->nb_log; i++) {
		const struct fxs_op *op = &r->fx->log[i];
		char edge[32];
		bool ok = false;

		if (op->rm || strcmp(op->path, r->state_path) != 0)
			continue;
		if (prev != NULL && strcmp(prev, op->value) != 0) {
			snprintf(edge, sizeof(edge), "%s>%s", prev, op->value);
			for (unsigned int e = 0; e < RTE_DIM(edges); e++)
				ok = ok || strcmp(edge, edges[e]) == 0;
			fz_check(ok, "backend state went %s", edge);
		}
		prev = op->value;
	}
}

/* The neighbour, untouched by the script, must still connect. */
static void xb_neighbour_connects(struct xb_run *r)
{
	static const char *const keys[][2] = {
		{ "request-rx-copy", "1" }, { "feature-rx-notify", "1" }, { "feature-sg", "1" },
		{ "tx-ring-ref", "8" }, { "rx-ring-ref", "9" }, { "event-channel", "3" },
		{ "state", "4" },
	};
	struct xb_event ev;

	r->fx->eagain_left = 0;
	for (unsigned int i = 0; i < RTE_DIM(keys); i++)
		fe_set(r->fx, XB_NEIGHBOUR, keys[i][0], keys[i][1]);
	fz_check(xb_vif_poll(r->neighbour, &ev) == 0 && ev.type == XB_EV_CONNECT,
		 "neighbour did not connect: event %d (%s)", ev.type, ev.reason);
	fz_check(xb_vif_connected(r->neighbour) == 0 &&
		 xb_vif_state(r->neighbour) == XB_STATE_CONNECTED, "neighbour not Connected");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake_xs fx;
	struct xb_run r = { .fx = &fx };
	struct xb_event ev;
	struct fz_in in;

	fz_in_init(&in, data, size);
	fxs_init(&fx);
	be_path(r.state_path, XB_VICTIM, "state");
	r.victim = xb_add(&r, XB_VICTIM);
	xb_vif_set_release_cb(r.victim, xb_release, &r);
	r.neighbour = xb_add(&r, XB_NEIGHBOUR);
	fz_check(xb_vif_poll(r.neighbour, &ev) == 0 && ev.type == XB_EV_NONE &&
		 xb_vif_state(r.neighbour) == XB_STATE_INITWAIT, "neighbour not in InitWait");
	xb_check_state(&r);
	for (unsigned int i = 0; i < XB_MAX_OPS && fz_more(&in) && r.victim != NULL; i++)
		xb_step(&r, &in);
	xb_check_history(&r);
	xb_neighbour_connects(&r);
	if (r.victim != NULL) {
		char err_dir[FXS_PATH_MAX];

		snprintf(err_dir, sizeof(err_dir), "/local/domain/0/error/backend/vif/%u",
			 XB_VICTIM);
		xb_vif_destroy(r.victim);
		/* Released (no conflicts are injected any more): no error directory left. */
		fz_check(fxs_get(&fx, err_dir) == NULL, "the victim's error directory outlived it");
	}
	xb_vif_destroy(r.neighbour);
	fz_check(strcmp(fxs_get(&fx, r.state_path), "6") == 0 || r.victim == NULL,
		 "victim not Closed after destroy");
	return 0;
}
