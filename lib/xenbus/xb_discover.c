/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Vif discovery (xb.h): which vifs the toolstack created under dom0's backend/vif, and what
 * their "online", "script", "mac" and "state" say. Linux does this in
 * xenbus_probe_backend.c for every backend driver: xenbus_probe_devices lists the tree at
 * start, backend_changed follows the watch on "backend" and probes the one device an event
 * names. Binding a driver is left to the caller here: which vif to serve is its policy.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "xb_internal.h"

#define DISC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, xb_logtype, "discovery: " fmt "\n", ##__VA_ARGS__)

/* A listing's buffer holds the bound's worth of names this long (with the NUL): ids have
 * at most 5 digits; longer junk names fill it sooner and make the listing over the bound. */
#define NAME_ROOM 8

/* The longest path component discovery parses ("65535" and its NUL, with room to spare:
 * a longer component is no id). */
#define COMPONENT_MAX 8

/* One key discovery reads, and how its value (NULL: missing or over-long) sets the info. */
struct disc_key {
	const char *key;
	void (*apply)(struct xb_vif_info *info, const char *value);
};

static void apply_online(struct xb_vif_info *info, const char *value)
{
	info->online = xb_parse_online(value);
}

/* libxl writes script= as given in the xl config: a bare name or a path. */
static void apply_script(struct xb_vif_info *info, const char *value)
{
	const char *base = value != NULL ? strrchr(value, '/') : NULL;

	base = base != NULL ? base + 1 : value;
	info->script_marked = base != NULL && strcmp(base, XB_MARK_SCRIPT) == 0;
}

static void apply_mac(struct xb_vif_info *info, const char *value)
{
	info->mac_valid = value != NULL && xb_parse_mac(value, info->mac) == 0;
}

static void apply_state(struct xb_vif_info *info, const char *value)
{
	if (value == NULL || xb_parse_state(value, &info->state) < 0)
		info->state = XB_STATE_UNKNOWN;
}

static const struct disc_key disc_keys[] = {
	{ "online", apply_online },
	{ "script", apply_script },
	{ "mac", apply_mac },
	{ "state", apply_state },
};

/* A domain discovery serves: a guest, not dom0 (its own vifs) nor a reserved id. */
static bool domid_served(uint32_t domid)
{
	return domid != 0 && domid <= XB_DOMID_MAX;
}

/* Read every discovery key of the vif whose directory is @p dir; false when a read failed. */
static bool read_keys(struct xb_xs *xs, const char *dir, struct xb_vif_info *info)
{
	char value[XB_VALUE_MAX];
	unsigned int i;
	int ret;

	for (i = 0; i < RTE_DIM(disc_keys); i++) {
		ret = xb_read_key(xs, XB_TXN_NONE, dir, disc_keys[i].key, value, sizeof(value));
		if (ret < 0 && ret != -ENOENT && ret != -EOVERFLOW)
			return false;
		disc_keys[i].apply(info, ret >= 0 ? value : NULL);
	}
	return true;
}

enum xb_presence xb_discover_lookup(struct xb_xs *xs, uint16_t domid, uint16_t devid,
		struct xb_vif_info *info)
{
	char dir[XB_PATH_MAX], value[XB_VALUE_MAX];
	int ret;

	memset(info, 0, sizeof(*info));
	info->id = (struct xb_vif_id){ .domid = domid, .devid = devid };
	if (!domid_served(domid))
		return XB_VIF_ABSENT;
	snprintf(dir, sizeof(dir), XB_BACKEND_VIF_DIR "/%u/%u", (unsigned int)domid,
		(unsigned int)devid);
	/* The directory node's own value (libxl leaves it empty) says whether it exists. */
	ret = xs->ops->read(xs, XB_TXN_NONE, dir, value, sizeof(value));
	if (ret == -ENOENT)
		return XB_VIF_ABSENT;
	if ((ret < 0 && ret != -EOVERFLOW) || !read_keys(xs, dir, info)) {
		memset(info, 0, sizeof(*info));
		info->id = (struct xb_vif_id){ .domid = domid, .devid = devid };
		return XB_VIF_UNKNOWN;
	}
	return XB_VIF_PRESENT;
}

/* List @p path's children into @p buf: the count, 0 when @p path does not exist, or a
 * negative errno (-EOVERFLOW: more than @p max names, or names too long for @p size). */
static int list_dir(struct xb_xs *xs, const char *path, char *buf, size_t size,
		unsigned int max)
{
	int nb = xs->ops->directory(xs, XB_TXN_NONE, path, buf, size);

	if (nb == -ENOENT)
		return 0;
	if (nb > (int)max)
		return -EOVERFLOW;
	if (nb < 0)
		DISC_LOG(DEBUG, "listing %s: %s", path, strerror(-nb));
	return nb;
}

