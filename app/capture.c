/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control side of a port's packet capture (capture.h): start and stop from telemetry,
 * and the writer thread that empties the captures' rings into their pcapng files. What
 * tcpdump on xen-netback's vif netdev (xenvif_alloc's net_device) gives, for a port that
 * has none. The files go only to --capture-dir: telemetry clients name them, and the
 * service runs as root.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_malloc.h>

#include "dnb_dpdk_compat.h"

#include "capture.h"

/* Copies waiting for the writer, per capture: ~40 ms of a busy gigabit port's bursts
 * between two of the writer's passes. */
#define CAPTURE_RING 1024
/* Copies in flight over all captures; each holds DNB_CAPTURE_SNAPLEN bytes (~9 MiB). */
#define CAPTURE_MBUFS 2048
/* The writer's pause between two passes over the rings. */
#define CAPTURE_WRITE_US 10000
#define CAPTURE_NAME_MAX 64

/* The module's state: one per process. @c lock serialises start, stop, the listing and the
 * writer; it is taken after ctl_lock (telemetry, port teardown), never before. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;      /**< a capture started, or the writer must stop */
	pthread_t writer;
	bool writer_started;
	bool stop;
	unsigned int active;
	struct dnb_app *app;
	struct rte_mempool *pool; /**< made at the first start, kept until the end */
	struct dnb_capture *caps[RTE_MAX_ETHPORTS];
} cs = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* Write what @p c's ring holds, as long as the file stays within its bound.
 * @return 0, 1 when the bound is reached, or -errno when the file cannot be written. */
static int drain(struct dnb_capture *c)
{
	struct rte_mbuf *m[DNB_BURST];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst(c->ring, (void **)m, DNB_BURST, NULL)) > 0) {
		unsigned int fit = 0;
		uint64_t bytes = 0;
		ssize_t rc = 0;

		while (fit < n && c->written_bytes + bytes + m[fit]->pkt_len <= c->max_bytes)
			bytes += m[fit++]->pkt_len;
		if (fit > 0)
			rc = rte_pcapng_write_packets(c->pcapng, m, (uint16_t)fit);
		rte_pktmbuf_free_bulk(m, n);
		if (rc < 0)
			return -rte_errno;
		if ((uint64_t)rc != bytes) /* a short write: the disk is full */
			return -ENOSPC;
		c->written_bytes += bytes;
		c->written_pkts += fit;
		if (fit < n)
			return 1;
	}
	return 0;
}

