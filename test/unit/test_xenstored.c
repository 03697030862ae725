/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_xenstored: dnb-xenstored (path in $DNB_XENSTORED) driven by the real libxenstore
 * through XENSTORED_PATH, plus raw wire messages for what a well-behaved client never
 * sends. One daemon for the whole group; each test uses its own part of the tree.
 * Guest domid 7 reaches the daemon through --domain-socket.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <xenstore.h>
#include <xen/io/xs_wire.h>

#define GUEST 7
/* Small on purpose: the slow-client test must cross it quickly. */
#define MAX_QUEUE 16384

static char dir[64];
static char sock_dom0[96], sock_guest[96], log_path[96]; /* < sun_path */
static pid_t daemon_pid;

static bool connectable(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bool ok;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static int start_daemon(void **state)
{
	const char *exe = getenv("DNB_XENSTORED");
	char guest_arg[160], queue_arg[32];
	int i;

	(void)state;
	if (exe == NULL) {
		fprintf(stderr, "DNB_XENSTORED is not set\n");
		return -1;
	}
	snprintf(dir, sizeof(dir), "/tmp/test_xenstored.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(sock_dom0, sizeof(sock_dom0), "%s/xs.sock", dir);
	snprintf(sock_guest, sizeof(sock_guest), "%s/xs-dom%d.sock", dir, GUEST);
	snprintf(log_path, sizeof(log_path), "%s/xenstored.log", dir);
	snprintf(guest_arg, sizeof(guest_arg), "%d:%s", GUEST, sock_guest);
	snprintf(queue_arg, sizeof(queue_arg), "%d", MAX_QUEUE);
	daemon_pid = fork();
	if (daemon_pid == 0) {
		execl(exe, exe, "--socket", sock_dom0, "--domain-socket", guest_arg, "--max-queue",
		      queue_arg, "--log", log_path, (char *)NULL);
		_exit(127);
	}
	if (daemon_pid < 0)
		return -1;
	for (i = 0; i < 500; i++) {
		if (connectable(sock_dom0) && connectable(sock_guest))
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "dnb-xenstored did not come up (log: %s)\n", log_path);
	return -1;
}

/* SIGTERM must stop it cleanly: exit status 0 and its sockets gone. */
static int stop_daemon(void **state)
{
	struct stat st;
	int status = -1, rc = 0;

	(void)state;
	if (daemon_pid <= 0)
		return -1;
	kill(daemon_pid, SIGTERM);
	if (waitpid(daemon_pid, &status, 0) != daemon_pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "dnb-xenstored did not exit cleanly (status %#x)\n", status);
		rc = -1;
	}
	if (stat(sock_dom0, &st) == 0 || stat(sock_guest, &st) == 0) {
		fprintf(stderr, "dnb-xenstored left its sockets behind\n");
		rc = -1;
	}
	unlink(log_path);
	rmdir(dir);
	return rc;
}

static struct xs_handle *open_as(const char *sock)
{
	struct xs_handle *h;

	setenv("XENSTORED_PATH", sock, 1);
	h = xs_open(0);
	assert_non_null(h);
	return h;
}

static char *read_str(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	unsigned int len;

	return xs_read(h, t, path, &len);
}

static void assert_value(struct xs_handle *h, xs_transaction_t t, const char *path,
			 const char *want)
{
	char *v = read_str(h, t, path);

	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static void assert_absent(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	errno = 0;
	assert_null(read_str(h, t, path));
	assert_int_equal(errno, ENOENT);
}

static bool put(struct xs_handle *h, xs_transaction_t t, const char *path, const char *v)
{
	return xs_write(h, t, path, v, (unsigned int)strlen(v));
}

/* Next watch event within @ms, or NULL. */
static char **next_event(struct xs_handle *h, int ms)
{
	struct pollfd p = { .fd = xs_fileno(h), .events = POLLIN };
	struct timespec start, now;
	char **ev;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		ev = xs_check_watch(h);
		if (ev != NULL)
			return ev;
		clock_gettime(CLOCK_MONOTONIC, &now);
		int left = ms - (int)((now.tv_sec - start.tv_sec) * 1000 +
				      (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return NULL;
	}
}

static void expect_event(struct xs_handle *h, const char *path, const char *token)
{
	char **ev = next_event(h, 2000);

	assert_non_null(ev);
	assert_string_equal(ev[XS_WATCH_PATH], path);
	assert_string_equal(ev[XS_WATCH_TOKEN], token);
	free(ev);
}

static void expect_no_event(struct xs_handle *h)
{
	char **ev = next_event(h, 200);

	if (ev != NULL)
		fail_msg("unexpected event %s (token %s)", ev[0], ev[1]);
}

static void test_read_write_mkdir_rm(void **state)
{
	struct xs_handle *h = open_as(sock_dom0);
	unsigned int n;
	char **list;

	(void)state;
	assert_true(put(h, XBT_NULL, "/basic/a/b", "hello"));
	assert_value(h, XBT_NULL, "/basic/a/b", "hello");
	assert_value(h, XBT_NULL, "/basic/a", ""); /* parents are created */
	assert_true(put(h, XBT_NULL, "/basic/a/b", "")); /* empty values are values */
	assert_value(h, XBT_NULL, "/basic/a/b", "");
	assert_true(xs_mkdir(h, XBT_NULL, "/basic/d/e"));
	assert_true(xs_mkdir(h, XBT_NULL, "/basic/d/e")); /* mkdir of an existing node */
	assert_value(h, XBT_NULL, "/basic/d/e", "");
	list = xs_directory(h, XBT_NULL, "/basic", &n);
	assert_non_null(list);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "a");
	assert_string_equal(list[1], "d");
	free(list);
	/* relative names are below /local/domain/<domid>: 0 here */
	assert_true(put(h, XBT_NULL, "rel/x", "1"));
	assert_value(h, XBT_NULL, "/local/domain/0/rel/x", "1");
	assert_true(xs_rm(h, XBT_NULL, "/basic/a"));
	assert_absent(h, XBT_NULL, "/basic/a/b");
	assert_absent(h, XBT_NULL, "/basic/a");
	assert_true(xs_rm(h, XBT_NULL, "/basic/a")); /* absent, parent present: fine */
	errno = 0;
	assert_false(xs_rm(h, XBT_NULL, "/basic/nope/deeper"));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_false(put(h, XBT_NULL, "/basic/bad name", "x"));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_false(put(h, XBT_NULL, "/basic/trailing/", "x"));
	assert_int_equal(errno, EINVAL);
	xs_close(h);
}

static void test_long_names_and_directory_part(void **state)
{
	struct xs_handle *h = open_as(sock_dom0);
	char path[3200], name[64];
	unsigned int n, i;
	char **list;

	(void)state;
	/* 300 children of 20+ bytes: the list is over 4096 bytes, so XS_DIRECTORY answers
	 * E2BIG and libxenstore must page through XS_DIRECTORY_PART. */
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "/big/child-%04u-abcdefghij", i);
		assert_true(put(h, XBT_NULL, name, "v"));
	}
	list = xs_directory(h, XBT_NULL, "/big", &n);
	assert_non_null(list);
	assert_int_equal(n, 300);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "child-%04u-abcdefghij", i);
		assert_string_equal(list[i], name);
	}
	free(list);
	/* names: up to XENSTORE_ABS_PATH_MAX bytes are fine, one more is EINVAL */
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[XENSTORE_ABS_PATH_MAX] = '\0';
	assert_true(put(h, XBT_NULL, path, "x"));
	path[XENSTORE_ABS_PATH_MAX] = 'p';
	path[XENSTORE_ABS_PATH_MAX + 1] = '\0';
	errno = 0;
	assert_false(put(h, XBT_NULL, path, "x"));
	assert_int_equal(errno, EINVAL);
	xs_close(h);
}