int xb_discover_scan_domain(struct xb_xs *xs, uint16_t domid, struct xb_vif_id *ids,
		unsigned int max, bool *partial)
{
	char path[XB_PATH_MAX], names[XB_DISCOVER_MAX_DEVS * NAME_ROOM];
	const char *name = names;
	unsigned int stored = 0;
	uint32_t devid;
	int nb, i;

	if (partial != NULL)
		*partial = false;
	if (!domid_served(domid))
		return -EINVAL;
	snprintf(path, sizeof(path), XB_BACKEND_VIF_DIR "/%u", (unsigned int)domid);
	nb = list_dir(xs, path, names, sizeof(names), XB_DISCOVER_MAX_DEVS);
	for (i = 0; i < nb; i++, name += strlen(name) + 1) {
		if (xb_parse_id(name, UINT16_MAX, &devid) < 0) {
			DISC_LOG(DEBUG, "%s: \"%.16s\" is no device id", path, name);
			continue;
		}
		if (stored == max) {
			if (partial != NULL)
				*partial = true;
			break;
		}
		ids[stored++] = (struct xb_vif_id){ .domid = domid, .devid = (uint16_t)devid };
	}
	return nb < 0 ? nb : (int)stored;
}

int xb_discover_scan(struct xb_xs *xs, struct xb_vif_id *ids, unsigned int max,
		bool *partial)
{
	char names[XB_DISCOVER_MAX_DOMAINS * NAME_ROOM];
	const char *name = names;
	bool failed = false, cut = false;
	unsigned int stored = 0;
	uint32_t domid;
	int nb, i, ret;

	nb = list_dir(xs, XB_BACKEND_VIF_DIR, names, sizeof(names), XB_DISCOVER_MAX_DOMAINS);
	/* A domain that cannot be listed is skipped; one cut short by max ends the scan. */
	for (i = 0; i < nb && !cut; i++, name += strlen(name) + 1) {
		if (xb_parse_id(name, XB_DOMID_MAX, &domid) < 0 || domid == 0) {
			DISC_LOG(DEBUG, "\"%.16s\" is no guest's domain id", name);
			continue;
		}
		ret = xb_discover_scan_domain(xs, (uint16_t)domid, ids + stored, max - stored,
			&cut);
		stored += ret > 0 ? (unsigned int)ret : 0;
		failed |= ret < 0;
	}
	if (partial != NULL)
		*partial = failed || cut;
	return nb < 0 ? nb : (int)stored;
}

/* Copy the path component at *@p p (up to '/' or the end) into @p buf and step over it;
 * false when it is empty or longer than COMPONENT_MAX - 1. */
static bool next_component(const char **p, char buf[COMPONENT_MAX])
{
	size_t len = strcspn(*p, "/");

	if (len == 0 || len >= COMPONENT_MAX)
		return false;
	memcpy(buf, *p, len);
	buf[len] = '\0';
	*p += len;
	return true;
}

/* The key after "<dir>/<domid>/<devid>/" (@p key, without deeper components). */
static enum xb_discover_what classify_key(const char *key)
{
	if (strchr(key, '/') != NULL)
		return XB_DISCOVER_IGNORE;
	if (strcmp(key, "state") == 0)
		return XB_DISCOVER_VIF_STATE;
	if (strcmp(key, XB_EMU_TAP_KEY) == 0)
		return XB_DISCOVER_VIF;
	for (unsigned int i = 0; i < RTE_DIM(disc_keys); i++)
		if (strcmp(key, disc_keys[i].key) == 0)
			return XB_DISCOVER_VIF;
	return XB_DISCOVER_IGNORE;
}

enum xb_discover_what xb_discover_classify(const char *path, struct xb_vif_id *id)
{
	const size_t dir_len = strlen(XB_BACKEND_VIF_DIR);
	char comp[COMPONENT_MAX];
	uint32_t domid, devid;
	const char *p;

	if (path == NULL || strncmp(path, XB_BACKEND_VIF_DIR, dir_len) != 0)
		return XB_DISCOVER_IGNORE;
	p = path + dir_len;
	if (*p == '\0')
		return XB_DISCOVER_ALL;
	if (*p++ != '/' || !next_component(&p, comp) ||
	    xb_parse_id(comp, XB_DOMID_MAX, &domid) < 0 || !domid_served(domid))
		return XB_DISCOVER_IGNORE;
	*id = (struct xb_vif_id){ .domid = (uint16_t)domid };
	if (*p == '\0')
		return XB_DISCOVER_DOMAIN;
	p++;
	if (!next_component(&p, comp) || xb_parse_id(comp, UINT16_MAX, &devid) < 0)
		return XB_DISCOVER_IGNORE;
	id->devid = (uint16_t)devid;
	if (*p == '\0')
		return XB_DISCOVER_VIF;
	return classify_key(p + 1);
}

int xb_discover_watch(struct xb_xs *xs, const char *token)
{
	return xs->ops->watch(xs, XB_BACKEND_VIF_DIR, token);
}

int xb_discover_unwatch(struct xb_xs *xs, const char *token)
{
	return xs->ops->unwatch(xs, XB_BACKEND_VIF_DIR, token);
}

