/* SPDX-License-Identifier: BSD-3-Clause */
/* The test bed of test_xenvif: see test_xenvif_bed.h. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
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
#include <xen/io/xenbus.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#include "test_xenvif_bed.h"

static bool connectable(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static void rm_tree(const char *dir)
{
	struct dirent *de;
	char path[512];
	struct stat st;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static pid_t spawn_daemon(struct xvb *b, const char *exe, const uint16_t *domids)
{
	char dom_arg[XVB_NR_VIFS][128];
	const char *argv[8 + 2 * XVB_NR_VIFS];
	int argc = 0;
	pid_t pid;

	argv[argc++] = exe;
	argv[argc++] = "--socket";
	argv[argc++] = b->xs_sock;
	for (int i = 0; i < XVB_NR_VIFS; i++) {
		snprintf(dom_arg[i], sizeof(dom_arg[i]), "%u:%s", domids[i], b->dom_sock[i]);
		argv[argc++] = "--domain-socket";
		argv[argc++] = dom_arg[i];
	}
	argv[argc++] = "--log";
	argv[argc++] = b->log;
	argv[argc] = NULL;
	pid = fork();
	if (pid == 0) {
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

int xvb_start(struct xvb *b, const uint16_t *domids)
{
	const char *exe = getenv("DNB_XENSTORED");

	if (exe == NULL) {
		fprintf(stderr, "DNB_XENSTORED is not set\n");
		return -1;
	}
	snprintf(b->dir, sizeof(b->dir), "/dev/shm/test_xenvif.XXXXXX");
	if (mkdtemp(b->dir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(b->sim_dir, sizeof(b->sim_dir), "%s/sim", b->dir);
	snprintf(b->xs_sock, sizeof(b->xs_sock), "%s/xs.sock", b->dir);
	snprintf(b->log, sizeof(b->log), "%s/xenstored.log", b->dir);
	for (int i = 0; i < XVB_NR_VIFS; i++)
		snprintf(b->dom_sock[i], sizeof(b->dom_sock[i]), "%s/xs-dom%u.sock", b->dir,
			 domids[i]);
	if (mkdir(b->sim_dir, 0700) != 0)
		return -1;
	b->xsd_pid = spawn_daemon(b, exe, domids);
	if (b->xsd_pid < 0)
		return -1;
	for (int i = 0; i < 500 && !connectable(b->xs_sock); i++)
		usleep(10000);
	setenv("XENSTORED_PATH", b->xs_sock, 1);
	setenv("XENSIM_DIR", b->sim_dir, 1);
	b->xs = xs_open(0);
	if (b->xs == NULL) {
		fprintf(stderr, "dnb-xenstored did not come up (log: %s)\n", b->log);
		return -1;
	}
	return xs_write(b->xs, XBT_NULL, "/local/domain/0/name", "Domain-0", 8) ? 0 : -1;
}

void xvb_stop(struct xvb *b)
{
	int status;

	if (b->xs != NULL)
		xs_close(b->xs);
	b->xs = NULL;
	if (b->xsd_pid > 0) {
		kill(b->xsd_pid, SIGTERM);
		waitpid(b->xsd_pid, &status, 0);
	}
	b->xsd_pid = 0;
	rm_tree(b->dir);
}

static bool put(struct xvb *b, const char *dir, const char *key, const char *val)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_write(b->xs, XBT_NULL, path, val, (unsigned int)strlen(val));
}

/* Owner @owner, read access for @reader: "n<owner> r<reader>" as `xs chmod` writes it. */
static bool chmod_dir(struct xvb *b, const char *dir, unsigned int owner, unsigned int reader)
{
	struct xs_permissions p[2] = {
		{.id = owner, .perms = XS_PERM_NONE}, {.id = reader, .perms = XS_PERM_READ},
	};

	return xs_set_permissions(b->xs, XBT_NULL, dir, p, 2);
}