static void test_watches(void **state)
{
	struct xs_handle *h = open_as(sock_dom0), *w = open_as(sock_dom0);

	(void)state;
	assert_true(put(h, XBT_NULL, "/wt/node", "0"));
	assert_true(xs_watch(w, "/wt/node", "tok"));
	expect_event(w, "/wt/node", "tok"); /* initial event on registration */
	errno = 0;
	assert_false(xs_watch(w, "/wt/node", "tok"));
	assert_int_equal(errno, EEXIST);
	assert_true(put(h, XBT_NULL, "/wt/node", "1"));
	expect_event(w, "/wt/node", "tok");
	assert_true(put(h, XBT_NULL, "/wt/node/child", "2"));
	expect_event(w, "/wt/node/child", "tok");
	assert_true(put(h, XBT_NULL, "/wt/nodeother", "3")); /* a sibling, not below */
	expect_no_event(w);
	/* a watch below the removed node fires with its own path */
	assert_true(xs_watch(w, "/wt/node/child/deep", "deep"));
	expect_event(w, "/wt/node/child/deep", "deep");
	assert_true(xs_rm(h, XBT_NULL, "/wt/node"));
	char **a = next_event(w, 2000), **b = next_event(w, 2000);
	assert_non_null(a);
	assert_non_null(b);
	if (strcmp(a[XS_WATCH_TOKEN], "tok") != 0) {
		char **t = a;
		a = b;
		b = t;
	}
	assert_string_equal(a[XS_WATCH_PATH], "/wt/node");
	assert_string_equal(b[XS_WATCH_PATH], "/wt/node/child/deep");
	assert_string_equal(b[XS_WATCH_TOKEN], "deep");
	free(a);
	free(b);
	/* relative watches report relative names */
	assert_true(xs_watch(w, "relw", "rel"));
	expect_event(w, "relw", "rel");
	assert_true(put(h, XBT_NULL, "/local/domain/0/relw/k", "1"));
	expect_event(w, "relw/k", "rel");
	/* unwatch: no more events; unknown watch: ENOENT */
	assert_true(xs_unwatch(w, "/wt/node", "tok"));
	assert_true(xs_unwatch(w, "/wt/node/child/deep", "deep"));
	assert_true(xs_unwatch(w, "relw", "rel"));
	assert_true(put(h, XBT_NULL, "/wt/node", "again"));
	expect_no_event(w);
	errno = 0;
	assert_false(xs_unwatch(w, "/wt/node", "tok"));
	assert_int_equal(errno, ENOENT);
	xs_close(w);
	xs_close(h);
}

