/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/xenbus against an in-memory xenstore: features, InitWait, connect (single queue,
 * split and shared event channels, multi-queue), every refusal class and its error node
 * (dom0's error/ tree, removed with the vif), reconnect cycles, transaction conflicts,
 * watches, a frontend flipping states at random, and the backend's own state key
 * (XB_PERSIST_KEY): its encoding, its parser against hostile values, its life in xenstore.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "xb.h"
#include "xb_fake_xs.h"

#define MAX_QUEUES 4
#define VICTIM 1       /* domid of the vif a test abuses */
#define NEIGHBOUR 2    /* domid of a vif in the same store that must still connect */

static char *log_buf;
static size_t log_len;
static FILE *log_stream;

static const struct xb_backend_features feat = {
	.sg = true, .gso_tcpv4 = true, .gso_tcpv6 = true, .ipv6_csum_offload = true,
	.max_queues = MAX_QUEUES,
};

/* ---- paths and the other two parties (toolstack, frontend) ---------------------------- */

static const char *be_key(char *buf, unsigned int domid, unsigned int devid, const char *key)
{
	snprintf(buf, FXS_PATH_MAX, "/local/domain/0/backend/vif/%u/%u%s%s", domid, devid,
		key[0] != '\0' ? "/" : "", key);
	return buf;
}

static const char *fe_key(char *buf, unsigned int domid, unsigned int devid, const char *key)
{
	snprintf(buf, FXS_PATH_MAX, "/local/domain/%u/device/vif/%u%s%s", domid, devid,
		key[0] != '\0' ? "/" : "", key);
	return buf;
}

static void be_set(struct fake_xs *fx, unsigned int domid, unsigned int devid,
		const char *key, const char *value)
{
	char p[FXS_PATH_MAX];

	fxs_write(fx, be_key(p, domid, devid, key), value);
}

static void fe_set(struct fake_xs *fx, unsigned int domid, unsigned int devid,
		const char *key, const char *value)
{
	char p[FXS_PATH_MAX];

	fxs_write(fx, fe_key(p, domid, devid, key), value);
}

static void fe_del(struct fake_xs *fx, unsigned int domid, unsigned int devid,
		const char *key)
{
	char p[FXS_PATH_MAX];

	fxs_rm(fx, fe_key(p, domid, devid, key));
}

static const char *be_get(struct fake_xs *fx, unsigned int domid, unsigned int devid,
		const char *key)
{
	char p[FXS_PATH_MAX];

	return fxs_get(fx, be_key(p, domid, devid, key));
}

/* The error node, where Linux's xenbus_dev_error writes it: dom0's error/<nodename>/error.
 * The guest-readable backend directory never holds one. */
static const char *err_get(struct fake_xs *fx, unsigned int domid, unsigned int devid)
{
	char p[FXS_PATH_MAX];

	assert_null(be_get(fx, domid, devid, "error"));
	snprintf(p, sizeof(p), "/local/domain/0/error/backend/vif/%u/%u/error", domid, devid);
	return fxs_get(fx, p);
}

static void fe_state(struct fake_xs *fx, unsigned int domid, unsigned int devid, int state)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", state);
	fe_set(fx, domid, devid, "state", v);
}

/* What libxl writes before the backend sees the device. */
static void toolstack_add(struct fake_xs *fx, unsigned int domid, unsigned int devid)
{
	char v[FXS_PATH_MAX];

	be_set(fx, domid, devid, "frontend", fe_key(v, domid, devid, ""));
	snprintf(v, sizeof(v), "%u", domid);
	be_set(fx, domid, devid, "frontend-id", v);
	be_set(fx, domid, devid, "online", "1");
	be_set(fx, domid, devid, "state", "1");
	snprintf(v, sizeof(v), "00:16:3e:%02x:%02X:%02x", domid, devid, 0xab);
	be_set(fx, domid, devid, "mac", v);
	be_set(fx, domid, devid, "script", "/etc/xen/scripts/vif-dnb");
	fe_set(fx, domid, devid, "backend", be_key(v, domid, devid, ""));
	fe_set(fx, domid, devid, "backend-id", "0");
	fe_state(fx, domid, devid, XB_STATE_INITIALISING);
}

static uint32_t ring_ref(unsigned int domid, unsigned int q, unsigned int rx)
{
	return 100000u * domid + 10u * q + rx + 8u;
}

static uint32_t port(unsigned int domid, unsigned int q, unsigned int rx)
{
	return 1000u * domid + 2u * q + rx + 1u;
}

/* What netfront's talk_to_netback writes. */
static void fe_write_keys(struct fake_xs *fx, unsigned int domid, unsigned int devid,
		unsigned int nb_queues, bool split)
{
	char dir[32], key[64], v[32];
	unsigned int q;

	fe_set(fx, domid, devid, "request-rx-copy", "1");
	fe_set(fx, domid, devid, "feature-rx-notify", "1");
	fe_set(fx, domid, devid, "feature-sg", "1");
	fe_set(fx, domid, devid, "feature-gso-tcpv4", "1");
	fe_set(fx, domid, devid, "feature-ipv6-csum-offload", "1");
	snprintf(v, sizeof(v), "%u", nb_queues);
	fe_set(fx, domid, devid, "multi-queue-num-queues", v);
	for (q = 0; q < nb_queues; q++) {
		if (nb_queues == 1)
			dir[0] = '\0';
		else
			snprintf(dir, sizeof(dir), "queue-%u/", q);
#define SET(name, val) do { \
		snprintf(key, sizeof(key), "%s%s", dir, name); \
		snprintf(v, sizeof(v), "%u", (unsigned int)(val)); \
		fe_set(fx, domid, devid, key, v); } while (0)
		SET("tx-ring-ref", ring_ref(domid, q, 0));
		SET("rx-ring-ref", ring_ref(domid, q, 1));
		if (split) {
			SET("event-channel-tx", port(domid, q, 0));
			SET("event-channel-rx", port(domid, q, 1));
		} else {
			SET("event-channel", port(domid, q, 0));
		}
#undef SET
	}
}

/* ---- driving the vif ---------------------------------------------------------------------- */

static struct xb_event poll_ok(struct xb_vif *vif)
{
	struct xb_event ev;

	assert_int_equal(xb_vif_poll(vif, &ev), 0);
	return ev;
}

static void assert_state(struct fake_xs *fx, struct xb_vif *vif, unsigned int domid,
		unsigned int devid, enum xb_state state)
{
	char v[8];

	snprintf(v, sizeof(v), "%d", state);
	assert_int_equal(xb_vif_state(vif), state);
	assert_non_null(be_get(fx, domid, devid, "state"));
	assert_string_equal(be_get(fx, domid, devid, "state"), v);
}

/* Toolstack adds the device, xb takes it over: InitWait, nothing asked of the caller. */
static struct xb_vif *create_initwait(struct fake_xs *fx, unsigned int domid,
		unsigned int devid)
{
	struct xb_vif *vif;

	toolstack_add(fx, domid, devid);
	vif = xb_vif_create(&fx->base, domid, devid, &feat);
	assert_non_null(vif);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_state(fx, vif, domid, devid, XB_STATE_INITWAIT);
	return vif;
}

/* Frontend goes Connected: CONNECT (copied to @p out), the caller confirms: Connected. */
static void connect_now(struct fake_xs *fx, struct xb_vif *vif, unsigned int domid,
		unsigned int devid, struct xb_frontend_conf *out)
{
	struct xb_event ev;

	fe_state(fx, domid, devid, XB_STATE_CONNECTED);
	ev = poll_ok(vif);
	assert_int_equal(ev.type, XB_EV_CONNECT);
	assert_false(ev.detach);
	assert_non_null(ev.conf);
	if (out != NULL)
		*out = *ev.conf;
	/* Until the caller confirms, the backend stays InitWait. */
	assert_state(fx, vif, domid, devid, XB_STATE_INITWAIT);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_int_equal(xb_vif_connected(vif), 0);
	assert_state(fx, vif, domid, devid, XB_STATE_CONNECTED);
}

static struct xb_vif *bring_up(struct fake_xs *fx, unsigned int domid, unsigned int devid,
		unsigned int nb_queues, bool split, struct xb_frontend_conf *out)
{
	struct xb_vif *vif = create_initwait(fx, domid, devid);

	fe_write_keys(fx, domid, devid, nb_queues, split);
	connect_now(fx, vif, domid, devid, out);
	return vif;
}

static void check_conf(const struct xb_frontend_conf *c, unsigned int domid,
		unsigned int devid, unsigned int nb_queues, bool split)
{
	const uint8_t mac[6] = { 0x00, 0x16, 0x3e, (uint8_t)domid, (uint8_t)devid, 0xab };
	unsigned int q;

	assert_int_equal(c->nb_queues, nb_queues);
	assert_memory_equal(c->mac, mac, 6);
	assert_true(c->rx_notify);
	assert_true(c->sg);
	assert_true(c->gso_tcpv4);
	assert_false(c->gso_tcpv6);   /* not written: defaults off */
	assert_true(c->ip_csum);      /* no feature-no-csum-offload: on */
	assert_true(c->ipv6_csum);
	assert_int_equal(c->mtu, 0);  /* no "mtu" key: the caller's default */
	for (q = 0; q < nb_queues; q++) {
		assert_int_equal(c->queues[q].tx_ring_ref, ring_ref(domid, q, 0));
		assert_int_equal(c->queues[q].rx_ring_ref, ring_ref(domid, q, 1));
		assert_int_equal(c->queues[q].split_evtchn, split);
		assert_int_equal(c->queues[q].evtchn_tx, port(domid, q, 0));
		assert_int_equal(c->queues[q].evtchn_rx, port(domid, q, split ? 1 : 0));
	}
}