int xvb_toolstack_add_vif(struct xvb *b, uint16_t domid, const uint8_t mac[6])
{
	char dom[64], be[96], fe[96], v[32];
	bool ok;

	snprintf(dom, sizeof(dom), "/local/domain/%u", domid);
	snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/0", domid);
	snprintf(fe, sizeof(fe), "%s/device/vif/0", dom);
	snprintf(v, sizeof(v), "guest%u", domid);
	/* Directories first with their permissions: new nodes inherit their parent's. */
	ok = put(b, dom, "name", v) && chmod_dir(b, dom, domid, 0) &&
	     xs_mkdir(b->xs, XBT_NULL, be) && chmod_dir(b, be, 0, domid) &&
	     xs_mkdir(b->xs, XBT_NULL, fe) && chmod_dir(b, fe, domid, 0);
	snprintf(v, sizeof(v), "%u", domid);
	ok = ok && put(b, dom, "domid", v) && put(b, be, "frontend", fe) &&
	     put(b, be, "frontend-id", v) && put(b, be, "online", "1") &&
	     put(b, be, "state", "1") && put(b, be, "script", "/etc/xen/scripts/vif-dpdk-netback") &&
	     put(b, be, "handle", "0") && put(b, be, "type", "vif");
	snprintf(v, sizeof(v), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	ok = ok && put(b, be, "mac", v) && put(b, fe, "backend", be) &&
	     put(b, fe, "backend-id", "0") && put(b, fe, "state", "1") &&
	     put(b, fe, "handle", "0") && put(b, fe, "mac", v);
	return ok ? 0 : -errno;
}

int xvb_port_add(struct xvb *b, struct xvb_vif *v, const char *extra)
{
	struct rte_eth_conf conf;
	char name[32], args[128];
	uint16_t port;
	int rc;

	snprintf(name, sizeof(name), "net_xenvif%u", v->domid);
	snprintf(args, sizeof(args), "domid=%u,xen=sim%s%s", v->domid, extra[0] ? "," : "",
		 extra);
	rc = rte_eal_hotplug_add("vdev", name, args);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_get_port_by_name(name, &port);
	if (rc != 0)
		return rc;
	memset(&conf, 0, sizeof(conf));
	conf.intr_conf.rxq = 1; /* as dpdk-netback configures a vif (its workers may sleep) */
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, 256, rte_eth_dev_socket_id(port), NULL, b->mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, 256, rte_eth_dev_socket_id(port), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	v->port = port;
	return rc;
}

int xvb_backend_write(struct xvb *b, uint16_t domid, const char *key, const char *value)
{
	char path[160];

	snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u/0/%s", domid, key);
	if (value == NULL)
		return xs_rm(b->xs, XBT_NULL, path) || errno == ENOENT ? 0 : -1;
	return xs_write(b->xs, XBT_NULL, path, value, (unsigned int)strlen(value)) ? 0 : -1;
}

char *xvb_backend_read(struct xvb *b, uint16_t domid, const char *key)
{
	char path[128];
	unsigned int len;

	snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u/0/%s", domid, key);
	return xs_read(b->xs, XBT_NULL, path, &len);
}

char *xvb_error_read(struct xvb *b, uint16_t domid)
{
	char path[128];
	unsigned int len;

	snprintf(path, sizeof(path), "/local/domain/0/error/backend/vif/%u/0/error", domid);
	return xs_read(b->xs, XBT_NULL, path, &len);
}

bool xvb_wait_link(uint16_t port, bool up, int ms)
{
	struct rte_eth_link link;

	for (int i = 0; i <= ms; i++) {
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    (link.link_status == RTE_ETH_LINK_UP) == up)
			return true;
		usleep(1000);
	}
	return false;
}

uint64_t xvb_xstat(uint16_t port, const char *name)
{
	char full[RTE_ETH_XSTATS_NAME_SIZE];
	uint64_t id, value;

	snprintf(full, sizeof(full), "q0_%s", name);
	if (rte_eth_xstats_get_id_by_name(port, full, &id) != 0)
		fail_msg("port %u has no xstat %s", port, full);
	if (rte_eth_xstats_get_by_id(port, &id, &value, 1) != 1)
		fail_msg("port %u: reading xstat %s failed", port, full);
	return value;
}

void xvb_snap(uint16_t port, struct xvb_snap *s)
{
	struct rte_eth_xstat_name names[XVB_MAX_XSTATS];
	struct rte_eth_xstat xs[XVB_MAX_XSTATS];
	int n = rte_eth_xstats_get_names(port, names, XVB_MAX_XSTATS);

	assert_true(n > 0 && n <= XVB_MAX_XSTATS);
	assert_int_equal(rte_eth_xstats_get(port, xs, (unsigned int)n), n);
	s->n = (unsigned int)n;
	for (int i = 0; i < n; i++) {
		snprintf(s->names[i], sizeof(s->names[i]), "%s", names[i].name);
		s->values[i] = xs[i].value;
	}
}

uint64_t xvb_snap_value(const struct xvb_snap *s, const char *name)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (strncmp(s->names[i], "q0_", 3) == 0 && strcmp(s->names[i] + 3, name) == 0)
			return s->values[i];
	fail_msg("no xstat q0_%s", name);
	return 0;
}