static void test_transaction_commit_and_abort(void **state)
{
	struct xs_handle *h = open_as(sock_dom0), *o = open_as(sock_dom0);
	xs_transaction_t t;

	(void)state;
	assert_true(xs_watch(o, "/tx1", "t"));
	expect_event(o, "/tx1", "t");
	t = xs_transaction_start(h);
	assert_int_not_equal(t, XBT_NULL);
	assert_true(put(h, t, "/tx1/a", "A"));
	assert_true(put(h, t, "/tx1/b", "B"));
	assert_value(h, t, "/tx1/a", "A");      /* visible inside */
	assert_absent(o, XBT_NULL, "/tx1/a");   /* not outside */
	expect_no_event(o);                     /* nothing fires before commit */
	assert_true(xs_transaction_end(h, t, false));
	assert_value(o, XBT_NULL, "/tx1/a", "A");
	assert_value(o, XBT_NULL, "/tx1/b", "B");
	expect_event(o, "/tx1/a", "t");
	expect_event(o, "/tx1/b", "t");
	/* abort discards */
	t = xs_transaction_start(h);
	assert_true(put(h, t, "/tx1/c", "C"));
	assert_true(xs_rm(h, t, "/tx1/a"));
	assert_true(xs_transaction_end(h, t, true));
	assert_absent(o, XBT_NULL, "/tx1/c");
	assert_value(o, XBT_NULL, "/tx1/a", "A");
	/* an ended transaction is gone */
	errno = 0;
	assert_null(read_str(h, t, "/tx1/a"));
	assert_int_equal(errno, ENOENT);
	xs_close(o);
	xs_close(h);
}