static bool log_contains(const char *needle)
{
	fflush(log_stream);
	return log_buf != NULL && strstr(log_buf, needle) != NULL;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_features_and_initwait(void **state)
{
	static const char *const expect[][2] = {
		{ "feature-sg", "1" }, { "feature-gso-tcpv4", "1" }, { "feature-gso-tcpv6", "1" },
		{ "feature-ipv6-csum-offload", "1" }, { "feature-rx-copy", "1" },
		{ "feature-rx-flip", "0" }, { "feature-split-event-channels", "1" },
		{ "multi-queue-max-queues", "4" }, { "feature-xdp-headroom", "1" },
	};
	struct fake_xs *fx = *state;
	struct xb_vif *vif;
	char p[FXS_PATH_MAX], h[64];
	unsigned int i;

	toolstack_add(fx, 3, 1);
	vif = xb_vif_create(&fx->base, 3, 1, &feat);
	assert_non_null(vif);
	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		assert_non_null(be_get(fx, 3, 1, expect[i][0]));
		assert_string_equal(be_get(fx, 3, 1, expect[i][0]), expect[i][1]);
	}
	assert_string_equal(be_get(fx, 3, 1, "feature-multicast-control"), "1");
	assert_string_equal(be_get(fx, 3, 1, "feature-dynamic-multicast-control"), "1");
	assert_string_equal(be_get(fx, 3, 1, "feature-ctrl-ring"), "0"); /* not offered */
	assert_int_equal(fx->nb_commits, 1);
	assert_state(fx, vif, 3, 1, XB_STATE_INITWAIT);
	assert_string_equal(xb_vif_backend_path(vif), "/local/domain/0/backend/vif/3/1");
	assert_string_equal(xb_vif_frontend_state_path(vif), "/local/domain/3/device/vif/1/state");
	/* Frontend Initialising (and Initialised) keep InitWait and ask nothing of the caller. */
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	fe_state(fx, 3, 1, XB_STATE_INITIALISED);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_state(fx, vif, 3, 1, XB_STATE_INITWAIT);
	assert_string_equal(fxs_history(fx, be_key(p, 3, 1, "state"), 0, h, sizeof(h)), "1,2");
	xb_vif_destroy(vif);
}

static void test_bad_create_args(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_backend_features f = feat;

	toolstack_add(fx, 3, 0);
	f.max_queues = 0;
	assert_null(xb_vif_create(&fx->base, 3, 0, &f));
	assert_int_equal(rte_errno, EINVAL);
	f.max_queues = XB_MAX_QUEUES + 1;
	assert_null(xb_vif_create(&fx->base, 3, 0, &f));
	f = feat;
	f.sg = false;
	assert_null(xb_vif_create(&fx->base, 3, 0, &f));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(xb_vif_create(&fx->base, 0x7ff0, 0, &feat));
	assert_null(xb_vif_create(NULL, 3, 0, &feat));
	assert_null(be_get(fx, 3, 0, "feature-sg"));
}

static void test_connect_single_shared(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_frontend_conf c;
	struct xb_vif *vif;

	vif = bring_up(fx, 5, 0, 1, false, &c);
	check_conf(&c, 5, 0, 1, false);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_int_equal(xb_vif_connected(vif), -EINVAL); /* nothing pending any more */
	xb_vif_destroy(vif);

	/* A frontend unaware of multi-queue writes no num-queues key: one queue. */
	vif = create_initwait(fx, 6, 0);
	fe_write_keys(fx, 6, 0, 1, false);
	fe_del(fx, 6, 0, "multi-queue-num-queues");
	fe_set(fx, 6, 0, "feature-no-csum-offload", "1");
	connect_now(fx, vif, 6, 0, &c);
	assert_int_equal(c.nb_queues, 1);
	assert_false(c.ip_csum);
	xb_vif_destroy(vif);
}

static void test_connect_single_split(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_frontend_conf c;
	struct xb_vif *vif = bring_up(fx, 7, 2, 1, true, &c);

	check_conf(&c, 7, 2, 1, true);
	xb_vif_destroy(vif);
}

static void test_connect_multiqueue(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_frontend_conf c;
	struct xb_vif *vif;

	vif = bring_up(fx, 8, 0, MAX_QUEUES, true, &c);
	check_conf(&c, 8, 0, MAX_QUEUES, true);
	xb_vif_destroy(vif);
	vif = bring_up(fx, 9, 0, 2, false, &c);
	check_conf(&c, 9, 0, 2, false);
	xb_vif_destroy(vif);
}

/* ---- refusals ----------------------------------------------------------------------------- */

struct refusal {
	const char *name;
	unsigned int nb_queues;
	bool split;
	const char *fe_key;    /* frontend key to change (NULL: none) */
	const char *fe_value;  /* its new value; NULL removes it */
	const char *be_key;    /* backend key to change (NULL: none) */
	const char *be_value;
	int err;               /* positive errno expected in the error node */
	const char *reason;    /* substring expected in the error node */
};

static const char huge_value[] =
	"111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
	"111111111111111111111111111111111111111111111111111111111111111111111111111111111111";

static const struct refusal refusals[] = {
	{ "no request-rx-copy", 1, false, "request-rx-copy", NULL, NULL, NULL,
	  EOPNOTSUPP, "frontend does not support rx-copy" },
	{ "request-rx-copy=0", 1, false, "request-rx-copy", "0", NULL, NULL,
	  EOPNOTSUPP, "frontend does not support rx-copy" },
	{ "request-rx-copy garbage", 1, false, "request-rx-copy", "yes", NULL, NULL,
	  EINVAL, "request-rx-copy" },
	{ "missing tx-ring-ref", 1, false, "tx-ring-ref", NULL, NULL, NULL, ENOENT, "tx-ring-ref" },
	{ "missing rx-ring-ref", 1, true, "rx-ring-ref", NULL, NULL, NULL, ENOENT, "rx-ring-ref" },
	{ "non-numeric ring-ref", 1, false, "tx-ring-ref", "abc", NULL, NULL, EINVAL, "tx-ring-ref" },
	{ "negative ring-ref", 1, false, "tx-ring-ref", "-1", NULL, NULL, EINVAL, "tx-ring-ref" },
	{ "ring-ref 2^32", 1, false, "rx-ring-ref", "4294967296", NULL, NULL, EINVAL, "rx-ring-ref" },
	{ "ring-ref trailing junk", 1, false, "tx-ring-ref", "12x", NULL, NULL, EINVAL, "tx-ring-ref" },
	{ "ring-ref leading space", 1, false, "tx-ring-ref", " 12", NULL, NULL, EINVAL, "tx-ring-ref" },
	{ "ring-ref plus sign", 1, false, "tx-ring-ref", "+12", NULL, NULL, EINVAL, "tx-ring-ref" },
	{ "ring-ref hex", 1, false, "tx-ring-ref", "0x10", NULL, NULL, EINVAL, "tx-ring-ref" },
	{ "ring-ref empty", 1, false, "tx-ring-ref", "", NULL, NULL, EINVAL, "tx-ring-ref" },
	{ "ring-ref over-long", 1, false, "tx-ring-ref", huge_value, NULL, NULL, EINVAL,
	  "tx-ring-ref" },
	{ "no event channel", 1, false, "event-channel", NULL, NULL, NULL, ENOENT, "event-channel" },
	{ "event channel negative", 1, false, "event-channel", "-3", NULL, NULL, EINVAL,
	  "event-channel" },
	{ "event channel huge", 1, true, "event-channel-rx", "99999999999", NULL, NULL, EINVAL,
	  "event-channel-tx/-rx" },
	{ "only event-channel-tx", 1, true, "event-channel-rx", NULL, NULL, NULL, EINVAL,
	  "only one of event-channel-tx/-rx" },
	{ "num-queues 0", 1, false, "multi-queue-num-queues", "0", NULL, NULL, EINVAL,
	  "requested 0 queues" },
	{ "num-queues 10^9", 1, false, "multi-queue-num-queues", "1000000000", NULL, NULL, EINVAL,
	  "requested 1000000000 queues" },
	{ "num-queues over max", MAX_QUEUES, false, "multi-queue-num-queues", "5", NULL, NULL,
	  EINVAL, "requested 5 queues, outside 1..4" },
	{ "num-queues non-numeric", 1, false, "multi-queue-num-queues", "two", NULL, NULL, EINVAL,
	  "multi-queue-num-queues" },
	{ "num-queues more than given", 2, false, "multi-queue-num-queues", "3", NULL, NULL,
	  ENOENT, "queue-2/tx-ring-ref" },
	{ "queue-N missing", MAX_QUEUES, true, "queue-3", NULL, NULL, NULL, ENOENT,
	  "queue-3/tx-ring-ref" },
	{ "queue-N key missing", 2, false, "queue-1/event-channel", NULL, NULL, NULL, ENOENT,
	  "queue-1/event-channel" },
	{ "top-level and queue-N keys", 2, true, "tx-ring-ref", "77", NULL, NULL, EINVAL,
	  "keys belong in queue-N" },
	{ "feature flag garbage", 1, false, "feature-sg", "on", NULL, NULL, EINVAL, "feature-sg" },
	{ "mac garbage", 1, false, NULL, NULL, "mac", "00:16:3e:zz:01:02", EINVAL, "/mac" },
	{ "mac short", 1, false, NULL, NULL, "mac", "00:16:3e:01:02", EINVAL, "/mac" },
	{ "mac trailing", 1, false, NULL, NULL, "mac", "00:16:3e:01:02:03:", EINVAL, "/mac" },
	{ "mac missing", 1, false, NULL, NULL, "mac", NULL, ENOENT, "/mac" },
};

/* The refused vif: error node "<errno> <reason>", Closing, FATAL once, then quiet. */
static void assert_refused(struct fake_xs *fx, struct xb_vif *vif, unsigned int domid,
		const struct xb_event *ev, int err, const char *reason)
{
	const char *node = err_get(fx, domid, 0);
	char prefix[16];

	assert_int_equal(ev->type, XB_EV_FATAL);
	assert_int_equal(ev->err, -err);
	assert_non_null(strstr(ev->reason, reason));
	assert_non_null(node);
	snprintf(prefix, sizeof(prefix), "%d ", err);
	assert_memory_equal(node, prefix, strlen(prefix));
	assert_non_null(strstr(node, reason));
	assert_state(fx, vif, domid, 0, XB_STATE_CLOSING);
	/* Reported once; a frontend that stays put is not retried. */
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_state(fx, vif, domid, 0, XB_STATE_CLOSING);
}

/* The neighbour in the same store is unaffected. */
static void assert_neighbour_connects(struct fake_xs *fx)
{
	struct xb_frontend_conf c;
	struct xb_vif *vif = bring_up(fx, NEIGHBOUR, 0, 2, true, &c);

	check_conf(&c, NEIGHBOUR, 0, 2, true);
	assert_null(err_get(fx, NEIGHBOUR, 0));
	xb_vif_destroy(vif);
}

static void test_refusals(void **state)
{
	struct fake_xs *fx = *state;
	unsigned int i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];
		struct xb_vif *vif;
		struct xb_event ev;

		print_message("refusal: %s\n", r->name);
		fxs_init(fx);
		vif = create_initwait(fx, VICTIM, 0);
		fe_write_keys(fx, VICTIM, 0, r->nb_queues, r->split);
		if (r->fe_key != NULL && r->fe_value != NULL)
			fe_set(fx, VICTIM, 0, r->fe_key, r->fe_value);
		else if (r->fe_key != NULL)
			fe_del(fx, VICTIM, 0, r->fe_key);
		if (r->be_key != NULL && r->be_value != NULL) {
			be_set(fx, VICTIM, 0, r->be_key, r->be_value);
		} else if (r->be_key != NULL) {
			char p[FXS_PATH_MAX];

			fxs_rm(fx, be_key(p, VICTIM, 0, r->be_key));
		}
		fe_state(fx, VICTIM, 0, XB_STATE_CONNECTED);
		ev = poll_ok(vif);
		assert_false(ev.detach); /* refused before anything was handed over */
		assert_refused(fx, vif, VICTIM, &ev, r->err, r->reason);
		assert_neighbour_connects(fx);
		xb_vif_destroy(vif);
	}
}

