/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guest side of the simulated hypervisor (see xensim_dom.h): a domain's memory file,
 * its grant table written as Linux's gnttab_grant_foreign_access does, and the guest ends
 * of its event channels.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xensim_dom.h"
#include "xensim_layout.h"
#include "xensim_rec.h"

struct xensim_dom {
	uint16_t domid;
	uint32_t nr_pages;
	uint32_t nr_grefs;
	int fd;
	uint8_t *base;
	size_t size;                 /**< the guest's part: the hypervisor's is not mapped */
	struct xensim_hdr *hdr;
	struct xensim_evtchn *evtchn;
	grant_entry_v1_t *gnttab;
	uint8_t *frames;
	uint8_t *gref_used;          /**< [nr_grefs]: the guest's own free list */
	int sock;
	struct sockaddr_un self_addr;
	char dir[PATH_MAX];
	char mem_path[PATH_MAX];
};

static int dom_open_socket(struct xensim_dom *dom)
{
	int rc;

	rc = xensim_dom_path(dom->self_addr.sun_path, sizeof(dom->self_addr.sun_path),
			     dom->dir, dom->domid, "evtchn");
	if (rc < 0)
		return rc;
	dom->self_addr.sun_family = AF_UNIX;
	dom->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (dom->sock < 0)
		return -errno;
	/* The .mem file was created exclusively, so a socket of that name is stale. */
	unlink(dom->self_addr.sun_path);
	if (bind(dom->sock, (struct sockaddr *)&dom->self_addr, sizeof(dom->self_addr)) < 0) {
		rc = -errno;
		close(dom->sock);
		return rc;
	}
	return 0;
}

/* The domain's instance, in the hypervisor's area: tells it from an earlier domain of the
 * same domid, whose grants and ports a dead backend's record may still name. */
static int dom_set_instance(struct xensim_dom *dom)
{
	uint64_t instance;
	ssize_t n;

	if (getrandom(&instance, sizeof(instance), GRND_NONBLOCK) != sizeof(instance))
		instance = (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)dom ^
			   (uint64_t)dom->domid << 16;
	if (instance == 0)
		instance = 1;
	n = pwrite(dom->fd, &instance, sizeof(instance),
		   (off_t)(xensim_hv_off(dom->nr_pages, dom->nr_grefs) +
			   offsetof(struct xensim_hv_shared, instance)));
	return n == (ssize_t)sizeof(instance) ? 0 : -EIO;
}

static int dom_map(struct xensim_dom *dom)
{
	int rc;

	if (ftruncate(dom->fd, (off_t)xensim_file_size(dom->nr_pages, dom->nr_grefs)) < 0)
		return -errno;
	rc = dom_set_instance(dom);
	if (rc < 0)
		return rc;
	dom->size = xensim_guest_size(dom->nr_pages, dom->nr_grefs);
	dom->base = mmap(NULL, dom->size, PROT_READ | PROT_WRITE, MAP_SHARED, dom->fd, 0);
	if (dom->base == MAP_FAILED)
		return -errno;
	dom->hdr = (struct xensim_hdr *)(void *)dom->base;
	dom->evtchn = (struct xensim_evtchn *)(void *)(dom->base + xensim_evtchn_off());
	dom->gnttab = (grant_entry_v1_t *)(void *)(dom->base + xensim_gnttab_off());
	dom->frames = dom->base + xensim_frames_off(dom->nr_grefs);
	dom->hdr->magic = XENSIM_MAGIC;
	dom->hdr->version = XENSIM_VERSION;
	dom->hdr->domid = dom->domid;
	dom->hdr->nr_pages = dom->nr_pages;
	dom->hdr->nr_grefs = dom->nr_grefs;
	dom->hdr->nr_ports = XENSIM_NR_PORTS;
	return 0;
}

