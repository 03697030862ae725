/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading what the frontend wrote (Linux netback's connect, read_xenbus_vif_flags,
 * connect_data_rings and connect_ctrl_ring) into a struct xb_frontend_conf. The guest can write anything into its
 * directory, so every value is parsed strictly and anything missing, malformed, out of range
 * or inconsistent refuses the vif rather than being guessed at: these functions record why
 * (xb_vif_reason) and return the error; xb_state.c and xb_vif.c, above, act on it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xb_internal.h"

/*
 * Read <dir>/<key> as a strict decimal u32. @return 0 with *present set (false: no such
 * node), -EINVAL for anything that is not a u32 in decimal, or a xenstore error.
 */
static int read_u32(struct xb_vif *vif, const char *dir, const char *key, uint32_t *out,
		bool *present)
{
	char value[XB_VALUE_MAX];
	int ret;

	*present = false;
	ret = xb_read_key(vif->xs, XB_TXN_NONE, dir, key, value, sizeof(value));
	if (ret == -ENOENT)
		return 0;
	if (ret == -EOVERFLOW)
		return -EINVAL;
	if (ret < 0)
		return ret;
	if (xb_parse_u32(value, out) < 0)
		return -EINVAL;
	*present = true;
	return 0;
}

/* A number the frontend must have written; refuses the vif otherwise. */
static int read_required(struct xb_vif *vif, const char *dir, const char *key,
		uint32_t *out)
{
	bool present;
	int ret;

	ret = read_u32(vif, dir, key, out, &present);
	if (ret == 0 && !present)
		ret = -ENOENT;
	if (ret < 0)
		return xb_vif_reason(vif, ret, "reading %s/%s%s", dir, key,
			ret == -EINVAL ? ": not a decimal u32" : "");
	return 0;
}

/* A feature flag: absent means @p dflt, any other number means "on" when non-zero. */
static int read_flag(struct xb_vif *vif, const char *key, bool dflt, bool *out)
{
	uint32_t v;
	bool present;
	int ret;

	ret = read_u32(vif, vif->fe_path, key, &v, &present);
	if (ret < 0)
		return xb_vif_reason(vif, ret, "reading %s/%s%s", vif->fe_path, key,
			ret == -EINVAL ? ": not a decimal u32" : "");
	*out = present ? v != 0 : dflt;
	return 0;
}

static int read_nb_queues(struct xb_vif *vif)
{
	uint32_t n = 1;
	bool present;
	int ret;

	ret = read_u32(vif, vif->fe_path, "multi-queue-num-queues", &n, &present);
	if (ret < 0)
		return xb_vif_reason(vif, ret, "reading %s/multi-queue-num-queues%s", vif->fe_path,
			ret == -EINVAL ? ": not a decimal u32" : "");
	if (present && (n == 0 || n > vif->feat.max_queues))
		return xb_vif_reason(vif, -EINVAL, "guest requested %u queues, outside 1..%u", n,
				     vif->feat.max_queues);
	vif->conf.nb_queues = n;
	return 0;
}

static int read_mac(struct xb_vif *vif)
{
	char value[XB_VALUE_MAX];
	int ret;

	ret = xb_read_key(vif->xs, XB_TXN_NONE, vif->be_path, "mac", value, sizeof(value));
	if (ret == -EOVERFLOW)
		ret = -EINVAL;
	else if (ret >= 0)
		ret = xb_parse_mac(value, vif->conf.mac);
	if (ret < 0)
		return xb_vif_reason(vif, ret, "parsing %s/mac", vif->be_path);
	return 0;
}