static void test_rx_copy_log_line(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif *vif = create_initwait(fx, VICTIM, 0);

	fe_write_keys(fx, VICTIM, 0, 1, false);
	fe_del(fx, VICTIM, 0, "request-rx-copy");
	fe_state(fx, VICTIM, 0, XB_STATE_CONNECTED);
	assert_int_equal(poll_ok(vif).type, XB_EV_FATAL);
	assert_true(log_contains("vif1.0: refusing frontend: frontend does not support rx-copy"));
	xb_vif_destroy(vif);
}

static void test_unknown_frontend_states(void **state)
{
	/* "7" (Reconfiguring) while InitWait: a connected vif takes it (test_xdp_headroom). */
	static const char *const bad[] = { "2", "8", "7", "9", "4294967296", "abc", "", "-1" };
	struct fake_xs *fx = *state;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xb_vif *vif;
		struct xb_event ev;

		print_message("frontend state \"%s\"\n", bad[i]);
		fxs_init(fx);
		/* Half the cases while Connected: the caller must be told to let go. */
		if (i % 2 == 0) {
			vif = create_initwait(fx, VICTIM, 0);
		} else {
			vif = bring_up(fx, VICTIM, 0, 1, false, NULL);
		}
		fe_set(fx, VICTIM, 0, "state", bad[i]);
		ev = poll_ok(vif);
		assert_int_equal(ev.detach, i % 2 == 1);
		assert_refused(fx, vif, VICTIM, &ev, EINVAL, "at frontend");
		assert_neighbour_connects(fx);
		xb_vif_destroy(vif);
	}
}

static void test_wrong_frontend_path(void **state)
{
	static const char *const keys[][2] = {
		{ "frontend", "/local/domain/9/device/vif/0" },
		{ "frontend", "/local/domain/1/device/vif/1" },
		{ "frontend", "/local/domain/1/device/vif/0/../../../9/device/vif/0" },
		{ "frontend", "/local/domain/1/device/vbd/0" },
		{ "frontend", NULL },
		{ "frontend-id", "9" },
		{ "frontend-id", "1x" },
		{ "frontend-id", NULL },
	};
	struct fake_xs *fx = *state;
	unsigned int i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char p[FXS_PATH_MAX];
		struct xb_vif *vif;
		struct xb_event ev;

		print_message("%s = %s\n", keys[i][0], keys[i][1] ? keys[i][1] : "(none)");
		fxs_init(fx);
		toolstack_add(fx, VICTIM, 0);
		fe_write_keys(fx, VICTIM, 0, 1, false);
		if (keys[i][1] != NULL)
			be_set(fx, VICTIM, 0, keys[i][0], keys[i][1]);
		else
			fxs_rm(fx, be_key(p, VICTIM, 0, keys[i][0]));
		vif = xb_vif_create(&fx->base, VICTIM, 0, &feat);
		assert_non_null(vif);
		assert_null(xb_vif_frontend_state_path(vif));
		assert_int_equal(xb_vif_watch(vif, "t"), -ENOENT);
		/* Features are not advertised to a frontend xb will not talk to. */
		assert_null(be_get(fx, VICTIM, 0, "feature-rx-copy"));
		ev = poll_ok(vif);
		assert_refused(fx, vif, VICTIM, &ev, keys[i][1] == NULL ? ENOENT : EINVAL,
			keys[i][0]);
		/* Whatever the frontend then does, this vif never connects. */
		fe_state(fx, VICTIM, 0, XB_STATE_CLOSED);
		fe_state(fx, VICTIM, 0, XB_STATE_INITIALISING);
		assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
		fe_state(fx, VICTIM, 0, XB_STATE_CONNECTED);
		assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
		assert_neighbour_connects(fx);
		xb_vif_destroy(vif);
	}
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

static void test_reconnect_cycles(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_frontend_conf c;
	struct xb_vif *vif;
	struct xb_event ev;
	char p[FXS_PATH_MAX], h[64];
	unsigned int i, mark;

	vif = bring_up(fx, 4, 1, 2, true, &c);
	for (i = 0; i < 20; i++) {
		mark = fx->nb_log;
		fe_state(fx, 4, 1, XB_STATE_CLOSING);
		ev = poll_ok(vif);
		assert_int_equal(ev.type, XB_EV_DISCONNECT);
		assert_true(ev.detach);
		assert_state(fx, vif, 4, 1, XB_STATE_CLOSING);
		fe_state(fx, 4, 1, XB_STATE_CLOSED);
		assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
		assert_state(fx, vif, 4, 1, XB_STATE_CLOSED);
		/* Driver reload: a fresh frontend, possibly with another queue count. */
		fe_del(fx, 4, 1, "queue-0");
		fe_del(fx, 4, 1, "queue-1");
		fe_state(fx, 4, 1, XB_STATE_INITIALISING);
		assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
		assert_state(fx, vif, 4, 1, XB_STATE_INITWAIT);
		fe_write_keys(fx, 4, 1, 2, i % 2 == 0);
		connect_now(fx, vif, 4, 1, &c);
		check_conf(&c, 4, 1, 2, i % 2 == 0);
		assert_string_equal(fxs_history(fx, be_key(p, 4, 1, "state"), mark, h, sizeof(h)),
			"5,6,2,4");
	}
	/* Frontend restarting straight from Connected: Closing, Closed, InitWait in one go. */
	mark = fx->nb_log;
	fe_state(fx, 4, 1, XB_STATE_INITIALISING);
	ev = poll_ok(vif);
	assert_int_equal(ev.type, XB_EV_DISCONNECT);
	assert_true(ev.detach);
	assert_string_equal(fxs_history(fx, be_key(p, 4, 1, "state"), mark, h, sizeof(h)),
		"5,6,2");
	connect_now(fx, vif, 4, 1, NULL);
	xb_vif_destroy(vif);
}

/* ---- a restart of the backend process: the next one resumes what it finds --------------- */

/* A new process takes over a Connected vif: no xenstore write at all, a CONNECT flagged
 * resume with the same request, Connected confirmed silently; then life goes on. */
static void test_resume_connected(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_frontend_conf before;
	struct xb_vif *vif;
	struct xb_event ev;
	unsigned int mark;

	vif = bring_up(fx, VICTIM, 0, 2, true, &before);
	mark = fx->nb_log;
	xb_vif_free_keep(vif);
	vif = xb_vif_create(&fx->base, VICTIM, 0, &feat);
	assert_non_null(vif);
	assert_int_equal(xb_vif_state(vif), XB_STATE_CONNECTED);
	ev = poll_ok(vif);
	assert_int_equal(ev.type, XB_EV_CONNECT);
	assert_true(ev.resume);
	assert_false(ev.detach);
	assert_memory_equal(ev.conf, &before, sizeof(before));
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_int_equal(xb_vif_connected(vif), 0);
	assert_int_equal(fx->nb_log, mark); /* the frontend saw nothing */
	assert_state(fx, vif, VICTIM, 0, XB_STATE_CONNECTED);
	/* and the vif is an ordinary one from now on */
	fe_state(fx, VICTIM, 0, XB_STATE_CLOSING);
	ev = poll_ok(vif);
	assert_int_equal(ev.type, XB_EV_DISCONNECT);
	assert_true(ev.detach);
	assert_state(fx, vif, VICTIM, 0, XB_STATE_CLOSING);
	xb_vif_destroy(vif);
}

/* While no process ran the netfront was reloaded (Closed, then Initialising): the new
 * process follows it from Connected as netback would, then connects afresh. */
static void test_resume_frontend_moved(void **state)
{
	struct fake_xs *fx = *state;
	char p[FXS_PATH_MAX], h[64];
	struct xb_vif *vif;
	struct xb_event ev;
	unsigned int mark;

	vif = bring_up(fx, VICTIM, 0, 1, false, NULL);
	xb_vif_free_keep(vif);
	fe_state(fx, VICTIM, 0, XB_STATE_CLOSED);
	fe_state(fx, VICTIM, 0, XB_STATE_INITIALISING);
	mark = fx->nb_log;
	vif = xb_vif_create(&fx->base, VICTIM, 0, &feat);
	assert_non_null(vif);
	ev = poll_ok(vif);
	assert_int_equal(ev.type, XB_EV_NONE);
	assert_false(ev.resume);
	assert_string_equal(fxs_history(fx, be_key(p, VICTIM, 0, "state"), mark, h, sizeof(h)),
		"5,6,2");
	connect_now(fx, vif, VICTIM, 0, NULL);
	xb_vif_destroy(vif);
}

/* Keys a guest rewrote while no backend ran are refused as at any connect: that vif alone
 * goes Closing with its error; the neighbour connects. */
static void test_resume_keys_rewritten(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif *vif;
	struct xb_event ev;

	vif = bring_up(fx, VICTIM, 0, 1, false, NULL);
	xb_vif_free_keep(vif);
	fe_set(fx, VICTIM, 0, "tx-ring-ref", "4294967296");
	vif = xb_vif_create(&fx->base, VICTIM, 0, &feat);
	assert_non_null(vif);
	ev = poll_ok(vif);
	assert_int_equal(ev.type, XB_EV_FATAL);
	assert_false(ev.resume);
	assert_state(fx, vif, VICTIM, 0, XB_STATE_CLOSING);
	assert_non_null(err_get(fx, VICTIM, 0));
	assert_neighbour_connects(fx);
	xb_vif_destroy(vif);
}

/* A process that died half-way (InitWait; or its frontend Connected before it confirmed):
 * the next one takes the normal path. */
static void test_resume_half_way(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif *vif = create_initwait(fx, VICTIM, 0);
	struct xb_event ev;

	xb_vif_free_keep(vif);
	fe_write_keys(fx, VICTIM, 0, 1, true);
	fe_state(fx, VICTIM, 0, XB_STATE_CONNECTED);
	vif = xb_vif_create(&fx->base, VICTIM, 0, &feat);
	assert_non_null(vif);
	assert_state(fx, vif, VICTIM, 0, XB_STATE_INITWAIT);
	ev = poll_ok(vif);
	assert_int_equal(ev.type, XB_EV_CONNECT);
	assert_false(ev.resume);
	assert_int_equal(xb_vif_connected(vif), 0);
	assert_state(fx, vif, VICTIM, 0, XB_STATE_CONNECTED);
	xb_vif_destroy(vif);
}

