/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/xenbus through the production client (libxenstore, xb_xs_libxenstore.c) against the
 * test bed's dnb-xenstored: a toolstack writes the device, a guest connection (with its own
 * domain's permissions) plays netfront, and xb is driven by real watch events on the fd.
 * Vif discovery lists and watches the backend directory through the same client.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <xenstore.h>

#include "xb.h"

#define GUEST 5
#define BE "/local/domain/0/backend/vif/5/0"
#define FE "/local/domain/5/device/vif/0"
#define ERR "/local/domain/0/error/backend/vif/5/0/error"

static char dir[64], sock_dom0[128], sock_guest[128], guest_arg[160], log_path[128];
static pid_t daemon_pid = -1;

static bool connectable(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static int start_daemon(void **state)
{
	const char *exe = getenv("DNB_XENSTORED");
	int i;

	(void)state;
	if (exe == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "/tmp/test_xb_xsd.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(sock_dom0, sizeof(sock_dom0), "%s/xs.sock", dir);
	snprintf(sock_guest, sizeof(sock_guest), "%s/xs-dom%d.sock", dir, GUEST);
	snprintf(guest_arg, sizeof(guest_arg), "%d:%s", GUEST, sock_guest);
	snprintf(log_path, sizeof(log_path), "%s/xenstored.log", dir);
	daemon_pid = fork();
	if (daemon_pid == 0) {
		execl(exe, exe, "--socket", sock_dom0, "--domain-socket", guest_arg, "--log",
		      log_path, (char *)NULL);
		_exit(127);
	}
	if (daemon_pid < 0)
		return -1;
	for (i = 0; i < 500; i++) {
		if (connectable(sock_dom0) && connectable(sock_guest))
			return 0;
		usleep(10000);
	}
	return -1;
}

static int stop_daemon(void **state)
{
	int status;

	(void)state;
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, &status, 0);
	}
	unlink(log_path);
	rmdir(dir);
	return 0;
}

static struct xs_handle *open_as(const char *sock)
{
	struct xs_handle *h;

	setenv("XENSTORED_PATH", sock, 1);
	h = xs_open(0);
	assert_non_null(h);
	return h;
}

static void put(struct xs_handle *h, const char *path, const char *value)
{
	assert_true(xs_write(h, XBT_NULL, path, value, (unsigned int)strlen(value)));
}

static void assert_value(struct xs_handle *h, const char *path, const char *expect)
{
	unsigned int len;
	char *v = xs_read(h, XBT_NULL, path, &len);

	assert_non_null(v);
	assert_string_equal(v, expect);
	free(v);
}

/* libxl: backend dir owned by dom0 and readable by the guest; frontend dir owned by it. */
static void toolstack_add(struct xs_handle *ts)
{
	struct xs_permissions be_perms[] = { { 0, XS_PERM_NONE }, { GUEST, XS_PERM_READ } };
	struct xs_permissions fe_perms[] = { { GUEST, XS_PERM_NONE }, { 0, XS_PERM_READ } };

	put(ts, BE "/frontend", FE);
	put(ts, BE "/frontend-id", "5");
	put(ts, BE "/online", "1");
	put(ts, BE "/state", "1");
	put(ts, BE "/mac", "00:16:3e:05:00:01");
	assert_true(xs_set_permissions(ts, XBT_NULL, BE, be_perms, 2));
	put(ts, FE "/backend", BE);
	put(ts, FE "/backend-id", "0");
	put(ts, FE "/state", "1");
	assert_true(xs_set_permissions(ts, XBT_NULL, FE, fe_perms, 2));
	assert_true(xs_set_permissions(ts, XBT_NULL, FE "/state", fe_perms, 2));
}

/* netfront's talk_to_netback: two queues, split event channels, in one transaction. */
static void guest_write_keys(struct xs_handle *g)
{
	static const char *const kv[][2] = {
		{ FE "/request-rx-copy", "1" }, { FE "/feature-rx-notify", "1" },
		{ FE "/feature-sg", "1" }, { FE "/multi-queue-num-queues", "2" },
		{ FE "/queue-0/tx-ring-ref", "8" }, { FE "/queue-0/rx-ring-ref", "9" },
		{ FE "/queue-0/event-channel-tx", "3" }, { FE "/queue-0/event-channel-rx", "4" },
		{ FE "/queue-1/tx-ring-ref", "10" }, { FE "/queue-1/rx-ring-ref", "11" },
		{ FE "/queue-1/event-channel-tx", "5" }, { FE "/queue-1/event-channel-rx", "6" },
	};
	xs_transaction_t t = xs_transaction_start(g);
	unsigned int i;

	assert_true(t != XBT_NULL);
	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		assert_true(xs_write(g, t, kv[i][0], kv[i][1], (unsigned int)strlen(kv[i][1])));
	assert_true(xs_transaction_end(g, t, false));
}

