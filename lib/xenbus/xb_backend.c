/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writing the backend's own keys: the advertised features (one transaction), the state,
 * the error node (dom0's error/backend/vif/D/N/error, as Linux's xenbus_dev_error).
 * Reading the toolstack's "online".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xb_internal.h"

/* How many keys feature_keys() fills. */
#define NB_FEATURE_KEYS 12

struct feature_key {
	const char *key;
	unsigned int value;
};

static int write_key(struct xb_vif *vif, xb_txn_t txn, const char *key, const char *value)
{
	char path[XB_PATH_MAX];
	int ret;

	ret = xb_path_join(path, sizeof(path), vif->be_path, key);
	if (ret < 0)
		return ret;
	return vif->xs->ops->write(vif->xs, txn, path, value);
}

/* Fill @p keys with every feature key and its value; returns how many. */
static unsigned int feature_keys(const struct xb_backend_features *feat,
		struct feature_key *keys)
{
	unsigned int n = 0;

	keys[n++] = (struct feature_key){ "feature-sg", feat->sg };
	keys[n++] = (struct feature_key){ "feature-gso-tcpv4", feat->gso_tcpv4 };
	keys[n++] = (struct feature_key){ "feature-gso-tcpv6", feat->gso_tcpv6 };
	keys[n++] = (struct feature_key){ "feature-ipv6-csum-offload", feat->ipv6_csum_offload };
	/* The datapath grant-copies into guest buffers; page flipping is not supported. */
	keys[n++] = (struct feature_key){ "feature-rx-copy", 1 };
	keys[n++] = (struct feature_key){ "feature-rx-flip", 0 };
	/* netback's provides_xdp_headroom: guest-RX data may start past a requested headroom */
	keys[n++] = (struct feature_key){ "feature-xdp-headroom", 1 };
	keys[n++] = (struct feature_key){ "feature-split-event-channels", 1 };
	keys[n++] = (struct feature_key){ "multi-queue-max-queues", feat->max_queues };
	/* Written as 0 too: a "1" the kernel's netback left must not outlive it. */
	keys[n++] = (struct feature_key){ "feature-ctrl-ring", feat->ctrl_ring };
	/* netback_probe: MCAST_ADD/DEL extras are served, and request-multicast-control is
	 * watched while connected (the dynamic variant: a frontend may change it any time) */
	keys[n++] = (struct feature_key){ "feature-multicast-control", 1 };
	keys[n++] = (struct feature_key){ "feature-dynamic-multicast-control", 1 };
	return n;
}

/* One attempt: write every key inside a fresh transaction and commit it. */
static int write_features_once(struct xb_vif *vif, const char **failed_key)
{
	struct feature_key keys[NB_FEATURE_KEYS];
	unsigned int n = feature_keys(&vif->feat, keys);
	char value[16];
	xb_txn_t txn;
	unsigned int i;
	int ret;

	*failed_key = "starting transaction";
	ret = vif->xs->ops->txn_start(vif->xs, &txn);
	if (ret < 0)
		return ret;
	for (i = 0; i < n; i++) {
		snprintf(value, sizeof(value), "%u", keys[i].value);
		ret = write_key(vif, txn, keys[i].key, value);
		if (ret < 0) {
			*failed_key = keys[i].key;
			vif->xs->ops->txn_end(vif->xs, txn, true);
			return ret;
		}
	}
	*failed_key = "completing transaction";
	return vif->xs->ops->txn_end(vif->xs, txn, false);
}

int xb_backend_write_features(struct xb_vif *vif)
{
	const char *what = NULL;
	char msg[XB_REASON_MAX];
	int attempt;
	int ret = -EAGAIN;

	for (attempt = 0; attempt < XB_TXN_RETRIES && ret == -EAGAIN; attempt++) {
		ret = write_features_once(vif, &what);
		if (ret == -EAGAIN)
			XB_LOG(DEBUG, vif, "feature transaction conflicted, retrying");
	}
	if (ret == 0)
		return 0;
	snprintf(msg, sizeof(msg), "writing %s", what);
	XB_LOG(ERR, vif, "%s: %s", msg, strerror(-ret));
	/* Best effort: the error node may fail the same way. */
	xb_backend_write_error(vif, ret, msg);
	return ret;
}