static void test_caller_fail_and_retry(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif *vif;
	struct xb_event ev;

	vif = create_initwait(fx, 3, 0);
	fe_write_keys(fx, 3, 0, 1, false);
	fe_state(fx, 3, 0, XB_STATE_CONNECTED);
	assert_int_equal(poll_ok(vif).type, XB_EV_CONNECT);
	/* Mapping the rings failed in the caller. */
	assert_int_equal(xb_vif_fail(vif, -EFAULT, "mapping shared-frames 8/9"), 0);
	assert_string_equal(err_get(fx, 3, 0), "14 mapping shared-frames 8/9");
	assert_state(fx, vif, 3, 0, XB_STATE_CLOSING);
	assert_int_equal(xb_vif_connected(vif), -EINVAL);
	/* Held: Initialised/Connected again do not retry. */
	fe_state(fx, 3, 0, XB_STATE_INITIALISED);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	fe_state(fx, 3, 0, XB_STATE_CONNECTED);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_state(fx, vif, 3, 0, XB_STATE_CLOSING);
	/* The frontend closes and restarts: the error is cleared and it connects. */
	fe_state(fx, 3, 0, XB_STATE_CLOSED);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_state(fx, vif, 3, 0, XB_STATE_CLOSED);
	fe_state(fx, 3, 0, XB_STATE_INITIALISING);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_null(err_get(fx, 3, 0));
	connect_now(fx, vif, 3, 0, NULL);
	/* A data-plane protocol violation later: fail while Connected. */
	assert_int_equal(xb_vif_fail(vif, -EINVAL, "impossible number of requests"), 0);
	assert_state(fx, vif, 3, 0, XB_STATE_CLOSING);
	assert_int_equal(xb_vif_fail(vif, 5, "positive errno"), -EINVAL);
	/* Frontend Closed directly followed by Connected (no Initialising) also reconnects. */
	fe_state(fx, 3, 0, XB_STATE_CLOSED);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	fe_state(fx, 3, 0, XB_STATE_CONNECTED);
	ev = poll_ok(vif);
	assert_int_equal(ev.type, XB_EV_CONNECT);
	xb_vif_destroy(vif);
}

static void test_pending_connect_abandoned(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif *vif = create_initwait(fx, 3, 0);
	struct xb_event ev;

	fe_write_keys(fx, 3, 0, 1, true);
	fe_state(fx, 3, 0, XB_STATE_CONNECTED);
	assert_int_equal(poll_ok(vif).type, XB_EV_CONNECT);
	/* The frontend gives up before the caller confirmed. */
	fe_state(fx, 3, 0, XB_STATE_CLOSING);
	ev = poll_ok(vif);
	assert_int_equal(ev.type, XB_EV_DISCONNECT);
	assert_true(ev.detach);
	assert_state(fx, vif, 3, 0, XB_STATE_CLOSING);
	assert_int_equal(xb_vif_connected(vif), -EINVAL);
	xb_vif_destroy(vif);
}

static void test_local_disconnect(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif *vif = bring_up(fx, 3, 0, 1, false, NULL);

	assert_int_equal(xb_vif_disconnect(vif), 0);
	assert_state(fx, vif, 3, 0, XB_STATE_CLOSING);
	assert_null(err_get(fx, 3, 0));
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE); /* frontend still Connected: held */
	fe_state(fx, 3, 0, XB_STATE_CLOSING);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	fe_state(fx, 3, 0, XB_STATE_CLOSED);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_state(fx, vif, 3, 0, XB_STATE_CLOSED);
	xb_vif_destroy(vif);
}

static void test_offline(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif *vif = bring_up(fx, 3, 0, 1, false, NULL);
	char p[FXS_PATH_MAX];
	struct xb_event ev;

	/* libxl network-detach: online=0, backend state 5; the frontend closes. */
	be_set(fx, 3, 0, "online", "0");
	fe_state(fx, 3, 0, XB_STATE_CLOSING);
	assert_int_equal(poll_ok(vif).type, XB_EV_DISCONNECT);
	fe_state(fx, 3, 0, XB_STATE_CLOSED);
	ev = poll_ok(vif);
	assert_int_equal(ev.type, XB_EV_OFFLINE);
	assert_false(ev.detach);
	assert_state(fx, vif, 3, 0, XB_STATE_CLOSED);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	xb_vif_destroy(vif);

	/* Guest destroyed under a connected vif: its directory vanishes. */
	vif = bring_up(fx, 4, 0, 1, false, NULL);
	fxs_rm(fx, fe_key(p, 4, 0, ""));
	ev = poll_ok(vif);
	assert_int_equal(ev.type, XB_EV_OFFLINE);
	assert_true(ev.detach);
	assert_state(fx, vif, 4, 0, XB_STATE_CLOSED);
	xb_vif_destroy(vif);
}

static void test_destroy_keeps_toolstack_keys(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif *vif = bring_up(fx, 3, 0, 1, false, NULL);
	char p[FXS_PATH_MAX], h[32];
	unsigned int mark = fx->nb_log;

	assert_int_equal(xb_vif_set_hotplug_status(vif, "connected"), 0);
	assert_string_equal(be_get(fx, 3, 0, "hotplug-status"), "connected");
	assert_int_equal(xb_vif_set_hotplug_status(vif, NULL), -EINVAL);
	xb_vif_destroy(vif);
	assert_string_equal(fxs_history(fx, be_key(p, 3, 0, "state"), mark, h, sizeof(h)), "5,6");
	assert_non_null(be_get(fx, 3, 0, "frontend"));
	assert_non_null(be_get(fx, 3, 0, "mac"));
	assert_non_null(be_get(fx, 3, 0, "online"));
	assert_non_null(be_get(fx, 3, 0, "hotplug-status"));
	xb_vif_destroy(NULL);
}

/* Releasing a vif removes its error directory, and its domain's once no vif is left in it;
 * error/backend/vif itself is shared and stays. */
static void test_error_dir_removed_on_destroy(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif *a = create_initwait(fx, 3, 0);
	struct xb_vif *b = create_initwait(fx, 3, 1);
	struct xb_vif *c = create_initwait(fx, 4, 0);

	assert_string_equal(xb_vif_error_path(a), "/local/domain/0/error/backend/vif/3/0/error");
	assert_int_equal(xb_vif_fail(a, -EPROTO, "impossible number of requests"), 0);
	assert_int_equal(xb_vif_fail(b, -EFAULT, "mapping the rings"), 0);
	assert_int_equal(xb_vif_fail(c, -EFAULT, "mapping the rings"), 0);
	assert_string_equal(err_get(fx, 3, 0), "71 impossible number of requests");
	xb_vif_destroy(a);
	assert_null(err_get(fx, 3, 0));
	assert_null(fxs_get(fx, "/local/domain/0/error/backend/vif/3/0"));
	assert_string_equal(err_get(fx, 3, 1), "14 mapping the rings");
	xb_vif_destroy(b);
	assert_null(fxs_get(fx, "/local/domain/0/error/backend/vif/3"));
	assert_non_null(err_get(fx, 4, 0));
	xb_vif_destroy(c);
	assert_null(fxs_get(fx, "/local/domain/0/error/backend/vif/4"));
	assert_non_null(fxs_get(fx, "/local/domain/0/error/backend/vif"));

	/* Removing the domain's directory conflicted with another writer: tried again. */
	a = create_initwait(fx, 5, 0);
	assert_int_equal(xb_vif_fail(a, -EFAULT, "mapping the rings"), 0);
	fx->eagain_left = 1;
	xb_vif_destroy(a);
	assert_int_equal(fx->nb_conflicts, 1);
	assert_null(fxs_get(fx, "/local/domain/0/error/backend/vif/5"));
	/* A vif that was never refused leaves nothing behind. */
	a = create_initwait(fx, 6, 0);
	xb_vif_destroy(a);
	assert_null(fxs_get(fx, "/local/domain/0/error/backend/vif/6"));
}

static void test_txn_conflict(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif *vif;

	toolstack_add(fx, 3, 0);
	fx->eagain_left = 1;
	vif = xb_vif_create(&fx->base, 3, 0, &feat);
	assert_non_null(vif);
	assert_int_equal(fx->nb_conflicts, 1);
	assert_int_equal(fx->nb_commits, 1);
	assert_string_equal(be_get(fx, 3, 0, "multi-queue-max-queues"), "4");
	assert_state(fx, vif, 3, 0, XB_STATE_INITWAIT);
	xb_vif_destroy(vif);

	/* A transaction that never commits: bounded retries, then failure, no features. */
	fxs_init(fx);
	toolstack_add(fx, 3, 0);
	fx->eagain_left = 1000;
	assert_null(xb_vif_create(&fx->base, 3, 0, &feat));
	assert_int_equal(rte_errno, EAGAIN);
	assert_true(fx->nb_conflicts > 1 && fx->nb_conflicts < 1000);
	assert_null(be_get(fx, 3, 0, "feature-rx-copy"));
	assert_non_null(err_get(fx, 3, 0));
	assert_non_null(strstr(err_get(fx, 3, 0), "11 writing completing transaction"));
}

static void test_watch(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif *a = create_initwait(fx, 3, 0);
	struct xb_vif *b = create_initwait(fx, 4, 0);
	struct xb_event ev;
	unsigned int i, connects = 0;

	assert_int_equal(xb_vif_watch(a, "vif3.0"), 0);
	assert_int_equal(xb_vif_watch(a, "again"), -EINVAL);
	assert_int_equal(xb_vif_watch(b, "vif4.0"), 0);
	/* each: the frontend's state, the rate, request-multicast-control */
	assert_int_equal(fx->nb_watches, 6);
	fe_write_keys(fx, 3, 0, 1, false);
	fe_write_keys(fx, 4, 0, 1, true);
	fx->nb_events = 0;
	fe_state(fx, 3, 0, XB_STATE_CONNECTED);
	fe_set(fx, 3, 0, "unrelated", "x");
	/* Deliver every queued event to every vif, as a caller's watch loop would. */
	for (i = 0; i < fx->nb_events; i++) {
		assert_int_equal(xb_vif_on_watch(a, fx->events[i], &ev), 0);
		connects += ev.type == XB_EV_CONNECT;
		assert_int_equal(xb_vif_on_watch(b, fx->events[i], &ev), 0);
		assert_int_equal(ev.type, XB_EV_NONE);
	}
	assert_int_equal(connects, 1);
	assert_int_equal(xb_vif_on_watch(a, "/local/domain/3", &ev), 0); /* ancestor: polled */
	assert_int_equal(ev.type, XB_EV_NONE);
	assert_int_equal(xb_vif_unwatch(a), 0);
	assert_int_equal(fx->nb_watches, 3);
	xb_vif_destroy(a);
	xb_vif_destroy(b); /* removes its watch too */
	assert_int_equal(fx->nb_watches, 0);
}

