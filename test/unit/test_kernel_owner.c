/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * app/kernel_owner.c against sysfs trees built in a temporary directory: every state the
 * kernel's xen-backend bus goes through for one vif (no driver, not probed yet, bound,
 * unbound), a neighbouring vif's state not leaking into the answer, a root too long for a
 * path, and a tree lstat() cannot walk. No root, no Xen.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel_owner.h"

#define DOMID 7
#define DEVID 1

struct tree {
	char root[64];
};

/* mkdir -p ROOT/REL (REL relative, '/'-separated). */
static void make_dirs(const struct tree *t, const char *rel)
{
	char path[512];
	size_t n = (size_t)snprintf(path, sizeof(path), "%s/%s", t->root, rel);

	assert_true(n < sizeof(path));
	for (char *p = path + strlen(t->root) + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

/* ROOT/REL -> TARGET, as sysfs links a bound device to its driver. */
static void make_link(const struct tree *t, const char *rel, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static void driver_loaded(const struct tree *t)
{
	make_dirs(t, "bus/xen-backend/drivers/vif");
}

/* The kernel's xenbus created the device (and, with @p bound, xen-netback holds it). */
static void device_probed(const struct tree *t, unsigned int domid, unsigned int devid,
			  bool bound)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "bus/xen-backend/devices/vif-%u-%u", domid, devid);
	make_dirs(t, rel);
	if (bound) {
		strncat(rel, "/driver", sizeof(rel) - strlen(rel) - 1);
		make_link(t, rel, "../../drivers/vif");
	}
}

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	snprintf(t->root, sizeof(t->root), "/tmp/dnb-kowner.XXXXXX");
	assert_non_null(mkdtemp(t->root));
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;
	char cmd[128];

	/* The tree holds only directories and symlinks this test made. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	assert_int_equal(system(cmd), 0);
	free(t);
	return 0;
}

/* An empty sysfs (or one without xen-backend at all): no kernel netback, attach as before. */
static void test_no_driver(void **state)
{
	struct tree *t = *state;

	assert_int_equal(dnb_kernel_owner(t->root, DOMID, DEVID), DNB_KERNEL_ABSENT);
	/* A device node without the driver registered (driver unloaded): still ours. */
	device_probed(t, DOMID, DEVID, false);
	assert_int_equal(dnb_kernel_owner(t->root, DOMID, DEVID), DNB_KERNEL_ABSENT);
}

/* Driver loaded, device not created yet: the kernel is about to probe it. */
static void test_not_probed_yet(void **state)
{
	struct tree *t = *state;

	driver_loaded(t);
	assert_int_equal(dnb_kernel_owner(t->root, DOMID, DEVID), DNB_KERNEL_HOLDS);
}

/* The device's life beside the kernel: probed and bound, then unbound by the script. */
static void test_bound_then_unbound(void **state)
{
	struct tree *t = *state;
	char path[512];

	driver_loaded(t);
	device_probed(t, DOMID, DEVID, true);
	assert_int_equal(dnb_kernel_owner(t->root, DOMID, DEVID), DNB_KERNEL_HOLDS);
	snprintf(path, sizeof(path), "%s/bus/xen-backend/devices/vif-%u-%u/driver", t->root,
		 DOMID, DEVID);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(dnb_kernel_owner(t->root, DOMID, DEVID), DNB_KERNEL_RELEASED);
}

/* A dangling driver link still means bound: lstat, not stat. */
static void test_dangling_link_is_bound(void **state)
{
	struct tree *t = *state;
	char rel[128];

	driver_loaded(t);
	snprintf(rel, sizeof(rel), "bus/xen-backend/devices/vif-%u-%u", DOMID, DEVID);
	make_dirs(t, rel);
	strncat(rel, "/driver", sizeof(rel) - strlen(rel) - 1);
	make_link(t, rel, "../../drivers/no-such-driver");
	assert_int_equal(dnb_kernel_owner(t->root, DOMID, DEVID), DNB_KERNEL_HOLDS);
}

/* Other vifs' devices (another domain, another devid, a prefix of the name) say nothing
 * about this one. */
static void test_neighbours_do_not_count(void **state)
{
	struct tree *t = *state;

	driver_loaded(t);
	device_probed(t, DOMID, DEVID + 1, false);
	device_probed(t, DOMID + 1, DEVID, false);
	device_probed(t, DOMID * 10, DEVID, false); /* "vif-70-1" */
	assert_int_equal(dnb_kernel_owner(t->root, DOMID, DEVID), DNB_KERNEL_HOLDS);
	device_probed(t, DOMID, DEVID, false);
	assert_int_equal(dnb_kernel_owner(t->root, DOMID, DEVID), DNB_KERNEL_RELEASED);
	assert_int_equal(dnb_kernel_owner(t->root, DOMID, DEVID + 1), DNB_KERNEL_RELEASED);
	assert_int_equal(dnb_kernel_owner(t->root, DOMID + 2, DEVID), DNB_KERNEL_HOLDS);
}

/* Largest ids: formatted in full. */
static void test_large_ids(void **state)
{
	struct tree *t = *state;

	driver_loaded(t);
	device_probed(t, 0x7fef, 65535, false);
	assert_int_equal(dnb_kernel_owner(t->root, 0x7fef, 65535), DNB_KERNEL_RELEASED);
}

/* A root that leaves no room for the path: an error, never a truncated look-up. */
static void test_root_too_long(void **state)
{
	char root[400];

	(void)state;
	memset(root, 'a', sizeof(root) - 1);
	root[0] = '/';
	root[sizeof(root) - 1] = '\0';
	assert_int_equal(dnb_kernel_owner(root, DOMID, DEVID), -ENAMETOOLONG);
}

/* lstat() cannot tell (here ELOOP: "devices" is a link to itself): unknown, reported as an
 * error, never as "free". */
static void test_unreadable_tree(void **state)
{
	struct tree *t = *state;

	driver_loaded(t);
	make_link(t, "bus/xen-backend/devices", "devices");
	assert_int_equal(dnb_kernel_owner(t->root, DOMID, DEVID), -ELOOP);
}

/* dnb_kernel_take(): the device's name goes to the driver's bind file, in one write. */
static void test_take_writes_bind(void **state)
{
	struct tree *t = *state;
	char path[512], got[64] = "";
	FILE *f;

	assert_int_equal(dnb_kernel_take(t->root, DOMID, DEVID), -ENOENT); /* not loaded */
	driver_loaded(t);
	snprintf(path, sizeof(path), "%s/bus/xen-backend/drivers/vif/bind", t->root);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(dnb_kernel_take(t->root, DOMID, DEVID), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(got, sizeof(got), f));
	fclose(f);
	assert_string_equal(got, "vif-7-1");
	assert_int_equal(chmod(path, 0444), 0);
	if (geteuid() != 0) /* root writes a read-only file all the same */
		assert_int_equal(dnb_kernel_take(t->root, DOMID, DEVID), -EACCES);
	assert_int_equal(unlink(path), 0);
}

static void test_take_root_too_long(void **state)
{
	char root[300];

	(void)state;
	memset(root, 'x', sizeof(root) - 1);
	root[sizeof(root) - 1] = '\0';
	assert_int_equal(dnb_kernel_take(root, DOMID, DEVID), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_probed_yet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound_then_unbound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dangling_link_is_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_neighbours_do_not_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_take_writes_bind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_take_root_too_long, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
