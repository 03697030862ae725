/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/xenbus vif discovery (xb_discover.c) against the in-memory xenstore: what a vif's keys
 * say (online, script, mac, state) for good and hostile values, which ids a scan lists when
 * the directory holds names that are no ids, bounds on what a pass reads, reads that fail
 * (unknown, never absent), and how watch event paths are classified.
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

#include "xb.h"
#include "xb_fake_xs.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the toolstack's side ----------------------------------------------------------------- */

static void be_set(struct fake_xs *fx, unsigned int domid, unsigned int devid,
		const char *key, const char *value)
{
	char p[FXS_PATH_MAX];

	snprintf(p, sizeof(p), XB_BACKEND_VIF_DIR "/%u/%u%s%s", domid, devid,
		key[0] != '\0' ? "/" : "", key);
	fxs_write(fx, p, value);
}

static void be_del(struct fake_xs *fx, unsigned int domid, unsigned int devid,
		const char *key)
{
	char p[FXS_PATH_MAX];

	snprintf(p, sizeof(p), XB_BACKEND_VIF_DIR "/%u/%u/%s", domid, devid, key);
	fxs_rm(fx, p);
}

/* A directory node named @p name under @p dir (ids or junk), with an empty value. */
static void mkdir_at(struct fake_xs *fx, const char *dir, const char *name)
{
	char p[2 * FXS_PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_true(strlen(p) < FXS_PATH_MAX);
	fxs_write(fx, p, "");
}

/* What libxl writes for a vif served by this service. */
static void toolstack_add(struct fake_xs *fx, unsigned int domid, unsigned int devid)
{
	char v[32];

	be_set(fx, domid, devid, "frontend-id", "x");
	be_set(fx, domid, devid, "online", "1");
	be_set(fx, domid, devid, "state", "1");
	snprintf(v, sizeof(v), "00:16:3e:%02x:%02x:0a", domid & 0xff, devid & 0xff);
	be_set(fx, domid, devid, "mac", v);
	be_set(fx, domid, devid, "script", "/etc/xen/scripts/" XB_MARK_SCRIPT);
}

static enum xb_presence lookup(struct fake_xs *fx, unsigned int domid, unsigned int devid,
		struct xb_vif_info *info)
{
	return xb_discover_lookup(&fx->base, (uint16_t)domid, (uint16_t)devid, info);
}

/* ---- one vif's keys ---------------------------------------------------------------------- */

static void test_lookup_good_vif(void **state)
{
	const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 5, 2, 0x0a };
	struct fake_xs *fx = *state;
	struct xb_vif_info info;

	toolstack_add(fx, 5, 2);
	be_set(fx, 5, 2, "state", "2");
	assert_int_equal(lookup(fx, 5, 2, &info), XB_VIF_PRESENT);
	assert_int_equal(info.id.domid, 5);
	assert_int_equal(info.id.devid, 2);
	assert_true(info.online);
	assert_true(info.script_marked);
	assert_true(info.mac_valid);
	assert_memory_equal(info.mac, mac, 6);
	assert_int_equal(info.state, XB_STATE_INITWAIT);
	/* Its neighbours do not exist. */
	assert_int_equal(lookup(fx, 5, 3, &info), XB_VIF_ABSENT);
	assert_int_equal(info.id.devid, 3);
	assert_int_equal(lookup(fx, 6, 2, &info), XB_VIF_ABSENT);
}

static void test_lookup_ids_never_served(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif_info info;

	/* Dom0's own vif and a reserved domain id are never discovered, even if present. */
	toolstack_add(fx, 0, 0);
	toolstack_add(fx, 0x7ff0, 0);
	assert_int_equal(lookup(fx, 0, 0, &info), XB_VIF_ABSENT);
	assert_int_equal(lookup(fx, 0x7ff0, 0, &info), XB_VIF_ABSENT);
	assert_int_equal(lookup(fx, 0xffff, 0, &info), XB_VIF_ABSENT);
	toolstack_add(fx, XB_DOMID_MAX, UINT16_MAX);
	assert_int_equal(lookup(fx, XB_DOMID_MAX, UINT16_MAX, &info), XB_VIF_PRESENT);
	assert_true(info.online);
}

