/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A guest domain as the simulated hypervisor holds it (Xen's struct domain reference,
 * rcu_lock_domain_by_id / put_domain): each domain file attached once per process (a
 * registry keyed by the file's identity, its header checked once and kept as a snapshot),
 * and each backend handle's small cache of them for the hot path. The grant table, event
 * channels and the reaper all use this file; it uses none of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xensim_hv_internal.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xensim_domain *registry;

/* Read and check the header once; everything later uses this snapshot. */
static int check_header(int fd, uint16_t domid, const struct stat *st,
			struct xensim_hdr *hdr)
{
	if (pread(fd, hdr, sizeof(*hdr), 0) != (ssize_t)sizeof(*hdr))
		return -EINVAL;
	if (hdr->magic != XENSIM_MAGIC || hdr->version != XENSIM_VERSION ||
	    hdr->domid != domid || hdr->nr_ports != XENSIM_NR_PORTS ||
	    hdr->nr_pages == 0 || hdr->nr_pages > XENSIM_MAX_PAGES ||
	    hdr->nr_grefs <= GNTTAB_NR_RESERVED_ENTRIES || hdr->nr_grefs > XENSIM_MAX_GREFS)
		return -EINVAL;
	if (st->st_size < 0 ||
	    (uint64_t)st->st_size < xensim_file_size(hdr->nr_pages, hdr->nr_grefs))
		return -EINVAL;
	if (hdr->alive != XENSIM_ALIVE)
		return -ENOENT;
	return 0;
}

static struct xensim_domain *domain_attach(int fd, uint16_t domid, const struct stat *st)
{
	struct xensim_domain *d;
	struct xensim_hdr hdr;
	int rc;

	rc = check_header(fd, domid, st, &hdr);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->size = xensim_file_size(hdr.nr_pages, hdr.nr_grefs);
	d->base = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (d->base == MAP_FAILED)
		goto err_free;
	d->shared = (struct xensim_hv_shared *)(void *)(d->base +
							xensim_hv_off(hdr.nr_pages, hdr.nr_grefs));
	d->instance = __atomic_load_n(&d->shared->instance, __ATOMIC_ACQUIRE);
	if (d->instance == 0) {
		munmap(d->base, d->size);
		errno = EINVAL; /* not made by xensim_dom_create() */
		goto err_free;
	}
	d->active = (struct xensim_active *)(void *)(d->base +
						     xensim_active_off(hdr.nr_pages, hdr.nr_grefs));
	d->fd = fd;
	d->domid = domid;
	d->nr_pages = hdr.nr_pages;
	d->nr_grefs = hdr.nr_grefs;
	d->dev = st->st_dev;
	d->ino = st->st_ino;
	d->hdr = (struct xensim_hdr *)(void *)d->base;
	d->evtchn = (struct xensim_evtchn *)(void *)(d->base + xensim_evtchn_off());
	d->gnttab = (grant_entry_v1_t *)(void *)(d->base + xensim_gnttab_off());
	d->frames = d->base + xensim_frames_off(d->nr_grefs);
	d->refcnt = 1;
	return d;

err_free:
	rc = errno;
	free(d);
	errno = rc;
	return NULL;
}

struct xensim_domain *xensim_domain_get(const char *dir, uint16_t domid)
{
	struct xensim_domain *d;
	char path[PATH_MAX];
	struct stat st;
	int fd, rc;

	rc = xensim_dom_path(path, sizeof(path), dir, domid, "mem");
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&registry_lock);
	for (d = registry; d != NULL; d = d->next) {
		if (d->dev == (uint64_t)st.st_dev && d->ino == (uint64_t)st.st_ino &&
		    d->domid == domid && xensim_domain_alive(d)) {
			d->refcnt++;
			pthread_mutex_unlock(&registry_lock);
			close(fd);
			return d;
		}
	}
	d = domain_attach(fd, domid, &st);
	if (d != NULL) {
		d->next = registry;
		registry = d;
	} else {
		rc = errno;
		close(fd);
		errno = rc;
	}
	pthread_mutex_unlock(&registry_lock);
	return d;
}

void xensim_domain_hold(struct xensim_domain *d)
{
	pthread_mutex_lock(&registry_lock);
	d->refcnt++;
	pthread_mutex_unlock(&registry_lock);
}

void xensim_domain_put(struct xensim_domain *d)
{
	struct xensim_domain **pp;

	if (d == NULL)
		return;
	pthread_mutex_lock(&registry_lock);
	if (--d->refcnt > 0) {
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	for (pp = &registry; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	munmap(d->base, d->size);
	close(d->fd);
	free(d);
}

struct xensim_domain *xensim_hv_domain(struct xensim_hv *hv, uint16_t domid)
{
	struct xensim_domain *d;
	unsigned int i;

	/* Most recently used first, so that evicting the last entry never drops the domain
	 * returned just before (the other side of the same copy op). */
	for (i = 0; i < hv->nr_cached; i++) {
		if (hv->cache[i].domid != domid)
			continue;
		d = hv->cache[i].dom;
		if (xensim_domain_alive(d)) {
			hv->cache[i] = hv->cache[0];
			hv->cache[0].domid = domid;
			hv->cache[0].dom = d;
			return d;
		}
		/* Dead: forget it; a new domain may have taken the domid. */
		xensim_domain_put(d);
		hv->cache[i] = hv->cache[--hv->nr_cached];
		break;
	}
	d = xensim_domain_get(hv->dir, domid);
	if (d == NULL)
		return NULL;
	if (hv->nr_cached == XENSIM_HV_DOM_CACHE)
		xensim_domain_put(hv->cache[--hv->nr_cached].dom);
	hv->cache[hv->nr_cached] = hv->cache[0];
	hv->cache[0].domid = domid;
	hv->cache[0].dom = d;
	hv->nr_cached++;
	return d;
}