struct xensim_dom *xensim_dom_create(const char *dir, uint16_t domid, uint32_t nr_pages,
				     uint32_t nr_grefs)
{
	struct xensim_dom *dom;
	int rc;

	if (dir == NULL || domid == 0 || nr_pages == 0 || nr_pages > XENSIM_MAX_PAGES ||
	    nr_grefs <= GNTTAB_NR_RESERVED_ENTRIES || nr_grefs > XENSIM_MAX_GREFS ||
	    strlen(dir) >= sizeof(dom->dir)) {
		errno = EINVAL;
		return NULL;
	}
	dom = calloc(1, sizeof(*dom));
	if (dom == NULL)
		return NULL;
	dom->gref_used = calloc(nr_grefs, 1);
	if (dom->gref_used == NULL) {
		free(dom);
		errno = ENOMEM;
		return NULL;
	}
	dom->domid = domid;
	dom->nr_pages = nr_pages;
	dom->nr_grefs = nr_grefs;
	dom->base = MAP_FAILED;
	strcpy(dom->dir, dir);
	rc = xensim_dom_path(dom->mem_path, sizeof(dom->mem_path), dir, domid, "mem");
	if (rc < 0)
		goto err_free;
	dom->fd = open(dom->mem_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (dom->fd < 0) {
		rc = -errno;
		goto err_free;
	}
	rc = dom_map(dom);
	if (rc == 0)
		rc = dom_open_socket(dom);
	if (rc < 0)
		goto err_unlink;
	/* Last: the hypervisor attaches only a domain whose header is complete. */
	__atomic_store_n(&dom->hdr->alive, XENSIM_ALIVE, __ATOMIC_RELEASE);
	return dom;

err_unlink:
	if (dom->base != MAP_FAILED)
		munmap(dom->base, dom->size);
	close(dom->fd);
	unlink(dom->mem_path);
err_free:
	free(dom->gref_used);
	free(dom);
	errno = -rc;
	return NULL;
}

void xensim_dom_destroy(struct xensim_dom *dom)
{
	if (dom == NULL)
		return;
	__atomic_store_n(&dom->hdr->alive, 0, __ATOMIC_RELEASE);
	unlink(dom->mem_path);
	unlink(dom->self_addr.sun_path);
	close(dom->sock);
	munmap(dom->base, dom->size);
	close(dom->fd);
	free(dom->gref_used);
	free(dom);
}

uint16_t xensim_dom_id(const struct xensim_dom *dom)
{
	return dom->domid;
}

void *xensim_dom_page(struct xensim_dom *dom, uint32_t pfn)
{
	if (pfn >= dom->nr_pages)
		return NULL;
	return dom->frames + (size_t)pfn * XENSIM_PAGE_SIZE;
}

uint32_t xensim_dom_nr_pages(const struct xensim_dom *dom)
{
	return dom->nr_pages;
}

int xensim_gnttab_grant(struct xensim_dom *dom, uint16_t to_domid, uint32_t pfn,
			bool readonly)
{
	grant_entry_v1_t *e;
	uint32_t ref;

	if (pfn >= dom->nr_pages)
		return -EINVAL;
	for (ref = GNTTAB_NR_RESERVED_ENTRIES; ref < dom->nr_grefs; ref++)
		if (!dom->gref_used[ref])
			break;
	if (ref == dom->nr_grefs)
		return -ENOSPC;
	dom->gref_used[ref] = 1;
	e = &dom->gnttab[ref];
	/* As gnttab_grant_foreign_access_ref: frame and domid first, then the flags that
	 * make the entry valid, after a write barrier. */
	__atomic_store_n(&e->frame, pfn, __ATOMIC_RELAXED);
	__atomic_store_n(&e->domid, to_domid, __ATOMIC_RELAXED);
	__atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
			 __ATOMIC_RELEASE);
	return (int)ref;
}