static const char long_value[] =
	"/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789"
	"/0123456789/0123456789/0123456789/0123456789/0123456789/" XB_MARK_SCRIPT;

static void test_online_values(void **state)
{
	static const char *const offline[] = {
		"0", "01", " 1", "1 ", "+1", "-1", "", "yes", "true", "1\n", "2", "11", "0x1",
		long_value,
	};
	struct fake_xs *fx = *state;
	struct xb_vif_info info;
	unsigned int i;

	toolstack_add(fx, 3, 0);
	for (i = 0; i < DIM(offline); i++) {
		print_message("online \"%.20s\"\n", offline[i]);
		be_set(fx, 3, 0, "online", offline[i]);
		assert_int_equal(lookup(fx, 3, 0, &info), XB_VIF_PRESENT);
		assert_false(info.online);
		assert_true(info.mac_valid); /* the rest of the vif is still read */
	}
	be_del(fx, 3, 0, "online");
	assert_int_equal(lookup(fx, 3, 0, &info), XB_VIF_PRESENT);
	assert_false(info.online);
	be_set(fx, 3, 0, "online", "1");
	assert_int_equal(lookup(fx, 3, 0, &info), XB_VIF_PRESENT);
	assert_true(info.online);
}

static void test_script_values(void **state)
{
	static const struct {
		const char *value;
		bool marked;
	} cases[] = {
		{ XB_MARK_SCRIPT, true },
		{ "/etc/xen/scripts/" XB_MARK_SCRIPT, true },
		{ "scripts/" XB_MARK_SCRIPT, true },
		{ "/" XB_MARK_SCRIPT, true },
		{ "vif-bridge", false },
		{ "/etc/xen/scripts/vif-bridge", false },
		{ "/etc/xen/scripts/" XB_MARK_SCRIPT ".sh", false },
		{ "/etc/xen/scripts/" XB_MARK_SCRIPT "/", false },
		{ XB_MARK_SCRIPT "/vif-bridge", false },
		{ "my" XB_MARK_SCRIPT, false },
		{ XB_MARK_SCRIPT " ", false },
		{ " " XB_MARK_SCRIPT, false },
		{ "", false },
		{ "/", false },
		/* A path too long for discovery to read is malformed, whatever it ends with. */
		{ long_value, false },
	};
	struct fake_xs *fx = *state;
	struct xb_vif_info info;
	unsigned int i;

	toolstack_add(fx, 3, 0);
	for (i = 0; i < DIM(cases); i++) {
		print_message("script \"%.40s\"\n", cases[i].value);
		be_set(fx, 3, 0, "script", cases[i].value);
		assert_int_equal(lookup(fx, 3, 0, &info), XB_VIF_PRESENT);
		assert_int_equal(info.script_marked, cases[i].marked);
		assert_true(info.online);
	}
	be_del(fx, 3, 0, "script");
	assert_int_equal(lookup(fx, 3, 0, &info), XB_VIF_PRESENT);
	assert_false(info.script_marked);
}

static void test_mac_values(void **state)
{
	static const char *const bad[] = {
		"00:16:3e:00:00", "00:16:3e:00:00:01:", "00:16:3e:00:00:01:02", "00-16-3e-00-00-01",
		"0:16:3e:0:0:1", "00:16:3e:zz:00:01", "00:16:3e:00:00:0", " 00:16:3e:00:00:01",
		"00:16:3e:00:00:01 ", "", "001:16:3e:00:00:01", long_value,
	};
	const uint8_t zero[6] = { 0 };
	struct fake_xs *fx = *state;
	struct xb_vif_info info;
	unsigned int i;

	toolstack_add(fx, 3, 0);
	for (i = 0; i < DIM(bad); i++) {
		print_message("mac \"%.20s\"\n", bad[i]);
		be_set(fx, 3, 0, "mac", bad[i]);
		assert_int_equal(lookup(fx, 3, 0, &info), XB_VIF_PRESENT);
		assert_false(info.mac_valid);
		assert_memory_equal(info.mac, zero, 6);
		assert_true(info.online);
	}
	be_del(fx, 3, 0, "mac");
	assert_int_equal(lookup(fx, 3, 0, &info), XB_VIF_PRESENT);
	assert_false(info.mac_valid);
	be_set(fx, 3, 0, "mac", "AA:bb:0C:dd:EE:ff");
	assert_int_equal(lookup(fx, 3, 0, &info), XB_VIF_PRESENT);
	assert_true(info.mac_valid);
	assert_int_equal(info.mac[0], 0xaa);
	assert_int_equal(info.mac[5], 0xff);
}