int xb_backend_write_state(struct xb_vif *vif, enum xb_state state)
{
	char value[4];
	int ret;

	snprintf(value, sizeof(value), "%u", (unsigned int)state);
	ret = write_key(vif, XB_TXN_NONE, "state", value);
	if (ret < 0) {
		XB_LOG(ERR, vif, "writing state %s: %s", xb_state_name(state), strerror(-ret));
		return ret;
	}
	XB_LOG(DEBUG, vif, "backend %s -> %s", xb_state_name(vif->state), xb_state_name(state));
	vif->state = state;
	/* Out of Connected: what the guest set through its rings was that connection's alone
	 * (netback frees vif->hash and the multicast list at disconnect). */
	if (state != XB_STATE_CONNECTED && state != XB_STATE_RECONFIGURED) {
		ret = xb_persist_forget(vif);
		if (ret < 0)
			XB_LOG(ERR, vif, "removing %s: %s", XB_PERSIST_KEY, strerror(-ret));
	}
	return 0;
}

/* Where and how Linux's xenbus_va_dev_error writes: "<positive errno> <message>" into
 * error/<nodename>/error under the writer's home (dom0's, private: a guest cannot read it). */
int xb_backend_write_error(struct xb_vif *vif, int err, const char *message)
{
	char value[XB_REASON_MAX + 16];

	snprintf(value, sizeof(value), "%d %s", -err, message);
	return vif->xs->ops->write(vif->xs, XB_TXN_NONE, vif->err_node, value);
}

int xb_backend_clear_error(struct xb_vif *vif)
{
	return vif->xs->ops->rm(vif->xs, XB_TXN_NONE, vif->err_node);
}

/* Remove @p dir if it has no children, in a transaction: a neighbour vif of the same domain
 * writing its own error meanwhile makes the commit conflict, and its error stays. */
static int rm_if_empty(struct xb_xs *xs, const char *dir)
{
	char names[16];
	xb_txn_t txn;
	int nb, ret;

	ret = xs->ops->txn_start(xs, &txn);
	if (ret < 0)
		return ret;
	nb = xs->ops->directory(xs, txn, dir, names, sizeof(names));
	if (nb == 0)
		ret = xs->ops->rm(xs, txn, dir);
	return xs->ops->txn_end(xs, txn, nb != 0 || ret < 0);
}

void xb_backend_remove_error_dir(struct xb_vif *vif)
{
	char dom_dir[XB_PATH_MAX];
	int ret, attempt;

	ret = vif->xs->ops->rm(vif->xs, XB_TXN_NONE, vif->err_dir);
	if (ret < 0) {
		XB_LOG(DEBUG, vif, "removing %s: %s", vif->err_dir, strerror(-ret));
		return;
	}
	/* error/backend/vif/<domid>: one per guest domain would stay behind otherwise. */
	memcpy(dom_dir, vif->err_dir, sizeof(dom_dir));
	*strrchr(dom_dir, '/') = '\0';
	ret = -EAGAIN;
	for (attempt = 0; attempt < XB_TXN_RETRIES && ret == -EAGAIN; attempt++)
		ret = rm_if_empty(vif->xs, dom_dir);
	if (ret < 0)
		XB_LOG(DEBUG, vif, "removing %s: %s", dom_dir, strerror(-ret));
}

enum xb_state xb_backend_connected(struct xb_vif *vif)
{
	char value[XB_VALUE_MAX];
	enum xb_state s;

	if (xb_read_key(vif->xs, XB_TXN_NONE, vif->be_path, "state", value, sizeof(value)) < 0 ||
	    xb_parse_state(value, &s) < 0)
		return XB_STATE_UNKNOWN;
	return s == XB_STATE_CONNECTED || s == XB_STATE_RECONFIGURED ? s : XB_STATE_UNKNOWN;
}

bool xb_backend_online(struct xb_vif *vif)
{
	char value[XB_VALUE_MAX];

	if (xb_read_key(vif->xs, XB_TXN_NONE, vif->be_path, "online", value, sizeof(value)) < 0)
		return false;
	return xb_parse_online(value);
}