/* read_xenbus_vif_flags: rx-copy is mandatory, the rest are offload switches. */
static int read_flags(struct xb_vif *vif)
{
	struct xb_frontend_conf *c = &vif->conf;
	bool rx_copy, no_csum;
	int ret;

	ret = read_flag(vif, "request-rx-copy", false, &rx_copy);
	if (ret < 0)
		return ret;
	if (!rx_copy)
		return xb_vif_reason(vif, -EOPNOTSUPP, "frontend does not support rx-copy");
	ret = read_flag(vif, "feature-rx-notify", false, &c->rx_notify);
	if (ret == 0)
		ret = read_flag(vif, "feature-sg", false, &c->sg);
	if (ret == 0)
		ret = read_flag(vif, "feature-gso-tcpv4", false, &c->gso_tcpv4);
	if (ret == 0)
		ret = read_flag(vif, "feature-gso-tcpv6", false, &c->gso_tcpv6);
	if (ret == 0)
		ret = read_flag(vif, "feature-no-csum-offload", false, &no_csum);
	if (ret == 0)
		ret = read_flag(vif, "feature-ipv6-csum-offload", false, &c->ipv6_csum);
	if (ret == 0)
		ret = read_flag(vif, "request-multicast-control", false, &c->mcast_control);
	if (ret < 0)
		return ret;
	c->ip_csum = !no_csum;
	return 0;
}

/* Event channels of one queue: both split keys, or else the single shared one. */
static int read_evtchns(struct xb_vif *vif, const char *dir, struct xb_queue_conf *q)
{
	bool has_tx, has_rx;
	int ret;

	ret = read_u32(vif, dir, "event-channel-tx", &q->evtchn_tx, &has_tx);
	if (ret == 0)
		ret = read_u32(vif, dir, "event-channel-rx", &q->evtchn_rx, &has_rx);
	if (ret < 0)
		return xb_vif_reason(vif, ret, "reading %s/event-channel-tx/-rx%s", dir,
			ret == -EINVAL ? ": not a decimal u32" : "");
	if (has_tx != has_rx)
		return xb_vif_reason(vif, -EINVAL, "%s has only one of event-channel-tx/-rx", dir);
	q->split_evtchn = has_tx;
	if (q->split_evtchn)
		return 0;
	ret = read_required(vif, dir, "event-channel", &q->evtchn_tx);
	q->evtchn_rx = q->evtchn_tx;
	return ret;
}

static int read_queue(struct xb_vif *vif, unsigned int id)
{
	struct xb_queue_conf *q = &vif->conf.queues[id];
	char dir[XB_PATH_MAX];
	char sub[sizeof("queue-4294967295")];
	int ret;

	/* One queue: keys at the top level (netif.h), whether or not num-queues was given. */
	if (vif->conf.nb_queues == 1) {
		memcpy(dir, vif->fe_path, sizeof(dir));
		ret = 0;
	} else {
		snprintf(sub, sizeof(sub), "queue-%u", id);
		ret = xb_path_join(dir, sizeof(dir), vif->fe_path, sub);
	}
	if (ret < 0)
		return xb_vif_reason(vif, ret, "building the path of queue %u", id);
	ret = read_required(vif, dir, "tx-ring-ref", &q->tx_ring_ref);
	if (ret == 0)
		ret = read_required(vif, dir, "rx-ring-ref", &q->rx_ring_ref);
	if (ret == 0)
		ret = read_evtchns(vif, dir, q);
	return ret;
}

/* netif.h: a multi-queue frontend must not write top-level ring or event channel keys. */
static int check_no_toplevel_rings(struct xb_vif *vif)
{
	static const char *const keys[] = {
		"tx-ring-ref", "rx-ring-ref", "event-channel", "event-channel-tx",
		"event-channel-rx",
	};
	char value[XB_VALUE_MAX];
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		ret = xb_read_key(vif->xs, XB_TXN_NONE, vif->fe_path, keys[i], value, sizeof(value));
		if (ret == -ENOENT)
			continue;
		if (ret >= 0 || ret == -EOVERFLOW)
			ret = -EINVAL;
		return xb_vif_reason(vif, ret, "%s/%s given with %u queues (keys belong in queue-N)",
			vif->fe_path, keys[i], vif->conf.nb_queues);
	}
	return 0;
}