/* Unpublish @p c, wait until no worker copies into it, write what is left, close. */
static void capture_end(struct dnb_capture *c, const char *why)
{
	struct dnb_port *p = &cs.app->ports[c->port_id];
	struct rte_mbuf *m;

	atomic_store_explicit(&p->capture, NULL, memory_order_release);
	dnb_workers_sync(cs.app);
	if (drain(c) != 0)
		while (rte_ring_sc_dequeue(c->ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	DNB_LOG(NOTICE, "port %u: capture to %s stopped (%s): %" PRIu64 " frames, %" PRIu64
		" bytes written, %" PRIu64 " not captured (ring full, no buffer)", c->port_id,
		c->file, why, c->written_pkts, c->written_bytes, c->drops);
	rte_pcapng_close(c->pcapng);
	rte_ring_free(c->ring);
	cs.caps[c->port_id] = NULL;
	cs.active--;
	rte_free(c);
}

/* One pass: every capture's ring to its file; the bound or a write error ends it. */
static void write_all(void)
{
	char why[80];
	int rc;

	for (unsigned int i = 0; i < RTE_DIM(cs.caps) && cs.active > 0; i++) {
		struct dnb_capture *c = cs.caps[i];

		if (c == NULL || (rc = drain(c)) == 0)
			continue;
		if (rc > 0)
			snprintf(why, sizeof(why), "reached its bound of %" PRIu64 " bytes",
				 c->max_bytes);
		else
			snprintf(why, sizeof(why), "cannot write: %s", strerror(-rc));
		capture_end(c, why);
	}
}

/* The writer: never on a worker, so that no worker waits for a disk. Sleeps on @c wake
 * while no capture runs. */
static void *writer_main(void *arg __rte_unused)
{
	pthread_mutex_lock(&cs.lock);
	while (!cs.stop) {
		if (cs.active == 0) {
			pthread_cond_wait(&cs.wake, &cs.lock);
			continue;
		}
		write_all();
		pthread_mutex_unlock(&cs.lock);
		usleep(CAPTURE_WRITE_US);
		pthread_mutex_lock(&cs.lock);
	}
	pthread_mutex_unlock(&cs.lock);
	return NULL;
}

/* What the first start needs: the copies' pool and the writer. @return 0 or -errno. */
static int capture_setup(struct dnb_app *app)
{
	int rc;

	cs.app = app;
	if (cs.pool == NULL) {
		/* rte_pcapng_mbuf_size: the frame, the block's header and trailer; +16 for the
		 * RSS hash option of a received frame that has one */
		cs.pool = rte_pktmbuf_pool_create("dnb_capture", CAPTURE_MBUFS, 32, 0,
			(uint16_t)(rte_pcapng_mbuf_size(DNB_CAPTURE_SNAPLEN) + 16),
			(int)rte_socket_id());
		if (cs.pool == NULL)
			return -rte_errno;
	}
	if (!cs.writer_started) {
		rc = dnb_ctrl_thread_create(&cs.writer, "dnb-capture", writer_main, NULL);
		if (rc != 0)
			return rc;
		cs.writer_started = true;
	}
	return 0;
}

/* @p file to its full path under --capture-dir in @p path, or the reason it is refused in
 * @p why. @return 0 or -EINVAL/-EACCES. */
static int capture_path(const char *dir, const char *file, char *path, size_t path_len,
			char *why, size_t why_len)
{
	size_t dlen = strlen(dir);
	const char *name = file;

	if (strstr(file, "..") != NULL) {
		snprintf(why, why_len, "'%.60s': '..' is not allowed", file);
		return -EACCES;
	}
	if (strchr(file, '/') != NULL) {
		if (strncmp(file, dir, dlen) != 0 || file[dlen] != '/' ||
		    strchr(file + dlen + 1, '/') != NULL) {
			snprintf(why, why_len, "'%.60s' is outside --capture-dir", file);
			return -EACCES;
		}
		name = file + dlen + 1;
	}
	if (name[0] == '\0' || name[0] == '.' || strlen(name) > CAPTURE_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") !=
	    strlen(name)) {
		snprintf(why, why_len, "bad file name '%.60s' (letters, digits, . _ + -)", name);
		return -EINVAL;
	}
	if (snprintf(path, path_len, "%s/%s", dir, name) >= (int)path_len) {
		snprintf(why, why_len, "'%.60s': the path is too long", name);
		return -EINVAL;
	}
	return 0;
}

/* --capture-dir and its parents, made when missing (root's, 0750: captures hold guests'
 * traffic). */
static void capture_mkdir(const char *dir)
{
	char buf[sizeof(((struct dnb_config *)NULL)->capture_dir)];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *s = strchr(buf + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(buf, 0755);
		*s = '/';
	}
	mkdir(buf, 0750);
}

/* A new capture of @p port into @p path (never an existing file, never through a link).
 * @return it, or NULL with the reason in @p why. */
static struct dnb_capture *capture_open(struct dnb_app *app, uint16_t port, const char *path,
					uint64_t max_bytes, char *why, size_t why_len)
{
	struct dnb_capture *c = rte_zmalloc("dnb_capture", sizeof(*c), 0);
	char name[RTE_RING_NAMESIZE];
	int fd;

	if (c == NULL) {
		snprintf(why, why_len, "no memory");
		return NULL;
	}
	*c = (struct dnb_capture){.pool = cs.pool, .port_id = port, .max_bytes = max_bytes};
	snprintf(c->file, sizeof(c->file), "%s", path);
	snprintf(name, sizeof(name), "dnb_cap%u", port);
	capture_mkdir(app->cfg.capture_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(why, why_len, "'%.60s': %s", path, strerror(errno));
		rte_free(c);
		return NULL;
	}
	c->ring = rte_ring_create(name, CAPTURE_RING, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	c->pcapng = c->ring == NULL ? NULL : dnb_pcapng_open(fd, port, "dpdk-netback");
	if (c->pcapng == NULL) {
		snprintf(why, why_len, "'%.60s': %s", path, rte_strerror(rte_errno));
		if (c->ring == NULL)
			close(fd);
		rte_ring_free(c->ring);
		unlink(path);
		rte_free(c);
		return NULL;
	}
	c->written_bytes = (uint64_t)RTE_MAX(lseek(fd, 0, SEEK_CUR), (off_t)0);
	return c;
}

int dnb_capture_start(struct dnb_app *app, struct dnb_port *p, const char *file,
		      uint64_t max_bytes, char *why, size_t why_len)
{
	char path[sizeof(((struct dnb_capture *)NULL)->file)];
	struct dnb_capture *c;
	int rc;

	if (max_bytes == 0)
		max_bytes = DNB_CAPTURE_MAX_BYTES_DEFAULT;
	if (max_bytes < DNB_CAPTURE_MAX_BYTES_MIN) {
		snprintf(why, why_len, "MAXBYTES %" PRIu64 " is under %u", max_bytes,
			 DNB_CAPTURE_MAX_BYTES_MIN);
		return -EINVAL;
	}
	rc = capture_path(app->cfg.capture_dir, file, path, sizeof(path), why, why_len);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&cs.lock);
	if (cs.caps[p->port_id] != NULL) {
		snprintf(why, why_len, "port %u is being captured already", p->port_id);
		rc = -EBUSY;
	} else if ((rc = capture_setup(app)) != 0) {
		snprintf(why, why_len, "capture buffers or thread: %s", rte_strerror(-rc));
	} else if ((c = capture_open(app, p->port_id, path, max_bytes, why, why_len)) == NULL) {
		rc = -EIO;
	} else {
		cs.caps[p->port_id] = c;
		cs.active++;
		atomic_store_explicit(&p->capture, c, memory_order_release);
		pthread_cond_signal(&cs.wake);
		DNB_LOG(NOTICE, "port %u: capturing to %s, at most %" PRIu64 " bytes",
			p->port_id, path, max_bytes);
	}
	pthread_mutex_unlock(&cs.lock);
	return rc;
}

int dnb_capture_stop(struct dnb_app *app __rte_unused, struct dnb_port *p)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&cs.lock);
	if (cs.caps[p->port_id] != NULL) {
		capture_end(cs.caps[p->port_id], "stopped");
		rc = 0;
	}
	pthread_mutex_unlock(&cs.lock);
	return rc;
}