/* Deliver the queued watch events: 1/0 for the last XB_EV_MCAST's mcast_control, -1: none. */
static int mcast_event(struct fake_xs *fx, struct xb_vif *vif)
{
	struct xb_event ev;
	int on = -1;

	for (unsigned int i = 0; i < fx->nb_events; i++) {
		assert_int_equal(xb_vif_on_watch(vif, fx->events[i], &ev), 0);
		if (ev.type == XB_EV_MCAST)
			on = ev.conf->mcast_control;
	}
	fx->nb_events = 0;
	return on;
}

/*
 * request-multicast-control: read at connect, strictly (garbage refuses the vif, naming
 * the key, as every frontend flag); while connected a change is an XB_EV_MCAST
 * (feature-dynamic-multicast-control), a rewrite of the same value none, and a malformed
 * value there means off, logged naming the key (netback's xenbus_read_unsigned default).
 */
static void test_mcast_control(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_frontend_conf c;
	struct xb_vif *vif = create_initwait(fx, 3, 0);
	struct xb_vif *bad = create_initwait(fx, 4, 0);
	struct xb_event ev;

	assert_int_equal(xb_vif_watch(vif, "vif3.0"), 0);
	fe_write_keys(fx, 3, 0, 1, false);
	fe_set(fx, 3, 0, "request-multicast-control", "1");
	fx->nb_events = 0;
	connect_now(fx, vif, 3, 0, &c);
	assert_true(c.mcast_control);
	fx->nb_events = 0;
	fe_set(fx, 3, 0, "request-multicast-control", "1");
	assert_int_equal(mcast_event(fx, vif), -1); /* no change */
	fe_set(fx, 3, 0, "request-multicast-control", "0");
	assert_int_equal(mcast_event(fx, vif), 0);
	fe_set(fx, 3, 0, "request-multicast-control", "2");
	assert_int_equal(mcast_event(fx, vif), 1);
	fe_set(fx, 3, 0, "request-multicast-control", "1x");
	assert_int_equal(mcast_event(fx, vif), 0);
	assert_true(log_contains("request-multicast-control '1x' (not a decimal u32): "
				 "multicast control off"));
	fe_set(fx, 3, 0, "request-multicast-control", "1");
	assert_int_equal(mcast_event(fx, vif), 1);
	fe_del(fx, 3, 0, "request-multicast-control");
	assert_int_equal(mcast_event(fx, vif), 0);
	assert_state(fx, vif, 3, 0, XB_STATE_CONNECTED);

	/* At connect a malformed value refuses this vif alone. */
	fe_write_keys(fx, 4, 0, 1, false);
	fe_set(fx, 4, 0, "request-multicast-control", "on");
	fe_state(fx, 4, 0, XB_STATE_CONNECTED);
	ev = poll_ok(bad);
	assert_int_equal(ev.type, XB_EV_FATAL);
	assert_non_null(strstr(ev.reason, "request-multicast-control: not a decimal u32"));
	assert_state(fx, vif, 3, 0, XB_STATE_CONNECTED);
	xb_vif_destroy(bad);
	xb_vif_destroy(vif);
}

/* The rate of the last XB_EV_RATE among the queued watch events, or -1 when none. */
static long long rate_event(struct fake_xs *fx, struct xb_vif *vif, uint32_t *usec)
{
	struct xb_event ev;
	long long bytes = -1;

	for (unsigned int i = 0; i < fx->nb_events; i++) {
		assert_int_equal(xb_vif_on_watch(vif, fx->events[i], &ev), 0);
		if (ev.type == XB_EV_RATE) {
			bytes = ev.conf->rate_bytes;
			*usec = ev.conf->rate_usec;
		}
	}
	fx->nb_events = 0;
	return bytes;
}

/*
 * #14 rate=: the toolstack's "rate" ("BYTES,USEC", as libxl writes xl's rate=) is read at
 * connect; a malformed one means no limit, logged naming the key, as xen-netback does; a
 * change while connected is an XB_EV_RATE, and none before the data plane is up.
 */
static void test_rate(void **state)
{
	static const char *const bad[] = {
		"", ",", "1000", "1000,", ",50000", "0,50000", "1000,0", "-1,50000", "+1,50000",
		" 1000,50000", "1000,50000,1", "1000,5000x", "4294967296,50000", "0x10,50000",
	};
	struct fake_xs *fx = *state;
	struct xb_frontend_conf c;
	struct xb_vif *vif = create_initwait(fx, 3, 0);
	uint32_t usec = 0;

	assert_int_equal(xb_vif_watch(vif, "vif3.0"), 0);
	fx->nb_events = 0;
	be_set(fx, 3, 0, "rate", "62500,50000");
	assert_int_equal(rate_event(fx, vif, &usec), -1); /* not connected: nothing to apply */
	fe_write_keys(fx, 3, 0, 1, false);
	connect_now(fx, vif, 3, 0, &c);
	assert_int_equal(c.rate_bytes, 62500);
	assert_int_equal(c.rate_usec, 50000);
	fx->nb_events = 0;
	be_set(fx, 3, 0, "rate", "125000,20000");
	assert_int_equal(rate_event(fx, vif, &usec), 125000);
	assert_int_equal(usec, 20000);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		be_set(fx, 3, 0, "rate", bad[i]);
		assert_int_equal(rate_event(fx, vif, &usec), 0);
		assert_int_equal(usec, 0);
	}
	assert_true(log_contains("rate '1000,5000x' (not BYTES,USEC): no rate limit"));
	assert_state(fx, vif, 3, 0, XB_STATE_CONNECTED); /* a bad rate never refuses the vif */
	xb_vif_destroy(vif);
}

/* The frontend goes Reconfiguring with @p headroom: the event xb answers with. */
static struct xb_event reconfigure(struct fake_xs *fx, struct xb_vif *vif, unsigned int domid,
		const char *headroom)
{
	if (headroom != NULL)
		fe_set(fx, domid, 0, "xdp-headroom", headroom);
	fe_state(fx, domid, 0, XB_STATE_RECONFIGURING);
	return poll_ok(vif);
}

/* Reconfiguring with @p headroom, Reconfigured with @p expect, Connected again. */
static void headroom_dance(struct fake_xs *fx, struct xb_vif *vif, const char *headroom,
		unsigned int expect)
{
	struct xb_event ev = reconfigure(fx, vif, 3, headroom);

	assert_int_equal(ev.type, XB_EV_HEADROOM);
	assert_false(ev.detach); /* the data plane stays */
	assert_int_equal(ev.conf->xdp_headroom, expect);
	assert_state(fx, vif, 3, 0, XB_STATE_RECONFIGURED);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE); /* acted on once */
	fe_state(fx, 3, 0, XB_STATE_CONNECTED);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE); /* no second connect */
	assert_state(fx, vif, 3, 0, XB_STATE_CONNECTED);
}

/*
 * #15 feature-xdp-headroom: netfront attaching an XDP program writes "xdp-headroom" and goes
 * Reconfiguring; xb answers Reconfigured at once with XB_EV_HEADROOM, then Connected when
 * the frontend is. A value past XB_XDP_HEADROOM_MAX is capped (logged); the key is read at
 * connect too (a netfront that reconnects with XDP on).
 */
static void test_xdp_headroom(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_frontend_conf c;
	struct xb_vif *vif = bring_up(fx, 3, 0, 1, false, &c);
	char p[FXS_PATH_MAX], h[64];

	assert_int_equal(c.xdp_headroom, 0); /* no key */
	headroom_dance(fx, vif, "256", 256);
	headroom_dance(fx, vif, "0", 0);
	headroom_dance(fx, vif, "2048", 2048);
	headroom_dance(fx, vif, "2049", XB_XDP_HEADROOM_MAX);
	headroom_dance(fx, vif, "4294967295", XB_XDP_HEADROOM_MAX);
	assert_true(log_contains("vif3.0: /local/domain/3/device/vif/0/xdp-headroom 4294967295 "
				 "capped at 2048"));
	fe_del(fx, 3, 0, "xdp-headroom");
	headroom_dance(fx, vif, NULL, 0); /* key removed: no headroom, as netback's default */
	assert_string_equal(fxs_history(fx, be_key(p, 3, 0, "state"), 0, h, sizeof(h)),
			    "1,2,4,8,4,8,4,8,4,8,4,8,4,8,4");
	/* Closing from Reconfigured releases the data plane like Closing from Connected. */
	fe_set(fx, 3, 0, "xdp-headroom", "256");
	assert_int_equal(reconfigure(fx, vif, 3, NULL).type, XB_EV_HEADROOM);
	fe_state(fx, 3, 0, XB_STATE_CLOSING);
	assert_true(poll_ok(vif).detach);
	assert_state(fx, vif, 3, 0, XB_STATE_CLOSING);
	/* It reconnects with the key still there: the headroom comes with CONNECT. */
	fe_state(fx, 3, 0, XB_STATE_CLOSED);
	poll_ok(vif);
	fe_state(fx, 3, 0, XB_STATE_INITIALISING);
	poll_ok(vif);
	connect_now(fx, vif, 3, 0, &c);
	assert_int_equal(c.xdp_headroom, 256);
	xb_vif_destroy(vif);
}

/* A guest's malformed "xdp-headroom" refuses that vif alone, at Reconfiguring or at connect. */
static void test_xdp_headroom_hostile(void **state)
{
	static const char *const bad[] = {
		"", "abc", "-1", "+256", " 256", "256 ", "0x100", "12abc", "4294967296",
		"99999999999999999999999",
	};
	struct fake_xs *fx = *state;
	char log_line[160], longv[200];
	struct xb_event ev;
	struct xb_vif *vif;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("xdp-headroom \"%s\"\n", bad[i]);
		fxs_init(fx);
		vif = bring_up(fx, VICTIM, 0, 1, false, NULL);
		ev = reconfigure(fx, vif, VICTIM, bad[i]);
		assert_true(ev.detach);
		assert_refused(fx, vif, VICTIM, &ev, EINVAL, "xdp-headroom");
		snprintf(log_line, sizeof(log_line), "vif1.0: refusing frontend: reading "
			 "/local/domain/1/device/vif/0/xdp-headroom '%s': not a decimal u32", bad[i]);
		assert_true(log_contains(log_line));
		assert_neighbour_connects(fx);
		xb_vif_destroy(vif);
	}
	/* Longer than any value xb reads. */
	fxs_init(fx);
	memset(longv, '1', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	vif = bring_up(fx, VICTIM, 0, 1, false, NULL);
	ev = reconfigure(fx, vif, VICTIM, longv);
	assert_refused(fx, vif, VICTIM, &ev, EINVAL, "xdp-headroom: over");
	xb_vif_destroy(vif);
	/* At connect. */
	fxs_init(fx);
	vif = create_initwait(fx, VICTIM, 0);
	fe_write_keys(fx, VICTIM, 0, 1, false);
	fe_set(fx, VICTIM, 0, "xdp-headroom", "256k");
	fe_state(fx, VICTIM, 0, XB_STATE_CONNECTED);
	ev = poll_ok(vif);
	assert_false(ev.detach);
	assert_refused(fx, vif, VICTIM, &ev, EINVAL, "xdp-headroom '256k'");
	assert_neighbour_connects(fx);
	xb_vif_destroy(vif);
}