static void test_state_values(void **state)
{
	static const char *const bad[] = {
		"9", "10", "4294967296", "99999999999999999999", "-1", "+2", " 2", "2 ", "", "x",
		"0x2", "2\n", long_value,
	};
	struct fake_xs *fx = *state;
	struct xb_vif_info info;
	unsigned int i;
	char v[4];

	toolstack_add(fx, 3, 0);
	for (i = XB_STATE_UNKNOWN; i <= XB_STATE_RECONFIGURED; i++) {
		snprintf(v, sizeof(v), "%u", i);
		be_set(fx, 3, 0, "state", v);
		assert_int_equal(lookup(fx, 3, 0, &info), XB_VIF_PRESENT);
		assert_int_equal(info.state, i);
	}
	for (i = 0; i < DIM(bad); i++) {
		print_message("state \"%.20s\"\n", bad[i]);
		be_set(fx, 3, 0, "state", bad[i]);
		assert_int_equal(lookup(fx, 3, 0, &info), XB_VIF_PRESENT);
		assert_int_equal(info.state, XB_STATE_UNKNOWN);
	}
	be_del(fx, 3, 0, "state");
	assert_int_equal(lookup(fx, 3, 0, &info), XB_VIF_PRESENT);
	assert_int_equal(info.state, XB_STATE_UNKNOWN);
}

/* A vif dir with none of the keys (being written, or broken): present, nothing valid. */
static void test_lookup_bare_directory(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif_info info;

	be_set(fx, 3, 0, "", "");
	assert_int_equal(lookup(fx, 3, 0, &info), XB_VIF_PRESENT);
	assert_false(info.online);
	assert_false(info.script_marked);
	assert_false(info.mac_valid);
	assert_int_equal(info.state, XB_STATE_UNKNOWN);
	/* An over-long value on the directory node itself does not hide the vif. */
	be_set(fx, 3, 0, "", long_value);
	assert_int_equal(lookup(fx, 3, 0, &info), XB_VIF_PRESENT);
}

/* Any read that fails for another reason than ENOENT: unknown, never absent. */
static void test_lookup_read_fails(void **state)
{
	static const char *const where[] = {
		XB_BACKEND_VIF_DIR, XB_BACKEND_VIF_DIR "/4", XB_BACKEND_VIF_DIR "/4/1",
		XB_BACKEND_VIF_DIR "/4/1/online", XB_BACKEND_VIF_DIR "/4/1/script",
		XB_BACKEND_VIF_DIR "/4/1/mac", XB_BACKEND_VIF_DIR "/4/1/state",
	};
	static const int errs[] = { -EIO, -EACCES, -EAGAIN, -ENOMEM, -EINVAL };
	struct fake_xs *fx = *state;
	struct xb_vif_info info;
	unsigned int i, j;

	toolstack_add(fx, 4, 1);
	for (i = 0; i < DIM(where); i++) {
		for (j = 0; j < DIM(errs); j++) {
			snprintf(fx->fail_path, sizeof(fx->fail_path), "%s", where[i]);
			fx->fail_err = errs[j];
			assert_int_equal(lookup(fx, 4, 1, &info), XB_VIF_UNKNOWN);
			assert_int_equal(info.id.domid, 4);
			assert_int_equal(info.id.devid, 1);
			assert_false(info.online);
		}
	}
	/* A vif that does not exist at all, below a failing directory: unknown too. */
	snprintf(fx->fail_path, sizeof(fx->fail_path), "%s", XB_BACKEND_VIF_DIR "/9");
	fx->fail_err = -EIO;
	assert_int_equal(lookup(fx, 9, 0, &info), XB_VIF_UNKNOWN);
	/* The failure elsewhere: the vif reads as it is. */
	assert_int_equal(lookup(fx, 4, 1, &info), XB_VIF_PRESENT);
	assert_true(info.online);
	/* The vif is removed: absent. */
	fx->fail_err = 0;
	fxs_rm(fx, XB_BACKEND_VIF_DIR "/4/1");
	assert_int_equal(lookup(fx, 4, 1, &info), XB_VIF_ABSENT);
}