static void test_transaction_conflict(void **state)
{
	struct xs_handle *h1 = open_as(sock_dom0), *h2 = open_as(sock_dom0);
	xs_transaction_t t1, t2;
	int tries;
	char *v;

	(void)state;
	assert_true(put(h1, XBT_NULL, "/tx2/counter", "0"));
	t1 = xs_transaction_start(h1);
	t2 = xs_transaction_start(h2);
	assert_int_not_equal(t1, XBT_NULL);
	assert_int_not_equal(t2, XBT_NULL);
	assert_int_not_equal(t1, t2);
	assert_value(h1, t1, "/tx2/counter", "0");
	assert_value(h2, t2, "/tx2/counter", "0");
	assert_true(put(h1, t1, "/tx2/counter", "1"));
	assert_true(put(h2, t2, "/tx2/counter", "1"));
	assert_true(xs_transaction_end(h1, t1, false));
	errno = 0;
	assert_false(xs_transaction_end(h2, t2, false));
	assert_int_equal(errno, EAGAIN);
	assert_value(h1, XBT_NULL, "/tx2/counter", "1"); /* the loser changed nothing */
	/* the usual retry loop succeeds once nobody interferes */
	for (tries = 0; tries < 3; tries++) {
		t2 = xs_transaction_start(h2);
		v = read_str(h2, t2, "/tx2/counter");
		assert_non_null(v);
		char next[16];
		snprintf(next, sizeof(next), "%d", atoi(v) + 1);
		free(v);
		assert_true(put(h2, t2, "/tx2/counter", next));
		if (xs_transaction_end(h2, t2, false))
			break;
		assert_int_equal(errno, EAGAIN);
	}
	assert_int_equal(tries, 0);
	assert_value(h1, XBT_NULL, "/tx2/counter", "2");
	/* disjoint nodes do not conflict */
	assert_true(put(h1, XBT_NULL, "/tx2/x", "0"));
	assert_true(put(h1, XBT_NULL, "/tx2/y", "0"));
	t1 = xs_transaction_start(h1);
	t2 = xs_transaction_start(h2);
	assert_true(put(h1, t1, "/tx2/x", "1"));
	assert_true(put(h2, t2, "/tx2/y", "1"));
	assert_true(xs_transaction_end(h1, t1, false));
	assert_true(xs_transaction_end(h2, t2, false));
	/* a node created under a transaction's feet (it read it as absent) conflicts */
	t1 = xs_transaction_start(h1);
	assert_absent(h1, t1, "/tx2/new");
	assert_true(put(h1, t1, "/tx2/flag", "seen-absent"));
	assert_true(put(h2, XBT_NULL, "/tx2/new", "now"));
	errno = 0;
	assert_false(xs_transaction_end(h1, t1, false));
	assert_int_equal(errno, EAGAIN);
	xs_close(h2);
	xs_close(h1);
}