static bool event_driven(const char *name)
{
	static const char *const names[] = {
		"evtchn_notify", "guest_rx_not_connected", "guest_rx_no_slots",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

void xvb_expect(uint16_t port, const struct xvb_snap *before, const struct xvb_delta *d)
{
	static struct xvb_snap now;
	unsigned int bad = 0;

	xvb_snap(port, &now);
	assert_int_equal(now.n, before->n);
	for (const struct xvb_delta *e = d; e->name != NULL; e++) {
		unsigned int hits = 0;

		for (unsigned int i = 0; i < now.n; i++)
			hits += strncmp(now.names[i], "q0_", 3) == 0 &&
				strcmp(now.names[i] + 3, e->name) == 0;
		if (hits != 1) {
			fprintf(stderr, "port %u: xstat q0_%s found %u times\n", port, e->name,
				hits);
			bad++;
		}
	}
	for (unsigned int i = 0; i < now.n; i++) {
		const char *name = now.names[i];
		uint64_t want = before->values[i];
		bool listed = false;

		assert_string_equal(name, before->names[i]);
		/* ethdev's generic counters (rx_good_packets, ...) follow the PMD's own */
		if (strncmp(name, "q0_", 3) != 0)
			continue;
		for (const struct xvb_delta *e = d; e->name != NULL; e++) {
			if (strncmp(name, "q0_", 3) == 0 && strcmp(name + 3, e->name) == 0) {
				want += e->delta;
				listed = true;
			}
		}
		if (!listed && event_driven(name + 3))
			continue;
		if (now.values[i] != want) {
			fprintf(stderr, "port %u: xstat %s = %llu, expected %llu\n", port, name,
				(unsigned long long)now.values[i], (unsigned long long)want);
			bad++;
		}
	}
	if (bad != 0)
		fail_msg("port %u: %u xstat(s) wrong", port, bad);
}

void xvb_frame(uint8_t *buf, uint16_t len, const uint8_t dst[6], uint8_t seed)
{
	static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x01};

	for (uint16_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i * 7u);
	if (len >= 14) {
		memcpy(buf, dst, 6);
		memcpy(buf + 6, src, 6);
		buf[12] = 0x88; /* IEEE local experimental ethertype: nothing parses it */
		buf[13] = 0xb5;
	}
}

struct rte_mbuf *xvb_mbuf(struct rte_mempool *mp, uint16_t len, const uint8_t dst[6],
			  uint8_t seed)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	assert_non_null(p);
	xvb_frame(p, len, dst, seed);
	return m;
}

/* The guest sends a frame; rx_burst must deliver exactly it. */
static void check_guest_tx(struct xvb *b, struct xvb_vif *v, uint16_t len, uint8_t seed)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t frame[2048], copy[2048];
	struct xvb_snap s;
	struct rte_mbuf *m = NULL;
	netif_tx_response_t rsp;
	uint16_t id;

	assert_true(len <= sizeof(frame));
	xvb_snap(v->port, &s);
	xvb_frame(frame, len, bcast, seed);
	id = tfe_tx_send(&v->fe, frame, len, 0);
	assert_int_equal(rte_eth_rx_burst(v->port, 0, &m, 1), 1);
	assert_int_equal(rte_pktmbuf_pkt_len(m), len);
	assert_memory_equal(rte_pktmbuf_read(m, 0, len, copy), frame, len);
	rte_pktmbuf_free(m);
	assert_true(tfe_tx_rsp(&v->fe, &rsp));
	assert_int_equal(rsp.id, id);
	assert_int_equal(rsp.status, NETIF_RSP_OKAY);
	assert_false(tfe_tx_rsp(&v->fe, &rsp));
	xvb_expect(v->port, &s, (const struct xvb_delta[]){
		{"guest_tx_packets", 1}, {"guest_tx_bytes", len}, {"guest_tx_slots", 1},
		{"guest_tx_gcopy_segs", 1}, {"guest_tx_gcopy_batches", 1}, {NULL, 0}});
	(void)b;
}

/* The port sends a frame; the guest's RX response and page must hold exactly it. */
static void check_guest_rx(struct xvb *b, struct xvb_vif *v, uint16_t len, uint8_t seed)
{
	uint8_t frame[2048];
	struct xvb_snap s;
	struct rte_mbuf *m;
	netif_rx_response_t rsp;
	const uint8_t *data;
	RING_IDX id = v->fe.rx.req_prod_pvt % TFE_NR_BUFS;

	xvb_snap(v->port, &s);
	tfe_rx_post(&v->fe, 1);
	m = xvb_mbuf(b->mp, len, v->mac, seed);
	xvb_frame(frame, len, v->mac, seed);
	assert_int_equal(rte_eth_tx_burst(v->port, 0, &m, 1), 1);
	assert_true(tfe_rx_rsp(&v->fe, &rsp, &data));
	assert_int_equal(rsp.id, id);
	/* the data after the guest's xdp-headroom (0 unless it asked for one) */
	assert_int_equal(rsp.offset, xvb_snap_value(&s, "guest_rx_headroom"));
	assert_int_equal(rsp.flags, 0);
	assert_int_equal(rsp.status, len);
	assert_memory_equal(data, frame, len);
	assert_false(tfe_rx_rsp(&v->fe, &rsp, &data));
	xvb_expect(v->port, &s, (const struct xvb_delta[]){
		{"guest_rx_packets", 1}, {"guest_rx_bytes", len}, {"guest_rx_slots", 1},
		{"guest_rx_gcopy_segs", 1}, {"guest_rx_gcopy_batches", 1}, {NULL, 0}});
}

void xvb_check_both_ways(struct xvb *b, struct xvb_vif *v, uint16_t len, uint8_t seed)
{
	unsigned int in_use = rte_mempool_in_use_count(b->mp);

	check_guest_tx(b, v, len, seed);
	check_guest_rx(b, v, len, (uint8_t)(seed + 1));
	assert_int_equal(rte_mempool_in_use_count(b->mp), in_use);
}

int xvb_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}