/* The bridge key (xl's bridge=): names a Linux bridge could have; everything else refused,
 * the name left empty, whatever bytes the toolstack (or whoever could write it) put there. */
static void test_bridge_values(void **state)
{
	static const char *const good[] = {
		"xenbr0", "br-ext", "br0.100", "virbr_0", "B", "123456789012345", "...", "a..b",
	};
	static const char *const bad[] = {
		"", ".", "..", "1234567890123456", "br 0", " br0", "br0 ", "br0\n", "br/0", "br:0",
		"br\t0", "br\"0", "br\\0", "br%s", "br\x01", "br\x7f", "xenbr\xc3\xa9", "\xff",
		"br0;rm -rf /", long_value,
	};
	char name[XB_IFNAME_MAX + 1];
	struct fake_xs *fx = *state;
	unsigned int i;

	toolstack_add(fx, 6, 0);
	assert_int_equal(xb_discover_read_bridge(&fx->base, 6, 0, name), XB_BRIDGE_NONE);
	assert_string_equal(name, "");
	for (i = 0; i < DIM(good); i++) {
		be_set(fx, 6, 0, "bridge", good[i]);
		assert_int_equal(xb_parse_ifname(good[i]), 0);
		assert_int_equal(xb_discover_read_bridge(&fx->base, 6, 0, name), XB_BRIDGE_NAMED);
		assert_string_equal(name, good[i]);
	}
	for (i = 0; i < DIM(bad); i++) {
		print_message("bridge \"%.20s\"\n", bad[i]);
		be_set(fx, 6, 0, "bridge", bad[i]);
		assert_int_equal(xb_parse_ifname(bad[i]), -EINVAL);
		memset(name, 'x', sizeof(name));
		assert_int_equal(xb_discover_read_bridge(&fx->base, 6, 0, name),
				 XB_BRIDGE_MALFORMED);
		assert_string_equal(name, "");
	}
	assert_int_equal(xb_parse_ifname(NULL), -EINVAL);
	/* xenstore cannot answer: an error to ask again with, never "no key" */
	snprintf(fx->fail_path, sizeof(fx->fail_path), "%s", XB_BACKEND_VIF_DIR "/6/0/bridge");
	fx->fail_err = -EIO;
	assert_int_equal(xb_discover_read_bridge(&fx->base, 6, 0, name), -EIO);
	fx->fail_err = 0;
	be_del(fx, 6, 0, "bridge");
	assert_int_equal(xb_discover_read_bridge(&fx->base, 6, 0, name), XB_BRIDGE_NONE);
}

/* The domain's name (xl's name=), by which options may name its vifs: names as admins write
 * them taken, everything else (or none) read as "" (the domain is named by its id then), a
 * read that fails an error to ask again with. */
static void test_domain_name_values(void **state)
{
	static const char *const good[] = {
		"web1", "db-primary", "guest_2.example", "a", "1a", "0x10",
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk", /* 63 */
	};
	static const char *const bad[] = {
		"", "5", "00", "32768", "web 1", "web/1", "web=1", "web,1", "web:1", "web\n",
		"w\xc3\xa9" "b", "web\x01",
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl", /* 64 */
		long_value,
	};
	char name[XB_DOMAIN_NAME_MAX + 1];
	struct fake_xs *fx = *state;
	unsigned int i;

	assert_int_equal(xb_discover_read_domain_name(&fx->base, 6, name), 0);
	assert_string_equal(name, "");
	for (i = 0; i < DIM(good); i++) {
		fxs_write(fx, "/local/domain/6/name", good[i]);
		assert_int_equal(xb_parse_domain_name(good[i]), 0);
		assert_int_equal(xb_discover_read_domain_name(&fx->base, 6, name), 0);
		assert_string_equal(name, good[i]);
	}
	for (i = 0; i < DIM(bad); i++) {
		print_message("name \"%.20s\"\n", bad[i]);
		fxs_write(fx, "/local/domain/6/name", bad[i]);
		assert_int_equal(xb_parse_domain_name(bad[i]), -EINVAL);
		memset(name, 'x', sizeof(name));
		assert_int_equal(xb_discover_read_domain_name(&fx->base, 6, name), 0);
		assert_string_equal(name, "");
	}
	assert_int_equal(xb_parse_domain_name(NULL), -EINVAL);
	snprintf(fx->fail_path, sizeof(fx->fail_path), "%s", "/local/domain/6/name");
	fx->fail_err = -EIO;
	assert_int_equal(xb_discover_read_domain_name(&fx->base, 6, name), -EIO);
	fx->fail_err = 0;
}