/* connect_ctrl_ring: no ctrl-ring-ref, no control ring; else both keys, strictly. */
static int read_ctrl_ring(struct xb_vif *vif)
{
	struct xb_frontend_conf *c = &vif->conf;
	bool present;
	int ret;

	if (!vif->feat.ctrl_ring)
		return 0; /* not offered: a frontend's keys are not ours to read */
	ret = read_u32(vif, vif->fe_path, "ctrl-ring-ref", &c->ctrl_ring_ref, &present);
	if (ret < 0)
		return xb_vif_reason(vif, ret, "reading %s/ctrl-ring-ref%s", vif->fe_path,
			ret == -EINVAL ? ": not a decimal u32" : "");
	if (!present)
		return 0;
	ret = read_required(vif, vif->fe_path, "event-channel-ctrl", &c->evtchn_ctrl);
	if (ret == 0)
		c->ctrl_ring = true;
	return ret;
}

void xb_frontend_read_rate(struct xb_vif *vif)
{
	char value[XB_VALUE_MAX];
	int ret;

	vif->conf.rate_bytes = vif->conf.rate_usec = 0;
	ret = xb_read_key(vif->xs, XB_TXN_NONE, vif->be_path, "rate", value, sizeof(value));
	if (ret == -ENOENT)
		return;
	if (ret < 0 || xb_parse_rate(value, &vif->conf.rate_bytes, &vif->conf.rate_usec) < 0) {
		vif->conf.rate_bytes = vif->conf.rate_usec = 0;
		XB_LOG(WARNING, vif, "ignoring %s/rate '%s' (not BYTES,USEC): no rate limit",
		       vif->be_path, ret < 0 ? strerror(-ret) : value);
	}
}

void xb_frontend_read_mcast(struct xb_vif *vif)
{
	char value[XB_VALUE_MAX];
	uint32_t v = 0;
	int ret;

	vif->conf.mcast_control = false;
	ret = xb_read_key(vif->xs, XB_TXN_NONE, vif->fe_path, "request-multicast-control",
			  value, sizeof(value));
	if (ret == -ENOENT)
		return;
	if (ret < 0 || xb_parse_u32(value, &v) < 0) {
		XB_LOG(WARNING, vif, "ignoring %s '%s' (not a decimal u32): multicast control off",
		       vif->mcast_path, ret < 0 ? strerror(-ret) : value);
		return;
	}
	vif->conf.mcast_control = v != 0;
}

void xb_frontend_read_mtu(struct xb_vif *vif)
{
	char value[XB_VALUE_MAX];
	uint32_t mtu = 0;
	int ret;

	vif->conf.mtu = 0;
	ret = xb_read_key(vif->xs, XB_TXN_NONE, vif->be_path, "mtu", value, sizeof(value));
	if (ret == -ENOENT)
		return; /* libxl writes it only when it is not 1500: the caller's default */
	if (ret < 0 || xb_parse_u32(value, &mtu) < 0 || mtu < XB_MTU_MIN || mtu > XB_MTU_MAX) {
		XB_LOG(WARNING, vif, "ignoring %s/mtu '%s' (not %u..%u): the default MTU applies",
		       vif->be_path, ret < 0 ? strerror(-ret) : value, XB_MTU_MIN, XB_MTU_MAX);
		return;
	}
	vif->conf.mtu = mtu;
}