/* Reconfiguring before the backend is Connected is a protocol error; after a refusal, held. */
static void test_reconfiguring_not_connected(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_event ev;
	struct xb_vif *vif;

	/* InitWait. */
	vif = create_initwait(fx, VICTIM, 0);
	ev = reconfigure(fx, vif, VICTIM, "256");
	assert_false(ev.detach);
	assert_refused(fx, vif, VICTIM, &ev, EINVAL, "saw state 7 (Reconfiguring) at frontend "
		       "while InitWait");
	/* Held after the refusal: Reconfiguring again changes nothing. */
	fe_state(fx, VICTIM, 0, XB_STATE_CONNECTED);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	fe_state(fx, VICTIM, 0, XB_STATE_RECONFIGURING);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_state(fx, vif, VICTIM, 0, XB_STATE_CLOSING);
	xb_vif_destroy(vif);
	/* A connect handed over but not yet confirmed: the caller lets go. */
	fxs_init(fx);
	vif = create_initwait(fx, VICTIM, 0);
	fe_write_keys(fx, VICTIM, 0, 1, false);
	fe_state(fx, VICTIM, 0, XB_STATE_CONNECTED);
	assert_int_equal(poll_ok(vif).type, XB_EV_CONNECT);
	ev = reconfigure(fx, vif, VICTIM, "256");
	assert_true(ev.detach);
	assert_refused(fx, vif, VICTIM, &ev, EINVAL, "(Reconfiguring) at frontend while InitWait");
	assert_int_equal(xb_vif_connected(vif), -EINVAL);
	assert_neighbour_connects(fx);
	xb_vif_destroy(vif);
}

/* A new process finds the vif in the middle of an xdp-headroom change (see resume_step). */
static struct xb_vif *resume_mid_reconfigure(struct fake_xs *fx, bool answered, int fe_now,
		enum xb_state after_connect)
{
	struct xb_vif *vif = bring_up(fx, VICTIM, 0, 1, false, NULL);
	struct xb_event ev;

	if (answered)
		assert_int_equal(reconfigure(fx, vif, VICTIM, "256").type, XB_EV_HEADROOM);
	xb_vif_free_keep(vif);
	if (!answered) {
		fe_set(fx, VICTIM, 0, "xdp-headroom", "256");
		fe_state(fx, VICTIM, 0, XB_STATE_RECONFIGURING);
	}
	fe_state(fx, VICTIM, 0, fe_now);
	vif = xb_vif_create(&fx->base, VICTIM, 0, &feat);
	assert_non_null(vif);
	assert_int_equal(xb_vif_state(vif), answered ? XB_STATE_RECONFIGURED : XB_STATE_CONNECTED);
	ev = poll_ok(vif);
	assert_int_equal(ev.type, XB_EV_CONNECT);
	assert_true(ev.resume);
	assert_int_equal(ev.conf->xdp_headroom, 256);
	assert_int_equal(xb_vif_connected(vif), 0);
	assert_state(fx, vif, VICTIM, 0, after_connect);
	return vif;
}

static void test_resume_reconfiguring(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif *vif;

	/* Reconfigured, the frontend not yet Connected again: it gets there. */
	vif = resume_mid_reconfigure(fx, true, XB_STATE_RECONFIGURING, XB_STATE_RECONFIGURED);
	fe_state(fx, VICTIM, 0, XB_STATE_CONNECTED);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_state(fx, vif, VICTIM, 0, XB_STATE_CONNECTED);
	xb_vif_destroy(vif);
	/* Reconfigured, the frontend Connected again meanwhile: Connected. */
	fxs_init(fx);
	vif = resume_mid_reconfigure(fx, true, XB_STATE_CONNECTED, XB_STATE_CONNECTED);
	xb_vif_destroy(vif);
	/* The frontend went Reconfiguring while no process ran: answered at the resume. */
	fxs_init(fx);
	vif = resume_mid_reconfigure(fx, false, XB_STATE_RECONFIGURING, XB_STATE_RECONFIGURED);
	fe_state(fx, VICTIM, 0, XB_STATE_CONNECTED);
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	assert_state(fx, vif, VICTIM, 0, XB_STATE_CONNECTED);
	xb_vif_destroy(vif);
}

/*
 * #14 mtu=: the toolstack's "mtu" (libxl writes it only when xl's mtu= is not 1500) is read
 * at connect into conf.mtu; none, or a malformed or out-of-range one (logged naming the key),
 * is 0: the caller's default, as vif-bridge gives a vif its bridge's MTU. Never a refusal.
 */
static void test_mtu(void **state)
{
	static const char *const bad[] = {
		"", "67", "65518", "-9000", "+9000", " 9000", "9000 ", "9000x", "0x2328", "4294967296",
		"0",
	};
	static const struct { const char *v; uint32_t mtu; } good[] = {
		{"9000", 9000}, {"68", 68}, {"65517", 65517}, {"1500", 1500}, {"09000", 9000},
	};
	struct fake_xs *fx = *state;
	struct xb_frontend_conf c;
	struct xb_vif *vif;

	for (unsigned int i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		vif = create_initwait(fx, 3, 0);
		be_set(fx, 3, 0, "mtu", good[i].v);
		fe_write_keys(fx, 3, 0, 1, false);
		connect_now(fx, vif, 3, 0, &c);
		assert_int_equal(c.mtu, good[i].mtu);
		xb_vif_destroy(vif);
	}
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vif = create_initwait(fx, 3, 0);
		be_set(fx, 3, 0, "mtu", bad[i]);
		fe_write_keys(fx, 3, 0, 1, false);
		connect_now(fx, vif, 3, 0, &c);
		assert_int_equal(c.mtu, 0);
		assert_state(fx, vif, 3, 0, XB_STATE_CONNECTED);
		xb_vif_destroy(vif);
	}
	assert_true(log_contains("vif3.0: ignoring /local/domain/0/backend/vif/3/0/mtu '65518' "
				 "(not 68..65517): the default MTU applies"));
}

/* Create with the control ring offered (feature-ctrl-ring = 1) and wait in InitWait. */
static struct xb_vif *create_ctrl(struct fake_xs *fx, unsigned int domid)
{
	struct xb_backend_features f = feat;
	struct xb_vif *vif;

	f.ctrl_ring = true;
	toolstack_add(fx, domid, 0);
	vif = xb_vif_create(&fx->base, domid, 0, &f);
	assert_non_null(vif);
	assert_string_equal(be_get(fx, domid, 0, "feature-ctrl-ring"), "1");
	assert_int_equal(poll_ok(vif).type, XB_EV_NONE);
	return vif;
}

/* connect_ctrl_ring: none without ctrl-ring-ref; both keys strictly; not offered, not read. */
static void test_ctrl_ring_keys(void **state)
{
	static const struct { const char *ref, *port, *reason; int err; } bad[] = {
		{ "12", NULL, "event-channel-ctrl", ENOENT },
		{ "junk", "7", "ctrl-ring-ref: not a decimal u32", EINVAL },
		{ "4294967296", "7", "ctrl-ring-ref: not a decimal u32", EINVAL },
		{ "12", "7x", "event-channel-ctrl: not a decimal u32", EINVAL },
		{ "12", "", "event-channel-ctrl: not a decimal u32", EINVAL },
	};
	struct fake_xs *fx = *state;
	struct xb_frontend_conf c;
	struct xb_vif *vif;
	struct xb_event ev;

	vif = create_ctrl(fx, 3); /* offered, the frontend has none */
	fe_write_keys(fx, 3, 0, 1, false);
	connect_now(fx, vif, 3, 0, &c);
	assert_false(c.ctrl_ring);
	xb_vif_destroy(vif);

	fxs_init(fx); /* no top-level ring keys left for the two queues */
	vif = create_ctrl(fx, 3);
	fe_write_keys(fx, 3, 0, 2, true);
	fe_set(fx, 3, 0, "ctrl-ring-ref", "12");
	fe_set(fx, 3, 0, "event-channel-ctrl", "7");
	connect_now(fx, vif, 3, 0, &c);
	assert_true(c.ctrl_ring);
	assert_int_equal(c.ctrl_ring_ref, 12);
	assert_int_equal(c.evtchn_ctrl, 7);
	xb_vif_destroy(vif);

	fxs_init(fx);
	vif = create_initwait(fx, 3, 0); /* not offered: the keys are not read */
	fe_write_keys(fx, 3, 0, 1, false);
	fe_set(fx, 3, 0, "ctrl-ring-ref", "junk");
	connect_now(fx, vif, 3, 0, &c);
	assert_false(c.ctrl_ring);
	xb_vif_destroy(vif);

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fxs_init(fx);
		vif = create_ctrl(fx, VICTIM);
		fe_write_keys(fx, VICTIM, 0, 1, false);
		fe_set(fx, VICTIM, 0, "ctrl-ring-ref", bad[i].ref);
		if (bad[i].port != NULL)
			fe_set(fx, VICTIM, 0, "event-channel-ctrl", bad[i].port);
		fe_state(fx, VICTIM, 0, XB_STATE_CONNECTED);
		ev = poll_ok(vif);
		assert_refused(fx, vif, VICTIM, &ev, bad[i].err, bad[i].reason);
		assert_neighbour_connects(fx);
		xb_vif_destroy(vif);
	}
}

/*
 * A frontend that writes any state in any order, sometimes with broken keys, and a caller
 * that sometimes fails: polls always succeed, the backend only ever shows legal states, and
 * CONNECT/detach bookkeeping never goes wrong.
 */