static void test_permissions(void **state)
{
	struct xs_handle *d0 = open_as(sock_dom0), *g = open_as(sock_guest);
	struct xs_permissions own[] = { { .id = GUEST, .perms = XS_PERM_NONE } };
	struct xs_permissions shared[] = {
		{ .id = 0, .perms = XS_PERM_NONE }, { .id = GUEST, .perms = XS_PERM_READ },
	};
	struct xs_permissions give[] = { { .id = 9, .perms = XS_PERM_NONE } };
	struct xs_permissions *p;
	unsigned int n;
	char *path;

	(void)state;
	assert_true(put(d0, XBT_NULL, "/secret/key", "s3cr3t"));
	errno = 0;
	assert_null(read_str(g, XBT_NULL, "/secret/key"));
	assert_int_equal(errno, EACCES);
	errno = 0;
	assert_false(put(g, XBT_NULL, "/secret/key", "mine"));
	assert_int_equal(errno, EACCES);
	errno = 0;
	assert_false(put(g, XBT_NULL, "/secret/new/deeper", "mine")); /* below, absent */
	assert_int_equal(errno, EACCES);
	errno = 0;
	assert_null(read_str(g, XBT_NULL, "/secret/absent")); /* no existence leak */
	assert_int_equal(errno, EACCES);
	assert_value(d0, XBT_NULL, "/secret/key", "s3cr3t");

	/* the toolstack gives the guest its home; the guest writes there, relative */
	path = xs_get_domain_path(d0, GUEST);
	assert_non_null(path);
	assert_string_equal(path, "/local/domain/7");
	assert_true(xs_mkdir(d0, XBT_NULL, path));
	assert_true(xs_set_permissions(d0, XBT_NULL, path, own, 1));
	assert_true(put(g, XBT_NULL, "device/vif/0/state", "1"));
	assert_value(d0, XBT_NULL, "/local/domain/7/device/vif/0/state", "1");
	p = xs_get_permissions(d0, XBT_NULL, "/local/domain/7/device/vif/0/state", &n);
	assert_non_null(p);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].id, GUEST); /* the creator owns it */
	free(p);
	/* a guest may not give a node away; dom0 may */
	errno = 0;
	assert_false(xs_set_permissions(g, XBT_NULL, "device/vif/0/state", give, 1));
	assert_int_equal(errno, EPERM);
	/* dom0-owned, guest may read: read ok, write EACCES */
	assert_true(put(d0, XBT_NULL, "/backend/vif/7/0/state", "4"));
	assert_true(xs_set_permissions(d0, XBT_NULL, "/backend/vif/7/0", shared, 2));
	assert_value(g, XBT_NULL, "/backend/vif/7/0", "");
	assert_true(xs_set_permissions(d0, XBT_NULL, "/backend/vif/7/0/state", shared, 2));
	assert_value(g, XBT_NULL, "/backend/vif/7/0/state", "4");
	errno = 0;
	assert_false(put(g, XBT_NULL, "/backend/vif/7/0/state", "6"));
	assert_int_equal(errno, EACCES);
	/* a guest's watch sees changes it may read, not others */
	assert_true(xs_watch(g, "/backend/vif/7/0", "be"));
	expect_event(g, "/backend/vif/7/0", "be");
	assert_true(put(d0, XBT_NULL, "/backend/vif/7/0/state", "5"));
	expect_event(g, "/backend/vif/7/0/state", "be");
	assert_true(put(d0, XBT_NULL, "/backend/vif/7/0/hidden", "x")); /* inherits n0 r7 */
	expect_event(g, "/backend/vif/7/0/hidden", "be");
	assert_true(xs_set_permissions(d0, XBT_NULL, "/backend/vif/7/0/hidden",
				       (struct xs_permissions[]){ { .id = 0 } }, 1));
	assert_true(put(d0, XBT_NULL, "/backend/vif/7/0/hidden", "y"));
	expect_no_event(g);
	/* privileged operations */
	assert_false(xs_introduce_domain(g, 8, 1, 1));
	free(path);
	xs_close(g);
	xs_close(d0);
}

static void test_domains(void **state)
{
	struct xs_handle *d0 = open_as(sock_dom0), *w = open_as(sock_dom0);

	(void)state;
	assert_true(xs_watch(w, "@introduceDomain", "intro"));
	expect_event(w, "@introduceDomain", "intro");
	assert_true(xs_watch(w, "@releaseDomain", "rel"));
	expect_event(w, "@releaseDomain", "rel");
	errno = 0;
	assert_false(xs_watch(w, "@bogus", "x"));
	assert_int_equal(errno, EINVAL);
	assert_false(xs_is_domain_introduced(d0, 12));
	assert_true(xs_introduce_domain(d0, 12, 1234, 5));
	expect_event(w, "@introduceDomain", "intro");
	assert_true(xs_is_domain_introduced(d0, 12));
	assert_true(xs_is_domain_introduced(d0, 0));
	assert_true(xs_release_domain(d0, 12));
	expect_event(w, "@releaseDomain", "rel");
	assert_false(xs_is_domain_introduced(d0, 12));
	errno = 0;
	assert_false(xs_release_domain(d0, 12));
	assert_int_equal(errno, ENOENT);
	/* control: help answers, unknown commands do not */
	char *help = xs_control_command(d0, "help", NULL, 0);
	assert_non_null(help);
	free(help);
	assert_null(xs_control_command(d0, "no-such-command", NULL, 0));
	xs_close(w);
	xs_close(d0);
}