/* Wait (bounded) for the next watch event and feed it to the vif: its answer in @p ev. */
static void next_event(struct xb_xs *xs, struct xb_vif *vif, struct xb_event *ev)
{
	struct pollfd pfd = { .fd = xb_xs_libxenstore_fd(xs), .events = POLLIN };
	char path[XB_PATH_MAX], token[32];
	int ret;

	assert_true(pfd.fd >= 0);
	while ((ret = xb_xs_libxenstore_next_watch(xs, path, sizeof(path), token,
						   sizeof(token))) == -EAGAIN)
		assert_true(poll(&pfd, 1, 2000) > 0);
	assert_int_equal(ret, 0);
	assert_string_equal(token, "vif5.0");
	assert_int_equal(xb_vif_on_watch(vif, path, ev), 0);
}

/* Feed watch events to the vif until it reports @p want. */
static struct xb_event wait_event(struct xb_xs *xs, struct xb_vif *vif, enum xb_event_type want)
{
	struct xb_event ev = { .type = XB_EV_NONE };
	int i;

	for (i = 0; i < 100 && ev.type != want; i++)
		next_event(xs, vif, &ev);
	assert_int_equal(ev.type, want);
	return ev;
}

/* Feed watch events to the vif (none an event for the caller) until it is in @p want. */
static void wait_state(struct xb_xs *xs, struct xb_vif *vif, enum xb_state want)
{
	struct xb_event ev;
	int i;

	for (i = 0; i < 100 && xb_vif_state(vif) != want; i++) {
		next_event(xs, vif, &ev);
		assert_int_equal(ev.type, XB_EV_NONE);
	}
	assert_int_equal(xb_vif_state(vif), want);
}

/* #15: netfront attaching an XDP program, through the daemon and its permissions. */
static void xdp_headroom_via_daemon(struct xs_handle *ts, struct xs_handle *g, struct xb_xs *xs,
		struct xb_vif *vif)
{
	struct xb_event ev;

	assert_value(g, BE "/feature-xdp-headroom", "1"); /* the guest can read the offer */
	put(g, FE "/xdp-headroom", "256");
	put(g, FE "/state", "7");
	ev = wait_event(xs, vif, XB_EV_HEADROOM);
	assert_false(ev.detach);
	assert_int_equal(ev.conf->xdp_headroom, 256);
	assert_value(ts, BE "/state", "8");
	put(g, FE "/state", "4");
	wait_state(xs, vif, XB_STATE_CONNECTED);
	assert_value(ts, BE "/state", "4");
}

static void test_handshake_via_daemon(void **state)
{
	const struct xb_backend_features feat = { .sg = true, .gso_tcpv4 = true, .max_queues = 4 };
	struct xs_handle *ts, *g;
	struct xb_xs *xs;
	struct xb_vif *vif;
	struct xb_event ev;
	unsigned int len;

	(void)state;
	ts = open_as(sock_dom0);
	xs = xb_xs_libxenstore_open();
	assert_non_null(xs);
	toolstack_add(ts);

	vif = xb_vif_create(xs, GUEST, 0, &feat);
	assert_non_null(vif);
	assert_value(ts, BE "/state", "2");
	assert_value(ts, BE "/feature-rx-copy", "1");
	assert_value(ts, BE "/multi-queue-max-queues", "4");
	assert_int_equal(xb_vif_watch(vif, "vif5.0"), 0);

	g = open_as(sock_guest);
	/* The guest can read the backend's features but not write the backend's keys. */
	assert_value(g, BE "/feature-split-event-channels", "1");
	assert_false(xs_write(g, XBT_NULL, BE "/state", "4", 1));
	guest_write_keys(g);
	put(g, FE "/state", "4");

	ev = wait_event(xs, vif, XB_EV_CONNECT);
	assert_int_equal(ev.conf->nb_queues, 2);
	assert_int_equal(ev.conf->queues[1].tx_ring_ref, 10);
	assert_int_equal(ev.conf->queues[1].evtchn_rx, 6);
	assert_true(ev.conf->queues[0].split_evtchn);
	assert_int_equal(ev.conf->mac[5], 1);
	assert_int_equal(xb_vif_connected(vif), 0);
	assert_int_equal(xb_vif_set_hotplug_status(vif, "connected"), 0);
	assert_value(ts, BE "/state", "4");
	assert_value(ts, BE "/hotplug-status", "connected");

	/* Guest shuts its driver down. */
	put(g, FE "/state", "5");
	ev = wait_event(xs, vif, XB_EV_DISCONNECT);
	assert_true(ev.detach);
	assert_value(ts, BE "/state", "5");
	put(g, FE "/state", "6");
	put(g, FE "/state", "1");
	put(g, FE "/state", "4");
	ev = wait_event(xs, vif, XB_EV_CONNECT);
	assert_int_equal(xb_vif_connected(vif), 0);
	assert_value(ts, BE "/state", "4");
	xdp_headroom_via_daemon(ts, g, xs, vif);

	/* A bad state from the guest: refused with an error node, through the daemon too. */
	put(g, FE "/state", "9");
	ev = wait_event(xs, vif, XB_EV_FATAL);
	assert_true(ev.detach);
	assert_value(ts, BE "/state", "5");
	assert_value(ts, ERR, "22 saw state 9 (Invalid) at frontend");
	assert_string_equal(xb_vif_error_path(vif), ERR);
	/* dom0's error/ tree, not the backend directory the guest can read. */
	assert_null(xs_read(ts, XBT_NULL, BE "/error", &len));
	assert_null(xs_read(g, XBT_NULL, ERR, &len));
	assert_int_equal(errno, EACCES);

	xb_vif_destroy(vif);
	assert_value(ts, BE "/state", "6");
	assert_value(ts, BE "/frontend", FE);
	/* Released: its error directory and the domain's (left empty) are gone. */
	assert_null(xs_read(ts, XBT_NULL, "/local/domain/0/error/backend/vif/5", &len));
	xb_xs_libxenstore_close(xs);
	xs_close(g);
	xs_close(ts);
}