static void test_random_flips(void **state)
{
	static const char *const states[] = {
		"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "x", "", "4 ",
	};
	struct fake_xs *fx = *state;
	struct xb_vif *vif = create_initwait(fx, 3, 0);
	bool attached = false, pending = false;
	unsigned int i, connects = 0, fatals = 0;
	uint32_t rnd = 12345;

	for (i = 0; i < 5000; i++) {
		struct xb_event ev;
		enum xb_state s;
		unsigned int r;

		rnd = rnd * 1103515245u + 12345u;
		r = (rnd >> 8) % 64;
		if (r < 4)
			fe_write_keys(fx, 3, 0, 1 + r % 3, r & 1);
		else if (r < 6)
			fe_set(fx, 3, 0, "tx-ring-ref", "junk");
		else if (r < 8)
			fe_del(fx, 3, 0, "request-rx-copy");
		else if (r < 44)
			fe_set(fx, 3, 0, "state", states[r % 13 == 12 ? 4 : r % 13]);
		assert_int_equal(xb_vif_poll(vif, &ev), 0);
		if (ev.detach) {
			assert_true(attached);
			attached = pending = false;
		}
		if (ev.type == XB_EV_CONNECT) {
			assert_false(attached);
			assert_string_equal(fxs_get(fx, "/local/domain/3/device/vif/0/state"), "4");
			attached = pending = true;
			connects++;
		}
		fatals += ev.type == XB_EV_FATAL;
		if (pending && (rnd & 0x30000) != 0) {
			assert_int_equal(xb_vif_connected(vif), 0);
			pending = false;
		} else if (pending) {
			assert_int_equal(xb_vif_fail(vif, -ENOMEM, "caller failed"), 0);
			attached = pending = false;
		}
		s = xb_vif_state(vif);
		assert_true(s == XB_STATE_INITWAIT || s == XB_STATE_CONNECTED ||
			s == XB_STATE_CLOSING || s == XB_STATE_CLOSED);
		assert_true(s != XB_STATE_CONNECTED || attached);
	}
	print_message("random flips: %u connects, %u fatals\n", connects, fatals);
	assert_true(connects > 10);
	assert_true(fatals > 10);
	xb_vif_destroy(vif);
}


/* The backend's "ip" (xl's ip=): what vif-common.sh hands iptables -s, strictly. */
static void test_ip_key_parse(void **state)
{
	static const char *const bad[] = {
		" ", "   ", "10.0.0", "10.0.0.256", "010.0.0.1", "10.0.0.1/33", "10.0.0.1/",
		"10.0.0.1/08", "10.0.0.1/-1", "10.0.0.1/+8", "10.0.0.1/24/8", "10.0.0.1\t10.0.0.2",
		"10.0.0.1,10.0.0.2", "0x0a.0.0.1", "10.0.0.1x", "fe80::1%eth0", "2001:db8::/129",
		"::ffff:10.0.0.1", "::ffff:0:0/96", "224.0.0.1", "ff02::1", "2001:db8:::1",
		"1.2.3.4 garbage", "10.0.0.1 " "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	};
	struct xb_vif_ips ips;
	char many[20 * 10] = "";

	(void)state;
	assert_int_equal(xb_parse_ips("10.0.0.5", &ips), 0);
	assert_true(ips.check);
	assert_int_equal(ips.nb, 1);
	assert_false(ips.a[0].v6);
	assert_int_equal(ips.a[0].len, 32);
	assert_memory_equal(ips.a[0].addr, ((uint8_t[]){10, 0, 0, 5}), 4);
	assert_int_equal(xb_parse_ips("  10.1.0.0/16   2001:db8::/32 ::1.2.3.4 ", &ips), 0);
	assert_int_equal(ips.nb, 3);
	assert_int_equal(ips.a[0].len, 16);
	assert_true(ips.a[1].v6);
	assert_int_equal(ips.a[1].len, 32);
	assert_int_equal(ips.a[1].addr[2], 0x0d);
	assert_int_equal(ips.a[2].len, 128);
	assert_int_equal(xb_parse_ips("0.0.0.0/0", &ips), 0);
	assert_int_equal(ips.a[0].len, 0);
	/* empty: vif-common's "no ip", no check */
	assert_int_equal(xb_parse_ips("", &ips), 0);
	assert_false(ips.check);
	assert_int_equal(ips.nb, 0);
	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		ips.nb = 99;
		assert_int_equal(xb_parse_ips(bad[i], &ips), -EINVAL);
		assert_int_equal(ips.nb, 99); /* untouched */
	}
	assert_int_equal(xb_parse_ips(NULL, &ips), -EINVAL);
	for (unsigned int i = 0; i < XB_VIF_IP_MAX; i++)
		strcat(many, "10.0.0.1 ");
	assert_int_equal(xb_parse_ips(many, &ips), 0);
	assert_int_equal(ips.nb, XB_VIF_IP_MAX);
	strcat(many, "10.0.0.2");
	assert_int_equal(xb_parse_ips(many, &ips), -E2BIG);
}

/* Reading it: missing is no check; malformed is logged (key and value) and fails closed. */
static void test_ip_key_read(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif_ips ips;

	toolstack_add(fx, 3, 0);
	assert_int_equal(xb_discover_read_ips(&fx->base, 3, 0, &ips), 0);
	assert_false(ips.check);
	be_set(fx, 3, 0, "ip", "192.0.2.7 2001:db8::7");
	assert_int_equal(xb_discover_read_ips(&fx->base, 3, 0, &ips), 0);
	assert_true(ips.check);
	assert_int_equal(ips.nb, 2);
	be_set(fx, 3, 0, "ip", "192.0.2.7 evil");
	assert_int_equal(xb_discover_read_ips(&fx->base, 3, 0, &ips), 0);
	assert_true(ips.check);
	assert_int_equal(ips.nb, 0);
	assert_true(log_contains("vif3.0: backend key 'ip' = '192.0.2.7 evil' malformed"));
	be_set(fx, 3, 0, "ip", "");
	assert_int_equal(xb_discover_read_ips(&fx->base, 3, 0, &ips), 0);
	assert_false(ips.check);
}

/* Every case on a fresh fake store. */
/* ---- the backend's own state key (XB_PERSIST_KEY) ------------------------------------------ */

/* Every field at its largest: a 40-byte key, 128 entries, 64 addresses. */
static void persist_full(struct xb_persist *st, unsigned int nb_queues)
{
	memset(st, 0, sizeof(*st));
	st->hash_alg = 1;
	st->hash_flags = XB_PERSIST_HASH_TYPES;
	for (unsigned int i = 0; i < XB_PERSIST_KEY_SIZE; i++)
		st->hash_key[i] = (uint8_t)(0x6d + 37 * i);
	st->map_size = XB_PERSIST_MAPPING_MAX;
	for (unsigned int i = 0; i < st->map_size; i++)
		st->mapping[i] = (uint8_t)(i % nb_queues);
	st->nb_mcast = XB_PERSIST_MCAST_MAX;
	for (unsigned int i = 0; i < st->nb_mcast; i++) {
		static const uint8_t base[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x00};

		memcpy(st->mcast[i], base, 6);
		st->mcast[i][5] = (uint8_t)(i / 2); /* each twice: netback keeps duplicates */
	}
}

static void test_persist_roundtrip(void **state)
{
	char buf[XB_PERSIST_VALUE_MAX], small[16];
	struct xb_persist st, back, empty;
	int n;

	(void)state;
	persist_full(&st, 16);
	n = xb_persist_encode(&st, buf, sizeof(buf));
	assert_true(n > 1000 && n < (int)XB_PERSIST_VALUE_MAX - 1);
	assert_int_equal(strlen(buf), n);
	assert_int_equal(xb_persist_parse(buf, 16, &back), 0);
	assert_memory_equal(&st, &back, sizeof(st));
	/* the same state with one queue fewer has an entry out of range (XSA-270) */
	assert_int_equal(xb_persist_parse(buf, 15, &back), -EINVAL);
	assert_int_equal(xb_persist_encode(&st, small, sizeof(small)), -ENOSPC);
	/* nothing set: hashing off, an empty list */
	memset(&empty, 0, sizeof(empty));
	n = xb_persist_encode(&empty, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf, "v=1 alg=0 flags=0 key=0000000000000000000000000000000000000000"
			    "0000000000000000000000000000000000000000 map=0: mcast=0:");
	assert_int_equal(xb_persist_parse(buf, 1, &back), 0);
	assert_memory_equal(&empty, &back, sizeof(empty));
	/* the encoder refuses what the parser would */
	st.mapping[3] = 16;
	assert_int_equal(xb_persist_encode(&st, buf, sizeof(buf)), -EINVAL);
	persist_full(&st, 16);
	st.hash_flags = 0x10;
	assert_int_equal(xb_persist_encode(&st, buf, sizeof(buf)), -EINVAL);
	persist_full(&st, 16);
	st.nb_mcast = XB_PERSIST_MCAST_MAX + 1;
	assert_int_equal(xb_persist_encode(&st, buf, sizeof(buf)), -EINVAL);
}

/* Every proper prefix of a valid value is refused: a write cut short restores nothing. */
static void test_persist_truncated(void **state)
{
	char buf[XB_PERSIST_VALUE_MAX];
	struct xb_persist st, out;
	int n;

	(void)state;
	persist_full(&st, 4);
	n = xb_persist_encode(&st, buf, sizeof(buf));
	assert_true(n > 0);
	memset(&out, 0xa5, sizeof(out));
	for (int len = n - 1; len >= 0; len--) {
		struct xb_persist before = out;

		buf[len] = '\0';
		assert_int_equal(xb_persist_parse(buf, 4, &out), -EINVAL);
		assert_memory_equal(&before, &out, sizeof(out)); /* untouched */
	}
}

#define K80 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627"

struct persist_case {
	const char *value;
	unsigned int nb_queues;
	int ret;
};