/* Per-connection quotas: 10 open transactions (the daemon's default), as xenstored. */
static void test_transaction_quota(void **state)
{
	struct xs_handle *h = open_as(sock_dom0), *other = open_as(sock_dom0);
	xs_transaction_t t[10], extra;
	int i;

	(void)state;
	for (i = 0; i < 10; i++) {
		t[i] = xs_transaction_start(h);
		assert_int_not_equal(t[i], XBT_NULL);
	}
	errno = 0;
	extra = xs_transaction_start(h);
	assert_int_equal(extra, XBT_NULL);
	assert_int_equal(errno, ENOSPC);
	extra = xs_transaction_start(other); /* the quota is per connection */
	assert_int_not_equal(extra, XBT_NULL);
	assert_true(xs_transaction_end(other, extra, true));
	/* another connection cannot use this one's transaction */
	errno = 0;
	assert_null(read_str(other, t[0], "/"));
	assert_int_equal(errno, ENOENT);
	for (i = 0; i < 10; i++)
		assert_true(xs_transaction_end(h, t[i], true));
	extra = xs_transaction_start(h);
	assert_int_not_equal(extra, XBT_NULL);
	assert_true(xs_transaction_end(h, extra, true));
	xs_close(other);
	xs_close(h);
}

/* ---- raw wire ---- */

static int raw_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void raw_send(int fd, uint32_t type, uint32_t len, const void *payload, size_t plen)
{
	struct xsd_sockmsg m = { .type = type, .req_id = 42, .len = len };

	assert_int_equal(send(fd, &m, sizeof(m), MSG_NOSIGNAL), (ssize_t)sizeof(m));
	if (plen != 0)
		assert_int_equal(send(fd, payload, plen, MSG_NOSIGNAL), (ssize_t)plen);
}

/* Read exactly @len bytes within @ms; returns bytes read (short on EOF or timeout). */
static size_t raw_read(int fd, void *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len && poll(&p, 1, ms) == 1) {
		n = recv(fd, (char *)buf + got, len - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static void expect_raw_error(int fd, const char *err)
{
	struct xsd_sockmsg m;
	char body[64] = { 0 };

	assert_int_equal(raw_read(fd, &m, sizeof(m), 2000), sizeof(m));
	assert_int_equal(m.type, XS_ERROR);
	assert_int_equal(m.req_id, 42);
	assert_true(m.len <= sizeof(body));
	assert_int_equal(raw_read(fd, body, m.len, 2000), m.len);
	assert_string_equal(body, err);
}

static bool raw_eof(int fd, int ms)
{
	char buf[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, ms) == 1) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n == 0)
			return true;
		if (n < 0)
			return errno == ECONNRESET;
	}
	return false;
}