/* The emulated NIC's tap name: the same rule as `bridge`, under its own key. */
static void test_emu_tap_values(void **state)
{
	char name[XB_IFNAME_MAX + 1];
	struct fake_xs *fx = *state;

	toolstack_add(fx, 6, 0);
	assert_int_equal(xb_discover_read_emu_tap(&fx->base, 6, 0, name), XB_BRIDGE_NONE);
	be_set(fx, 6, 0, XB_EMU_TAP_KEY, "vif6.0-emu");
	assert_int_equal(xb_discover_read_emu_tap(&fx->base, 6, 0, name), XB_BRIDGE_NAMED);
	assert_string_equal(name, "vif6.0-emu");
	/* the bridge key is not this one */
	assert_int_equal(xb_discover_read_bridge(&fx->base, 6, 0, name), XB_BRIDGE_NONE);
	be_set(fx, 6, 0, XB_EMU_TAP_KEY, "vif6.0-emu; reboot");
	assert_int_equal(xb_discover_read_emu_tap(&fx->base, 6, 0, name), XB_BRIDGE_MALFORMED);
	assert_string_equal(name, "");
	be_set(fx, 6, 0, XB_EMU_TAP_KEY, "a-tap-name-of-16");
	assert_int_equal(xb_discover_read_emu_tap(&fx->base, 6, 0, name), XB_BRIDGE_MALFORMED);
	snprintf(fx->fail_path, sizeof(fx->fail_path), "%s",
		 XB_BACKEND_VIF_DIR "/6/0/" XB_EMU_TAP_KEY);
	fx->fail_err = -EIO;
	assert_int_equal(xb_discover_read_emu_tap(&fx->base, 6, 0, name), -EIO);
	fx->fail_err = 0;
	be_del(fx, 6, 0, XB_EMU_TAP_KEY);
	assert_int_equal(xb_discover_read_emu_tap(&fx->base, 6, 0, name), XB_BRIDGE_NONE);
}

/* ---- scans --------------------------------------------------------------------------------- */

static bool listed(const struct xb_vif_id *ids, int nb, unsigned int domid, unsigned int devid)
{
	for (int i = 0; i < nb; i++)
		if (ids[i].domid == domid && ids[i].devid == devid)
			return true;
	return false;
}