/* A hostile value in a log line: printable ASCII as it is, other bytes as '?', at most
 * @p size - 1 bytes of it. */
static const char *log_safe(const char *v, char *buf, size_t size)
{
	size_t i;

	for (i = 0; v[i] != '\0' && i + 1 < size; i++)
		buf[i] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* One interface-name key of the vif's backend (`bridge`, XB_EMU_TAP_KEY): xb.h. */
static int read_ifname_key(struct xb_xs *xs, uint16_t domid, uint16_t devid, const char *key,
		char name[XB_IFNAME_MAX + 1])
{
	/* room for a value one byte too long: read whole, it is refused by its length */
	char dir[XB_PATH_MAX], value[XB_IFNAME_MAX + 2], shown[33];
	int ret;

	name[0] = '\0';
	snprintf(dir, sizeof(dir), XB_BACKEND_VIF_DIR "/%u/%u", (unsigned int)domid,
		(unsigned int)devid);
	ret = xb_read_key(xs, XB_TXN_NONE, dir, key, value, sizeof(value));
	if (ret == -ENOENT)
		return XB_BRIDGE_NONE;
	if (ret == -EOVERFLOW) {
		DISC_LOG(ERR, "vif%u.%u: backend key '%s' over %u bytes: no interface name",
			(unsigned int)domid, (unsigned int)devid, key, XB_IFNAME_MAX);
		return XB_BRIDGE_MALFORMED;
	}
	if (ret < 0)
		return ret;
	if (xb_parse_ifname(value) != 0) {
		DISC_LOG(ERR, "vif%u.%u: backend key '%s' = '%s' malformed (1..%u letters, "
			"digits, '.', '-', '_')", (unsigned int)domid, (unsigned int)devid, key,
			log_safe(value, shown, sizeof(shown)), XB_IFNAME_MAX);
		return XB_BRIDGE_MALFORMED;
	}
	memcpy(name, value, strlen(value) + 1);
	return XB_BRIDGE_NAMED;
}

int xb_discover_read_bridge(struct xb_xs *xs, uint16_t domid, uint16_t devid,
		char name[XB_IFNAME_MAX + 1])
{
	return read_ifname_key(xs, domid, devid, "bridge", name);
}

int xb_discover_read_emu_tap(struct xb_xs *xs, uint16_t domid, uint16_t devid,
		char name[XB_IFNAME_MAX + 1])
{
	return read_ifname_key(xs, domid, devid, XB_EMU_TAP_KEY, name);
}

int xb_discover_read_domain_name(struct xb_xs *xs, uint16_t domid,
		char name[XB_DOMAIN_NAME_MAX + 1])
{
	/* room for a value one byte too long: read whole, it is refused by its length */
	char dir[XB_PATH_MAX], value[XB_DOMAIN_NAME_MAX + 2];
	int ret;

	name[0] = '\0';
	snprintf(dir, sizeof(dir), "/local/domain/%u", (unsigned int)domid);
	ret = xb_read_key(xs, XB_TXN_NONE, dir, "name", value, sizeof(value));
	if (ret == -ENOENT || ret == -EOVERFLOW || (ret >= 0 && xb_parse_domain_name(value) != 0)) {
		DISC_LOG(DEBUG, "domain %u: no name options can use (%s): named by its id",
			(unsigned int)domid, ret >= 0 ? "not 1..63 letters, digits, '.', '-', '_'" :
			strerror(-ret));
		return 0;
	}
	if (ret < 0)
		return ret;
	memcpy(name, value, strlen(value) + 1);
	return 0;
}

int xb_discover_read_ips(struct xb_xs *xs, uint16_t domid, uint16_t devid,
		struct xb_vif_ips *ips)
{
	char dir[XB_PATH_MAX], value[XB_VIF_IP_VALUE_MAX];
	int ret;

	memset(ips, 0, sizeof(*ips));
	snprintf(dir, sizeof(dir), XB_BACKEND_VIF_DIR "/%u/%u", (unsigned int)domid,
		(unsigned int)devid);
	ret = xb_read_key(xs, XB_TXN_NONE, dir, "ip", value, sizeof(value));
	if (ret == -ENOENT)
		return 0;
	if (ret == -EOVERFLOW) {
		DISC_LOG(ERR, "vif%u.%u: backend key 'ip' over %u bytes: the guest may send no IP",
			(unsigned int)domid, (unsigned int)devid, XB_VIF_IP_VALUE_MAX - 1);
		ips->check = true;
		return 0;
	}
	if (ret < 0)
		return ret;
	ret = xb_parse_ips(value, ips);
	if (ret < 0) {
		/* fail closed: a broken anti-spoofing list must not mean "anything" */
		DISC_LOG(ERR, "vif%u.%u: backend key 'ip' = '%s' malformed (%s): the guest may "
			"send no IP", (unsigned int)domid, (unsigned int)devid, value,
			strerror(-ret));
		memset(ips, 0, sizeof(*ips));
		ips->check = true;
	}
	return 0;
}