static void test_malformed_messages(void **state)
{
	struct xs_handle *h = open_as(sock_dom0);
	int fd = raw_connect(sock_dom0);
	char big[XENSTORE_PAYLOAD_MAX + 1];

	(void)state;
	assert_true(put(h, XBT_NULL, "/mal/ok", "fine"));
	raw_send(fd, XS_READ, 7, "/mal/ok", 7);            /* no NUL */
	expect_raw_error(fd, "EINVAL");
	raw_send(fd, XS_READ, 0, NULL, 0);                 /* no argument */
	expect_raw_error(fd, "EINVAL");
	raw_send(fd, XS_READ, 9, "/mal\0/ok\0", 9);        /* two arguments */
	expect_raw_error(fd, "EINVAL");
	raw_send(fd, XS_WRITE, 7, "/mal/ok", 7);           /* no path terminator */
	expect_raw_error(fd, "EINVAL");
	raw_send(fd, XS_SET_PERMS, 11, "/mal/ok\0x5", 11); /* bad perms, no NUL */
	expect_raw_error(fd, "EINVAL");
	raw_send(fd, XS_SET_PERMS, 11, "/mal/ok\0z5\0", 11);
	expect_raw_error(fd, "EINVAL");
	raw_send(fd, XS_TRANSACTION_END, 2, "X\0", 2);      /* no such transaction */
	expect_raw_error(fd, "ENOENT");
	raw_send(fd, XS_WATCH_EVENT, 4, "/a\0\0", 4);      /* daemon-to-client type */
	expect_raw_error(fd, "EINVAL");
	raw_send(fd, 999, 2, "x\0", 2);                    /* unknown type */
	expect_raw_error(fd, "EINVAL");
	raw_send(fd, XS_INVALID, 0, NULL, 0);
	expect_raw_error(fd, "EINVAL");
	raw_send(fd, XS_DIRECTORY_PART, 10, "/mal\0zz9\0", 9 + 1);
	expect_raw_error(fd, "EINVAL");
	/* the connection still works after errors */
	raw_send(fd, XS_READ, 8, "/mal/ok\0", 8);
	{
		struct xsd_sockmsg m;
		char v[8] = { 0 };

		assert_int_equal(raw_read(fd, &m, sizeof(m), 2000), sizeof(m));
		assert_int_equal(m.type, XS_READ);
		assert_int_equal(m.len, 4);
		assert_int_equal(raw_read(fd, v, 4, 2000), 4);
		assert_memory_equal(v, "fine", 4);
	}
	/* a length over XENSTORE_PAYLOAD_MAX: the stream cannot be trusted, dropped */
	memset(big, 'a', sizeof(big));
	raw_send(fd, XS_WRITE, sizeof(big), NULL, 0);
	assert_true(raw_eof(fd, 2000));
	close(fd);
	/* a client that dies mid-message */
	fd = raw_connect(sock_dom0);
	raw_send(fd, XS_WRITE, 100, "/mal/partial\0", 13);
	close(fd);
	/* the daemon keeps serving everyone else */
	assert_value(h, XBT_NULL, "/mal/ok", "fine");
	assert_absent(h, XBT_NULL, "/mal/partial");
	xs_close(h);
}

static void test_slow_client_disconnected(void **state)
{
	struct xs_handle *h = open_as(sock_dom0);
	static const char watch[] = "/slow\0tok";
	int fd = raw_connect(sock_dom0), i;
	char path[32];

	(void)state;
	/* registers a watch and then never reads anything */
	raw_send(fd, XS_WATCH, sizeof(watch), watch, sizeof(watch));
	/* Each write queues an event for it: the socket buffer fills, then the daemon's
	 * queue; past MAX_QUEUE the daemon must drop it. 20000 events (~600 KB) is far more
	 * than both. */
	for (i = 0; i < 20000; i++) {
		snprintf(path, sizeof(path), "/slow/%d", i % 8);
		assert_true(put(h, XBT_NULL, path, "x"));
	}
	assert_true(raw_eof(fd, 2000));
	close(fd);
	assert_value(h, XBT_NULL, "/slow/1", "x"); /* and the writer was never harmed */
	xs_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_write_mkdir_rm),
		cmocka_unit_test(test_long_names_and_directory_part),
		cmocka_unit_test(test_watches),
		cmocka_unit_test(test_transaction_commit_and_abort),
		cmocka_unit_test(test_transaction_conflict),
		cmocka_unit_test(test_transaction_quota),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_malformed_messages),
		cmocka_unit_test(test_slow_client_disconnected),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, start_daemon, stop_daemon);
}