static void test_scan_hostile_names(void **state)
{
	static const char *const junk_doms[] = {
		"01", "+2", "-3", " 4", "4 ", "0x5", "99999999999", "32752", "65536", "abc", "",
		"4294967297", "007",
	};
	static const char *const junk_devs[] = {
		"65536", "007", "-1", "+1", "a", " 2", "2 ", "99999999999999999999", "0x1",
	};
	struct fake_xs *fx = *state;
	struct xb_vif_id ids[32];
	char dir[FXS_PATH_MAX];
	unsigned int i;
	bool partial;
	int nb;

	toolstack_add(fx, 1, 0);
	toolstack_add(fx, 1, 65535);
	toolstack_add(fx, XB_DOMID_MAX, 7);
	toolstack_add(fx, 0, 0); /* dom0's own: not listed */
	for (i = 0; i < DIM(junk_doms); i++)
		if (junk_doms[i][0] != '\0')
			mkdir_at(fx, XB_BACKEND_VIF_DIR, junk_doms[i]);
	mkdir_at(fx, XB_BACKEND_VIF_DIR "/01", "0");
	snprintf(dir, sizeof(dir), XB_BACKEND_VIF_DIR "/1");
	for (i = 0; i < DIM(junk_devs); i++)
		mkdir_at(fx, dir, junk_devs[i]);
	nb = xb_discover_scan(&fx->base, ids, DIM(ids), &partial);
	assert_int_equal(nb, 3);
	assert_false(partial);
	assert_true(listed(ids, nb, 1, 0));
	assert_true(listed(ids, nb, 1, 65535));
	assert_true(listed(ids, nb, XB_DOMID_MAX, 7));

	nb = xb_discover_scan_domain(&fx->base, 1, ids, DIM(ids), &partial);
	assert_int_equal(nb, 2);
	assert_false(partial);
	assert_int_equal(xb_discover_scan_domain(&fx->base, 0, ids, DIM(ids), NULL), -EINVAL);
	assert_int_equal(xb_discover_scan_domain(&fx->base, 0x7ff0, ids, DIM(ids), NULL),
		-EINVAL);
	/* A domain without a directory: nothing, and no error. */
	assert_int_equal(xb_discover_scan_domain(&fx->base, 77, ids, DIM(ids), &partial), 0);
}

static void test_scan_empty_and_missing(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif_id ids[4];
	bool partial = true;

	/* No backend/vif directory at all: no vifs, known. */
	assert_int_equal(xb_discover_scan(&fx->base, ids, DIM(ids), &partial), 0);
	assert_false(partial);
	fxs_write(fx, XB_BACKEND_VIF_DIR, "");
	assert_int_equal(xb_discover_scan(&fx->base, ids, DIM(ids), &partial), 0);
	mkdir_at(fx, XB_BACKEND_VIF_DIR, "3"); /* a domain with no vif */
	assert_int_equal(xb_discover_scan(&fx->base, ids, DIM(ids), &partial), 0);
	assert_false(partial);
	assert_int_equal(xb_discover_scan(&fx->base, ids, 0, NULL), 0);
}

/* A listing that fails is not an empty directory. */
static void test_scan_read_fails(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif_id ids[8];
	bool partial = false;
	int nb;

	toolstack_add(fx, 2, 0);
	toolstack_add(fx, 3, 0);
	toolstack_add(fx, 3, 1);
	snprintf(fx->fail_path, sizeof(fx->fail_path), XB_BACKEND_VIF_DIR);
	fx->fail_err = -EIO;
	assert_int_equal(xb_discover_scan(&fx->base, ids, DIM(ids), &partial), -EIO);
	fx->fail_err = -EACCES;
	assert_int_equal(xb_discover_scan(&fx->base, ids, DIM(ids), &partial), -EACCES);

	/* One domain's listing fails: the others are listed, the answer is partial. */
	snprintf(fx->fail_path, sizeof(fx->fail_path), XB_BACKEND_VIF_DIR "/3");
	fx->fail_err = -EIO;
	nb = xb_discover_scan(&fx->base, ids, DIM(ids), &partial);
	assert_int_equal(nb, 1);
	assert_true(partial);
	assert_true(listed(ids, nb, 2, 0));
	assert_int_equal(xb_discover_scan_domain(&fx->base, 3, ids, DIM(ids), NULL), -EIO);
	fx->fail_err = 0;
	nb = xb_discover_scan(&fx->base, ids, DIM(ids), &partial);
	assert_int_equal(nb, 3);
	assert_false(partial);
}