int dnb_capture_list(struct rte_tel_data *d)
{
	int rc = 0;

	pthread_mutex_lock(&cs.lock);
	for (unsigned int i = 0; i < RTE_DIM(cs.caps) && rc == 0; i++) {
		const struct dnb_capture *c = cs.caps[i];
		struct rte_tel_data *e;
		char key[sizeof("port65535")];

		if (c == NULL)
			continue;
		e = rte_tel_data_alloc();
		if (e == NULL) {
			rc = -ENOMEM;
			break;
		}
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_string(e, "file", c->file);
		dnb_tel_dict_add_u64(e, "max_bytes", c->max_bytes);
		dnb_tel_dict_add_u64(e, "copied", c->copied);
		dnb_tel_dict_add_u64(e, "drops", c->drops);
		dnb_tel_dict_add_u64(e, "written_pkts", c->written_pkts);
		dnb_tel_dict_add_u64(e, "written_bytes", c->written_bytes);
		snprintf(key, sizeof(key), "port%u", i);
		if (rte_tel_data_add_dict_container(d, key, e, 0) != 0)
			rte_tel_data_free(e);
	}
	pthread_mutex_unlock(&cs.lock);
	return rc;
}

void dnb_capture_fini(struct dnb_app *app __rte_unused)
{
	pthread_mutex_lock(&cs.lock);
	cs.stop = true;
	pthread_cond_signal(&cs.wake);
	pthread_mutex_unlock(&cs.lock);
	if (cs.writer_started)
		pthread_join(cs.writer, NULL);
	cs.writer_started = false;
	pthread_mutex_lock(&cs.lock);
	for (unsigned int i = 0; i < RTE_DIM(cs.caps); i++)
		if (cs.caps[i] != NULL)
			capture_end(cs.caps[i], "the service stops");
	pthread_mutex_unlock(&cs.lock);
	rte_mempool_free(cs.pool);
	cs.pool = NULL;
}