/* Wait for the next watch event on @p xs and classify it for discovery. */
static enum xb_discover_what next_discovery_event(struct xb_xs *xs, struct xb_vif_id *id)
{
	struct pollfd pfd = { .fd = xb_xs_libxenstore_fd(xs), .events = POLLIN };
	char path[XB_PATH_MAX], token[32];
	int ret, i;

	for (i = 0; i < 10; i++) {
		ret = xb_xs_libxenstore_next_watch(xs, path, sizeof(path), token, sizeof(token));
		if (ret == 0)
			break;
		assert_int_equal(ret, -EAGAIN);
		assert_true(poll(&pfd, 1, 2000) > 0);
	}
	assert_int_equal(ret, 0);
	assert_string_equal(token, "dnb-vifs");
	return xb_discover_classify(path, id);
}

/* Discovery through libxenstore's directory listing and watch, against the daemon. */
static void test_discovery_via_daemon(void **state)
{
	struct xs_handle *ts;
	struct xb_vif_info info;
	struct xb_vif_id ids[8], id;
	struct xb_xs *xs;
	bool partial;

	(void)state;
	ts = open_as(sock_dom0);
	xs = xb_xs_libxenstore_open();
	assert_non_null(xs);
	toolstack_add(ts);
	put(ts, BE "/script", "/etc/xen/scripts/" XB_MARK_SCRIPT);
	put(ts, "/local/domain/0/backend/vif/05", "");   /* not an id: not listed */
	assert_int_equal(xb_discover_scan(xs, ids, 8, &partial), 1);
	assert_false(partial);
	assert_int_equal(ids[0].domid, GUEST);
	assert_int_equal(ids[0].devid, 0);
	assert_int_equal(xb_discover_lookup(xs, GUEST, 0, &info), XB_VIF_PRESENT);
	assert_true(info.online && info.script_marked && info.mac_valid);

	assert_int_equal(xb_discover_watch(xs, "dnb-vifs"), 0);
	assert_int_equal(next_discovery_event(xs, &id), XB_DISCOVER_ALL);
	put(ts, BE "/online", "0");
	assert_int_equal(next_discovery_event(xs, &id), XB_DISCOVER_VIF);
	assert_int_equal(id.domid, GUEST);
	assert_int_equal(xb_discover_lookup(xs, GUEST, 0, &info), XB_VIF_PRESENT);
	assert_false(info.online);
	assert_true(xs_rm(ts, XBT_NULL, "/local/domain/0/backend/vif/5"));
	assert_int_equal(next_discovery_event(xs, &id), XB_DISCOVER_DOMAIN);
	assert_int_equal(xb_discover_lookup(xs, GUEST, 0, &info), XB_VIF_ABSENT);
	assert_int_equal(xb_discover_unwatch(xs, "dnb-vifs"), 0);
	xb_xs_libxenstore_close(xs);
	xs_close(ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_via_daemon),
		cmocka_unit_test(test_discovery_via_daemon),
	};

	return cmocka_run_group_tests_name("xb_xenstored", tests, start_daemon, stop_daemon);
}