static void test_scan_many_domains(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif_id *ids = calloc(XB_DISCOVER_MAX_DOMAINS + 1, sizeof(*ids));
	char name[16];
	unsigned int i;
	bool partial;
	int nb;

	assert_non_null(ids);
	/* 300 domains, one vif each: all listed. */
	for (i = 1; i <= 300; i++)
		be_set(fx, i, 0, "online", "1");
	nb = xb_discover_scan(&fx->base, ids, XB_DISCOVER_MAX_DOMAINS, &partial);
	assert_int_equal(nb, 300);
	assert_false(partial);
	/* The caller's bound: ten stored, the answer partial. */
	nb = xb_discover_scan(&fx->base, ids, 10, &partial);
	assert_int_equal(nb, 10);
	assert_true(partial);
	/* One domain over the bound: the top listing refuses rather than read them all. */
	fxs_init(fx);
	for (i = 1; i <= XB_DISCOVER_MAX_DOMAINS + 1; i++) {
		snprintf(name, sizeof(name), "%u", i);
		mkdir_at(fx, XB_BACKEND_VIF_DIR, name);
	}
	assert_int_equal(xb_discover_scan(&fx->base, ids, XB_DISCOVER_MAX_DOMAINS + 1, NULL),
		-EOVERFLOW);
	/* Exactly the bound is fine. */
	fxs_rm(fx, XB_BACKEND_VIF_DIR "/1");
	assert_int_equal(xb_discover_scan(&fx->base, ids, XB_DISCOVER_MAX_DOMAINS, NULL), 0);
	free(ids);
}

static void test_scan_many_devices_and_long_names(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif_id ids[XB_DISCOVER_MAX_DEVS + 1];
	char name[160];
	unsigned int i;
	bool partial;

	for (i = 0; i < XB_DISCOVER_MAX_DEVS; i++)
		be_set(fx, 6, i, "online", "1");
	assert_int_equal(xb_discover_scan_domain(&fx->base, 6, ids, DIM(ids), &partial),
		XB_DISCOVER_MAX_DEVS);
	be_set(fx, 6, XB_DISCOVER_MAX_DEVS, "online", "1");
	assert_int_equal(xb_discover_scan_domain(&fx->base, 6, ids, DIM(ids), &partial),
		-EOVERFLOW);
	/* Over the bound in one domain: the scan lists the others and says it is partial. */
	be_set(fx, 7, 0, "online", "1");
	assert_int_equal(xb_discover_scan(&fx->base, ids, DIM(ids), &partial), 1);
	assert_true(partial);

	/* Few names, but long: the listing does not fit its buffer and fails the same way. */
	fxs_init(fx);
	memset(name, 'a', sizeof(name));
	for (i = 0; i < 10; i++) {
		snprintf(name + 100, sizeof(name) - 100, "%u", i);
		mkdir_at(fx, XB_BACKEND_VIF_DIR "/8", name);
	}
	assert_int_equal(xb_discover_scan_domain(&fx->base, 8, ids, DIM(ids), NULL),
		-EOVERFLOW);
}

/* ---- watch events ------------------------------------------------------------------------- */