static const struct persist_case persist_cases[] = {
	{ "v=1 alg=1 flags=15 key=" K80 " map=4:0123 mcast=2:01005e010203,333300000001", 4, 0 },
	{ "v=1 alg=0 flags=3 key=" K80 " map=0: mcast=0:", 1, 0 },
	{ "v=1 alg=1 flags=15 key=" K80 " map=4:0123 mcast=2:01005E010203,333300000001", 4, 0 },
	/* version */
	{ "v=2 alg=1 flags=15 key=" K80 " map=0: mcast=0:", 1, -EPROTONOSUPPORT },
	{ "v=0 alg=1 flags=15 key=" K80 " map=0: mcast=0:", 1, -EPROTONOSUPPORT },
	{ "v=01 alg=1 flags=15 key=" K80 " map=0: mcast=0:", 1, -EINVAL },
	{ "v= alg=1 flags=15 key=" K80 " map=0: mcast=0:", 1, -EINVAL },
	{ "alg=1 flags=15 key=" K80 " map=0: mcast=0:", 1, -EINVAL },
	{ "", 1, -EINVAL },
	{ "v=1", 1, -EINVAL },
	/* hash fields out of range */
	{ "v=1 alg=2 flags=15 key=" K80 " map=0: mcast=0:", 1, -EINVAL },
	{ "v=1 alg=1 flags=16 key=" K80 " map=0: mcast=0:", 1, -EINVAL },
	{ "v=1 alg=1 flags=-1 key=" K80 " map=0: mcast=0:", 1, -EINVAL },
	{ "v=1 alg=01 flags=15 key=" K80 " map=0: mcast=0:", 1, -EINVAL },
	{ "v=1 alg=1 flags=4294967311 key=" K80 " map=0: mcast=0:", 1, -EINVAL },
	/* key: short, long, bad hex */
	{ "v=1 alg=1 flags=15 key=" K80 "0 map=0: mcast=0:", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 "00 map=0: mcast=0:", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=0001 map=0: mcast=0:", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223242526"
	  " map=0: mcast=0:", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627"
	  " map=0: mcast=0:", 1, -EINVAL },
	/* mapping: XSA-270's bound, counts that disagree, past the table */
	{ "v=1 alg=1 flags=15 key=" K80 " map=4:0124 mcast=0:", 4, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=4:012f mcast=0:", 4, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=4:012 mcast=0:", 4, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=4:01234 mcast=0:", 8, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=3:0x1 mcast=0:", 4, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=04:0123 mcast=0:", 4, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=129:0 mcast=0:", 4, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=0123 mcast=0:", 4, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=:0123 mcast=0:", 4, -EINVAL },
	/* multicast list */
	{ "v=1 alg=1 flags=15 key=" K80 " map=0: mcast=2:01005e010203", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=0: mcast=1:01005e010203,01005e010204", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=0: mcast=2:01005e010203;01005e010204", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=0: mcast=1:01005e01020", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=0: mcast=1:01005e01020z", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=0: mcast=1:01:00:5e:01", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=0: mcast=65:01005e010203", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=0: mcast=1:01005e010203,", 1, -EINVAL },
	/* layout: extra or missing fields, spaces, order */
	{ "v=1 alg=1 flags=15 key=" K80 " map=0: mcast=0: x=1", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=0: mcast=0: ", 1, -EINVAL },
	{ "v=1  alg=1 flags=15 key=" K80 " map=0: mcast=0:", 1, -EINVAL },
	{ " v=1 alg=1 flags=15 key=" K80 " map=0: mcast=0:", 1, -EINVAL },
	{ "v=1 flags=15 alg=1 key=" K80 " map=0: mcast=0:", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " mcast=0: map=0:", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=0:", 1, -EINVAL },
	{ "v=1 alg=1 flags=15 key=" K80 " map=0: mcast=0:\n", 1, -EINVAL },
	/* the queue count the caller gives must be one a vif can have */
	{ "v=1 alg=0 flags=0 key=" K80 " map=0: mcast=0:", 0, -EINVAL },
	{ "v=1 alg=0 flags=0 key=" K80 " map=0: mcast=0:", XB_MAX_QUEUES + 1, -EINVAL },
};

static void test_persist_hostile(void **state)
{
	char huge[XB_PERSIST_VALUE_MAX + 8];
	struct xb_persist out;

	(void)state;
	for (size_t i = 0; i < sizeof(persist_cases) / sizeof(persist_cases[0]); i++) {
		const struct persist_case *c = &persist_cases[i];
		int ret = xb_persist_parse(c->value, c->nb_queues, &out);

		if (ret != c->ret)
			fail_msg("case %zu '%s' (%u queues): %d, want %d", i, c->value,
				 c->nb_queues, ret, c->ret);
	}
	/* oversized: refused before it is looked at */
	memset(huge, '0', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	memcpy(huge, "v=1 ", 4);
	assert_int_equal(xb_persist_parse(huge, 1, &out), -E2BIG);
	assert_int_equal(xb_persist_parse(NULL, 1, &out), -EINVAL);
	/* what the first case holds */
	assert_int_equal(xb_persist_parse(persist_cases[0].value, 4, &out), 0);
	assert_int_equal(out.hash_alg, 1);
	assert_int_equal(out.hash_flags, 15);
	assert_int_equal(out.hash_key[39], 0x27);
	assert_int_equal(out.map_size, 4);
	assert_int_equal(out.mapping[3], 3);
	assert_int_equal(out.nb_mcast, 2);
	assert_int_equal(out.mcast[1][0], 0x33);
	assert_int_equal(out.mcast[1][5], 0x01);
}

/* The key through xenstore: saved, read back on a resume, refused when broken, and gone
 * whenever the backend leaves Connected (and when the service hands the vif on). */
static void test_persist_key(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_persist st, out;
	struct xb_vif *vif = bring_up(fx, VICTIM, 0, 2, true, NULL);
	struct xb_event ev;

	memset(&st, 0, sizeof(st));
	st.hash_alg = 1;
	st.hash_flags = 5;
	st.hash_key[0] = 0xab;
	st.map_size = 3;
	st.mapping[1] = 1;
	st.nb_mcast = 1;
	memcpy(st.mcast[0], "\x01\x00\x5e\x7f\x00\x01", 6);
	assert_int_equal(xb_vif_persist_load(vif, 2, &out), -ENOENT);
	assert_int_equal(xb_vif_persist_save(vif, &st), 0);
	assert_string_equal(be_get(fx, VICTIM, 0, XB_PERSIST_KEY),
			    "v=1 alg=1 flags=5 key=ab000000000000000000000000000000000000000000000000"
			    "000000000000000000000000000000 map=3:010 mcast=1:01005e7f0001");
	/* a restart keeps it; the next process reads it back */
	xb_vif_free_keep(vif);
	vif = xb_vif_create(&fx->base, VICTIM, 0, &feat);
	ev = poll_ok(vif);
	assert_true(ev.type == XB_EV_CONNECT && ev.resume);
	assert_int_equal(xb_vif_persist_load(vif, 2, &out), 0);
	assert_memory_equal(&st, &out, sizeof(st));
	/* for fewer queues than its table names it is refused, logged with the value */
	assert_int_equal(xb_vif_persist_load(vif, 1, &out), -EINVAL);
	assert_true(log_contains("dpdk-netback-state = 'v=1 alg=1 flags=5"));
	assert_true(log_contains("malformed for 1 queue(s): not restored"));
	be_set(fx, VICTIM, 0, XB_PERSIST_KEY, "v=9 alg=1");
	assert_int_equal(xb_vif_persist_load(vif, 2, &out), -EPROTONOSUPPORT);
	assert_true(log_contains("'v=9 alg=1': another version"));
	assert_int_equal(xb_vif_connected(vif), 0);
	assert_int_equal(xb_vif_persist_save(vif, &st), 0);
	/* the frontend goes: the key goes with the connection */
	fe_state(fx, VICTIM, 0, XB_STATE_CLOSING);
	assert_int_equal(poll_ok(vif).type, XB_EV_DISCONNECT);
	assert_null(be_get(fx, VICTIM, 0, XB_PERSIST_KEY));
	xb_vif_destroy(vif);

	/* released by the service (Closing, Closed) */
	vif = bring_up(fx, 3, 0, 1, false, NULL);
	st.mapping[1] = 0;
	assert_int_equal(xb_vif_persist_save(vif, &st), 0);
	assert_non_null(be_get(fx, 3, 0, XB_PERSIST_KEY));
	xb_vif_destroy(vif);
	assert_null(be_get(fx, 3, 0, XB_PERSIST_KEY));

	/* refused by the caller (a broken ring), and handed to the kernel (by id) */
	vif = bring_up(fx, 4, 0, 1, false, NULL);
	assert_int_equal(xb_vif_persist_save(vif, &st), 0);
	assert_int_equal(xb_vif_fail(vif, -EPROTO, "queue 0: broken"), 0);
	assert_null(be_get(fx, 4, 0, XB_PERSIST_KEY));
	xb_vif_destroy(vif);
	vif = bring_up(fx, 5, 0, 1, false, NULL);
	assert_int_equal(xb_vif_persist_save(vif, &st), 0);
	xb_vif_free_keep(vif);
	assert_int_equal(xb_persist_remove(&fx->base, 5, 0), 0);
	assert_null(be_get(fx, 5, 0, XB_PERSIST_KEY));
	assert_int_equal(xb_persist_remove(&fx->base, 5, 0), 0); /* none: success */
	/* a state the encoder refuses is not written */
	vif = xb_vif_create(&fx->base, 5, 0, &feat);
	st.hash_alg = 7;
	assert_int_equal(xb_vif_persist_save(vif, &st), -EINVAL);
	assert_null(be_get(fx, 5, 0, XB_PERSIST_KEY));
	xb_vif_free_keep(vif);
}

#define CASE(t) cmocka_unit_test_setup_teardown(t, fxs_test_setup, fxs_test_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_features_and_initwait),
		CASE(test_bad_create_args),
		CASE(test_connect_single_shared),
		CASE(test_connect_single_split),
		CASE(test_connect_multiqueue),
		CASE(test_refusals),
		CASE(test_rx_copy_log_line),
		CASE(test_unknown_frontend_states),
		CASE(test_wrong_frontend_path),
		CASE(test_reconnect_cycles),
		CASE(test_caller_fail_and_retry),
		CASE(test_resume_connected),
		CASE(test_resume_frontend_moved),
		CASE(test_resume_keys_rewritten),
		CASE(test_resume_half_way),
		CASE(test_pending_connect_abandoned),
		CASE(test_local_disconnect),
		CASE(test_offline),
		CASE(test_destroy_keeps_toolstack_keys),
		CASE(test_error_dir_removed_on_destroy),
		CASE(test_txn_conflict),
		CASE(test_watch),
		CASE(test_rate),
		CASE(test_mcast_control),
		CASE(test_mtu),
		CASE(test_ctrl_ring_keys),
		CASE(test_ip_key_parse),
		CASE(test_ip_key_read),
		CASE(test_xdp_headroom),
		CASE(test_xdp_headroom_hostile),
		CASE(test_reconfiguring_not_connected),
		CASE(test_resume_reconfiguring),
		CASE(test_random_flips),
		CASE(test_persist_roundtrip),
		CASE(test_persist_truncated),
		CASE(test_persist_hostile),
		CASE(test_persist_key),
	};
	int ret;

	/* Capture the log (rte_log works before EAL init) to check what operators see. */
	log_stream = open_memstream(&log_buf, &log_len);
	if (log_stream == NULL || rte_openlog_stream(log_stream) < 0)
		return 1;
	ret = cmocka_run_group_tests_name("xb", tests, NULL, NULL);
	rte_openlog_stream(NULL);
	fclose(log_stream);
	free(log_buf);
	return ret;
}