int xensim_gnttab_end(struct xensim_dom *dom, uint32_t gref)
{
	grant_entry_v1_t *e;
	uint16_t flags;

	if (gref < GNTTAB_NR_RESERVED_ENTRIES || gref >= dom->nr_grefs || !dom->gref_used[gref])
		return -EINVAL;
	e = &dom->gnttab[gref];
	/* gnttab_end_foreign_access_ref_v1: clear the flags unless the grantee holds it. */
	flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
	if (flags & (GTF_reading | GTF_writing)) {
		/* A grantee that died: by now the kernel would have unmapped its grants. */
		xensim_reap(dom->dir);
		flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
	}
	do {
		if (flags & (GTF_reading | GTF_writing))
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	dom->gref_used[gref] = 0;
	return 0;
}

static struct xensim_evtchn *dom_channel(struct xensim_dom *dom, uint32_t port)
{
	if (port == 0 || port >= XENSIM_NR_PORTS)
		return NULL;
	return &dom->evtchn[port];
}

int xensim_evtchn_alloc_unbound(struct xensim_dom *dom, uint16_t remote_domid)
{
	struct xensim_evtchn *ch;
	uint32_t port, state;

	for (port = 1; port < XENSIM_NR_PORTS; port++) {
		ch = &dom->evtchn[port];
		if (__atomic_load_n(&ch->state, __ATOMIC_ACQUIRE) != XENSIM_ECS_FREE)
			continue;
		memset(ch, 0, sizeof(*ch));
		__atomic_store_n(&ch->remote_domid, remote_domid, __ATOMIC_RELAXED);
		state = XENSIM_ECS_FREE;
		if (__atomic_compare_exchange_n(&ch->state, &state, XENSIM_ECS_UNBOUND, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return (int)port;
	}
	return -ENOSPC;
}

int xensim_evtchn_close(struct xensim_dom *dom, uint32_t port)
{
	struct xensim_evtchn *ch = dom_channel(dom, port);

	if (ch == NULL)
		return -EINVAL;
	/* The binder re-checks our state on each use, so this unbinds its end too. */
	if (__atomic_exchange_n(&ch->state, XENSIM_ECS_FREE, __ATOMIC_SEQ_CST) ==
	    XENSIM_ECS_FREE)
		return -EINVAL;
	return 0;
}

/* The binder's socket, from our own table: still checked, a name inside our dir. */
static int remote_addr(struct xensim_dom *dom, struct xensim_evtchn *ch,
		       struct sockaddr_un *addr)
{
	char name[XENSIM_SOCK_NAME_MAX];
	int n;

	memcpy(name, ch->remote_sock, sizeof(name));
	if (memchr(name, '\0', sizeof(name)) == NULL || name[0] == '\0' ||
	    strchr(name, '/') != NULL)
		return -EINVAL;
	addr->sun_family = AF_UNIX;
	n = snprintf(addr->sun_path, sizeof(addr->sun_path), "%s/%s", dom->dir, name);
	if (n < 0 || (size_t)n >= sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int xensim_evtchn_notify(struct xensim_dom *dom, uint32_t port)
{
	struct xensim_evtchn *ch = dom_channel(dom, port);
	struct sockaddr_un addr;
	uint32_t state;
	int rc;

	if (ch == NULL)
		return -EINVAL;
	state = __atomic_load_n(&ch->state, __ATOMIC_ACQUIRE);
	if (state == XENSIM_ECS_FREE)
		return -EINVAL;
	if (state != XENSIM_ECS_INTERDOMAIN)
		return 0; /* Xen drops a send on an unbound port */
	rc = remote_addr(dom, ch, &addr);
	if (rc < 0)
		return rc;
	if (xensim_evtchn_raise(ch, XENSIM_END_REMOTE)) {
		rc = xensim_evtchn_send(dom->sock, &addr,
					__atomic_load_n(&ch->remote_port, __ATOMIC_RELAXED));
		if (rc < 0) /* binder gone: stay pending */
			__atomic_store_n(&ch->queued[XENSIM_END_REMOTE], 0, __ATOMIC_SEQ_CST);
	}
	return 0;
}

int xensim_evtchn_fd(struct xensim_dom *dom)
{
	return dom->sock;
}

int xensim_evtchn_pending(struct xensim_dom *dom)
{
	struct xensim_evtchn *ch;
	uint32_t port;
	ssize_t n;

	for (;;) {
		n = recv(dom->sock, &port, sizeof(port), MSG_DONTWAIT);
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		ch = n == (ssize_t)sizeof(port) ? dom_channel(dom, port) : NULL;
		if (ch == NULL)
			continue; /* not a port of ours: ignore */
		xensim_evtchn_take(ch, XENSIM_END_GUEST);
		return (int)port;
	}
}

int xensim_evtchn_unmask(struct xensim_dom *dom, uint32_t port)
{
	struct xensim_evtchn *ch = dom_channel(dom, port);

	if (ch == NULL)
		return -EINVAL;
	if (xensim_evtchn_unmask_end(ch, XENSIM_END_GUEST))
		xensim_evtchn_send(dom->sock, &dom->self_addr, port);
	return 0;
}