static void test_classify(void **state)
{
	static const struct {
		const char *path;
		enum xb_discover_what what;
		unsigned int domid, devid;
	} cases[] = {
		{ XB_BACKEND_VIF_DIR, XB_DISCOVER_ALL, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/5", XB_DISCOVER_DOMAIN, 5, 0 },
		{ XB_BACKEND_VIF_DIR "/5/0", XB_DISCOVER_VIF, 5, 0 },
		{ XB_BACKEND_VIF_DIR "/5/3/online", XB_DISCOVER_VIF, 5, 3 },
		{ XB_BACKEND_VIF_DIR "/5/3/script", XB_DISCOVER_VIF, 5, 3 },
		{ XB_BACKEND_VIF_DIR "/5/3/mac", XB_DISCOVER_VIF, 5, 3 },
		{ XB_BACKEND_VIF_DIR "/5/3/" XB_EMU_TAP_KEY, XB_DISCOVER_VIF, 5, 3 },
		{ XB_BACKEND_VIF_DIR "/5/3/" XB_EMU_TAP_KEY "/x", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/32751/65535/state", XB_DISCOVER_VIF_STATE, 32751, 65535 },
		{ XB_BACKEND_VIF_DIR "/5/3/error", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/5/3/hotplug-status", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/5/3/feature-sg", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/5/3/online/x", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/5/3/state/", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/5/3/", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/5/3/onlinex", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/5/", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "//0", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "x", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "2/5/0", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/0/0/online", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/0", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/32752/0", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/05/0", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/+5/0", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/-5/0", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/ 5/0", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/5/00", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/5/65536/online", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/5/99999999999999999999", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/99999999999999999999", XB_DISCOVER_IGNORE, 0, 0 },
		{ XB_BACKEND_VIF_DIR "/5/a", XB_DISCOVER_IGNORE, 0, 0 },
		{ "/local/domain/0/backend", XB_DISCOVER_IGNORE, 0, 0 },
		{ "/local/domain/0/backend/vbd/5/0", XB_DISCOVER_IGNORE, 0, 0 },
		{ "/local/domain/5/device/vif/0/state", XB_DISCOVER_IGNORE, 0, 0 },
		{ "", XB_DISCOVER_IGNORE, 0, 0 },
		{ NULL, XB_DISCOVER_IGNORE, 0, 0 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < DIM(cases); i++) {
		struct xb_vif_id id = { .domid = 1111, .devid = 2222 };
		enum xb_discover_what what = xb_discover_classify(cases[i].path, &id);

		print_message("%s\n", cases[i].path != NULL ? cases[i].path : "(null)");
		assert_int_equal(what, cases[i].what);
		if (what == XB_DISCOVER_DOMAIN || what == XB_DISCOVER_VIF ||
		    what == XB_DISCOVER_VIF_STATE) {
			assert_int_equal(id.domid, cases[i].domid);
			if (what != XB_DISCOVER_DOMAIN)
				assert_int_equal(id.devid, cases[i].devid);
		}
	}
}

/* The watch through the ops table: its first firing, then a toolstack adding a vif. */
static void test_watch_events(void **state)
{
	struct fake_xs *fx = *state;
	struct xb_vif_id id;
	unsigned int i, vif = 0, ignored = 0;

	assert_int_equal(xb_discover_watch(&fx->base, "dnb-vifs"), 0);
	assert_int_equal(fx->nb_watches, 1);
	assert_int_equal(fx->nb_events, 1);
	assert_int_equal(xb_discover_classify(fx->events[0], &id), XB_DISCOVER_ALL);
	fx->nb_events = 0;
	toolstack_add(fx, 9, 1);
	be_set(fx, 9, 1, "feature-sg", "1");
	be_set(fx, 9, 1, "hotplug-status", "connected");
	for (i = 0; i < fx->nb_events; i++) {
		enum xb_discover_what what = xb_discover_classify(fx->events[i], &id);

		if (what == XB_DISCOVER_IGNORE) {
			ignored++;
			continue;
		}
		assert_int_equal(id.domid, 9);
		vif += what == XB_DISCOVER_VIF;
	}
	assert_int_equal(vif, 3);     /* online, mac, script */
	assert_int_equal(ignored, 3); /* frontend-id, feature-sg, hotplug-status */
	/* Removing the domain's directory names the domain. */
	fx->nb_events = 0;
	fxs_rm(fx, XB_BACKEND_VIF_DIR "/9");
	assert_int_equal(fx->nb_events, 1);
	assert_int_equal(xb_discover_classify(fx->events[0], &id), XB_DISCOVER_DOMAIN);
	assert_int_equal(id.domid, 9);
	assert_int_equal(xb_discover_unwatch(&fx->base, "dnb-vifs"), 0);
	assert_int_equal(fx->nb_watches, 0);
}

/* Every case on a fresh fake store. */
#define CASE(t) cmocka_unit_test_setup_teardown(t, fxs_test_setup, fxs_test_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_lookup_good_vif),
		CASE(test_lookup_ids_never_served),
		CASE(test_online_values),
		CASE(test_script_values),
		CASE(test_mac_values),
		CASE(test_state_values),
		CASE(test_lookup_bare_directory),
		CASE(test_lookup_read_fails),
		CASE(test_bridge_values),
		CASE(test_domain_name_values),
		CASE(test_emu_tap_values),
		CASE(test_scan_hostile_names),
		CASE(test_scan_empty_and_missing),
		CASE(test_scan_read_fails),
		CASE(test_scan_many_domains),
		CASE(test_scan_many_devices_and_long_names),
		CASE(test_classify),
		CASE(test_watch_events),
	};

	return cmocka_run_group_tests_name("xb_discover", tests, NULL, NULL);
}