int xb_frontend_read_xdp(struct xb_vif *vif)
{
	char value[XB_VALUE_MAX];
	uint32_t v;
	int ret;

	vif->conf.xdp_headroom = 0;
	ret = xb_read_key(vif->xs, XB_TXN_NONE, vif->fe_path, "xdp-headroom", value,
			  sizeof(value));
	if (ret == -ENOENT)
		return 0;
	if (ret == -EOVERFLOW)
		return xb_vif_reason(vif, -EINVAL, "reading %s/xdp-headroom: over %d bytes",
				     vif->fe_path, XB_VALUE_MAX - 1);
	if (ret < 0)
		return xb_vif_reason(vif, ret, "reading %s/xdp-headroom", vif->fe_path);
	/* netback's %hu takes "12abc" as 12; a frontend that writes that is refused here. */
	if (xb_parse_u32(value, &v) < 0)
		return xb_vif_reason(vif, -EINVAL, "reading %s/xdp-headroom '%s': not a decimal u32",
				     vif->fe_path, value);
	if (v > XB_XDP_HEADROOM_MAX) {
		XB_LOG(WARNING, vif, "%s/xdp-headroom %u capped at %u", vif->fe_path, v,
		       XB_XDP_HEADROOM_MAX);
		v = XB_XDP_HEADROOM_MAX;
	}
	vif->conf.xdp_headroom = (uint16_t)v;
	return 0;
}

int xb_frontend_read_conf(struct xb_vif *vif)
{
	unsigned int i;
	int ret;

	memset(&vif->conf, 0, sizeof(vif->conf));
	ret = read_nb_queues(vif);
	if (ret == 0)
		ret = read_mac(vif);
	if (ret == 0)
		ret = read_flags(vif);
	/* read_xenbus_vif_flags reads it too: a netfront reconnecting with XDP on */
	if (ret == 0)
		ret = xb_frontend_read_xdp(vif);
	if (ret == 0 && vif->conf.nb_queues > 1)
		ret = check_no_toplevel_rings(vif);
	for (i = 0; ret == 0 && i < vif->conf.nb_queues; i++)
		ret = read_queue(vif, i);
	if (ret == 0)
		ret = read_ctrl_ring(vif);
	if (ret == 0)
		xb_frontend_read_rate(vif);
	if (ret == 0)
		xb_frontend_read_mtu(vif);
	return ret;
}

/* The toolstack's pointer to the frontend: the only frontend directory xb will read. */
int xb_frontend_read_path(struct xb_vif *vif)
{
	char expect[XB_PATH_MAX];
	char value[XB_VALUE_MAX];
	uint32_t fe_id;
	int ret;

	snprintf(expect, sizeof(expect), "/local/domain/%u/device/vif/%u",
		(unsigned int)vif->domid, (unsigned int)vif->devid);
	ret = xb_read_key(vif->xs, XB_TXN_NONE, vif->be_path, "frontend-id", value, sizeof(value));
	if (ret == -EOVERFLOW)
		ret = -EINVAL;
	else if (ret >= 0)
		ret = xb_parse_u32(value, &fe_id) < 0 || fe_id != vif->domid ? -EINVAL : 0;
	if (ret < 0)
		return xb_vif_reason(vif, ret, "reading %s/frontend-id: expected %u",
			vif->be_path, (unsigned int)vif->domid);
	ret = xb_read_key(vif->xs, XB_TXN_NONE, vif->be_path, "frontend", value, sizeof(value));
	if ((ret >= 0 && strcmp(value, expect) != 0) || ret == -EOVERFLOW)
		ret = -EINVAL;
	if (ret < 0)
		return xb_vif_reason(vif, ret, "reading %s/frontend: expected %s",
			vif->be_path, expect);
	memcpy(vif->fe_path, expect, sizeof(expect));
	ret = xb_path_join(vif->fe_state_path, sizeof(vif->fe_state_path), vif->fe_path, "state");
	if (ret < 0) {
		vif->fe_state_path[0] = '\0';
		return xb_vif_reason(vif, ret, "building %s/state", vif->fe_path);
	}
	/* fits: fe_path is the short "expect" above */
	xb_path_join(vif->mcast_path, sizeof(vif->mcast_path), vif->fe_path,
		     "request-multicast-control");
	return 0;
}
