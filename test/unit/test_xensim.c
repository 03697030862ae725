/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of drivers/xen: the simulated hypervisor against Xen's semantics (grant copy
 * statuses, grant maps, event channels, a hostile guest, a guest in another process, the
 * kernel's release of a backend process that dies) and the real backend's open failure on
 * a machine without /dev/xen.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "xen_ops.h"
#include "xensim_dom.h"
#include "xensim_hv_internal.h"

#define GUEST 1
#define NR_PAGES 16
#define NR_GREFS 64
#define PAGE XEN_PAGE_SIZE_4K

struct bed {
	char dir[256];
	struct xensim_dom *dom;
	struct xen_hv *hv;
	uint8_t *local; /* 3 pages, page aligned: the backend's buffer */
};

static void rm_dir(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int bed_setup(void **state)
{
	struct bed *b = calloc(1, sizeof(*b));
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

	if (b == NULL)
		return -1;
	snprintf(b->dir, sizeof(b->dir), "%s/xensim-XXXXXX", base != NULL ? base : "/tmp");
	if (mkdtemp(b->dir) == NULL)
		return -1;
	setenv("XENSIM_DIR", b->dir, 1);
	b->dom = xensim_dom_create(b->dir, GUEST, NR_PAGES, NR_GREFS);
	b->hv = xen_hv_open(xen_ops_select("sim"));
	if (b->dom == NULL || b->hv == NULL || posix_memalign((void **)&b->local, PAGE, 3 * PAGE))
		return -1;
	memset(b->local, 0, 3 * PAGE);
	*state = b;
	return 0;
}

static int bed_teardown(void **state)
{
	struct bed *b = *state;

	xen_hv_close(b->hv);
	xensim_dom_destroy(b->dom);
	rm_dir(b->dir);
	free(b->local);
	free(b);
	return 0;
}

static void fill(void *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		((uint8_t *)p)[i] = (uint8_t)(seed + i * 7);
}

static xen_gcopy_seg seg_from_gref(uint16_t domid, uint32_t ref, uint16_t off, void *dst,
				   uint16_t len)
{
	xen_gcopy_seg s = { .flags = GNTCOPY_source_gref, .len = len, .status = 99 };

	s.source.foreign.domid = domid;
	s.source.foreign.ref = ref;
	s.source.foreign.offset = off;
	s.dest.virt = dst;
	return s;
}

static xen_gcopy_seg seg_to_gref(const void *src, uint16_t domid, uint32_t ref, uint16_t off,
				 uint16_t len)
{
	xen_gcopy_seg s = { .flags = GNTCOPY_dest_gref, .len = len, .status = 99 };

	s.source.virt = (void *)(uintptr_t)src;
	s.dest.foreign.domid = domid;
	s.dest.foreign.ref = ref;
	s.dest.foreign.offset = off;
	return s;
}

/* The guest's grant entry, read through the hypervisor's attachment of the file. */
static uint16_t gref_flags(struct bed *b, uint32_t ref)
{
	struct xensim_domain *d = xensim_domain_get(b->dir, GUEST);
	uint16_t flags;

	assert_non_null(d);
	flags = __atomic_load_n(&d->gnttab[ref].flags, __ATOMIC_ACQUIRE);
	xensim_domain_put(d);
	return flags;
}

/* The bed's handle's holder, for calls below the ops layer. */
static struct xensim_rec *bed_rec(struct bed *b)
{
	return &((struct xensim_hv *)(void *)b->hv)->rec;
}

/* The guest's own mapping of its file (header onwards), to play a hostile guest. */
static uint8_t *guest_base(struct bed *b)
{
	return (uint8_t *)xensim_dom_page(b->dom, 0) - xensim_frames_off(NR_GREFS);
}

/* By name only: the environment (XENSIM_DIR is set here) never chooses the sim. */
static void test_select(void **state)
{
	char names[64];

	(void)state;
	assert_non_null(getenv("XENSIM_DIR"));
	assert_ptr_equal(xen_ops_select(NULL), &xen_real_ops);
	assert_ptr_equal(xen_ops_select("real"), &xen_real_ops);
	assert_ptr_equal(xen_ops_select("sim"), &xen_sim_ops); /* registered: linked whole */
	errno = 0;
	assert_null(xen_ops_select("auto"));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(xen_ops_select("kvm"));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(xen_ops_names(names, sizeof(names)), "real, sim");
	assert_string_equal(xen_ops_names(names, 6), "real,");
}

static void test_real_open_fails(void **state)
{
	char path[] = "/tmp/xenreal-log-XXXXXX", text[4096] = "";
	int saved, logfd, err;
	struct xen_hv *hv;
	ssize_t n;

	(void)state;
	if (access("/dev/xen/gntdev", F_OK) == 0)
		skip(); /* a real Xen host: nothing to fail */
	logfd = mkstemp(path);
	assert_true(logfd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(logfd, STDERR_FILENO);
	errno = 0;
	hv = xen_hv_open(&xen_real_ops);
	err = errno;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(logfd, text, sizeof(text) - 1, 0);
	close(logfd);
	unlink(path);
	assert_null(hv);
	assert_int_not_equal(err, 0);
	assert_true(n > 0);
	assert_non_null(strstr(text, "xen-real: cannot open /dev/xen/gntdev: "));
	assert_non_null(strstr(text, strerror(err)));
}

static void test_copy_okay(void **state)
{
	struct bed *b = *state;
	uint8_t *gpage = xensim_dom_page(b->dom, 3), *wpage = xensim_dom_page(b->dom, 4);
	uint8_t expect[PAGE];
	xen_gcopy_seg segs[3];
	int ro, rw;

	fill(gpage, PAGE, 1);
	ro = xensim_gnttab_grant(b->dom, 0, 3, true);
	rw = xensim_gnttab_grant(b->dom, 0, 4, false);
	assert_true(ro >= 8 && rw >= 8);
	/* guest -> backend, backend -> guest, and a local side that crosses a page */
	segs[0] = seg_from_gref(GUEST, ro, 100, b->local, 500);
	fill(b->local + PAGE, 300, 9);
	segs[1] = seg_to_gref(b->local + PAGE, GUEST, rw, 3000, 300);
	segs[2] = seg_from_gref(GUEST, ro, 0, b->local + 2 * PAGE - 50, 200);
	assert_int_equal(xen_hv_grant_copy(b->hv, 3, segs), 0);
	assert_int_equal(segs[0].status, GNTST_okay);
	assert_int_equal(segs[1].status, GNTST_okay);
	assert_int_equal(segs[2].status, GNTST_okay);
	assert_memory_equal(b->local, gpage + 100, 500);
	assert_memory_equal(wpage + 3000, b->local + PAGE, 300);
	assert_memory_equal(b->local + 2 * PAGE - 50, gpage, 200);
	memset(expect, 0, sizeof(expect));
	assert_memory_equal(wpage, expect, 3000); /* nothing outside the segment */
	/* The pins are gone after the copy: only the guest's flags remain. */
	assert_int_equal(gref_flags(b, ro), GTF_permit_access | GTF_readonly);
	assert_int_equal(gref_flags(b, rw), GTF_permit_access);
	assert_int_equal(xensim_gnttab_end(b->dom, ro), 0);
	assert_int_equal(xensim_gnttab_end(b->dom, rw), 0);
}

static void test_copy_bad_domain(void **state)
{
	struct bed *b = *state;
	xen_gcopy_seg seg;
	int ref = xensim_gnttab_grant(b->dom, 0, 1, false);

	seg = seg_from_gref(7, ref, 0, b->local, 64); /* no domain 7 */
	assert_int_equal(xen_hv_grant_copy(b->hv, 1, &seg), 0);
	assert_int_equal(seg.status, GNTST_bad_domain);
	/* A destroyed domain: gone for the attached backend too. */
	seg = seg_to_gref(b->local, GUEST, ref, 0, 64);
	assert_int_equal(xen_hv_grant_copy(b->hv, 1, &seg), 0);
	assert_int_equal(seg.status, GNTST_okay);
	xensim_dom_destroy(b->dom);
	seg.status = 99;
	assert_int_equal(xen_hv_grant_copy(b->hv, 1, &seg), 0);
	assert_int_equal(seg.status, GNTST_bad_domain);
	b->dom = xensim_dom_create(b->dir, GUEST, NR_PAGES, NR_GREFS);
	assert_non_null(b->dom);
}

static void test_copy_bad_gntref(void **state)
{
	struct bed *b = *state;
	xen_gcopy_seg segs[2];

	segs[0] = seg_from_gref(GUEST, NR_GREFS, 0, b->local, 64);
	segs[1] = seg_to_gref(b->local, GUEST, UINT32_MAX, 0, 64);
	assert_int_equal(xen_hv_grant_copy(b->hv, 2, segs), 0);
	assert_int_equal(segs[0].status, GNTST_bad_gntref);
	assert_int_equal(segs[1].status, GNTST_bad_gntref);
}

/* Xen's _set_status_v1 answers GNTST_general_error ("Bad flags or dom", "write-pin a r/o
 * grant entry") for every entry that does not grant us this access. */
static void test_copy_not_permitted(void **state)
{
	struct bed *b = *state;
	int other = xensim_gnttab_grant(b->dom, 5, 2, false);
	int ro = xensim_gnttab_grant(b->dom, 0, 3, true);
	xen_gcopy_seg segs[4];

	segs[0] = seg_from_gref(GUEST, other, 0, b->local, 64);  /* granted to domain 5 */
	segs[1] = seg_from_gref(GUEST, NR_GREFS - 1, 0, b->local, 64); /* never granted */
	segs[2] = seg_to_gref(b->local, GUEST, ro, 0, 64);       /* write to a r/o grant */
	segs[3] = seg_from_gref(GUEST, ro, 0, b->local + PAGE, 64); /* read of it is fine */
	assert_int_equal(xen_hv_grant_copy(b->hv, 4, segs), 0);
	assert_int_equal(segs[0].status, GNTST_general_error);
	assert_int_equal(segs[1].status, GNTST_general_error);
	assert_int_equal(segs[2].status, GNTST_general_error);
	assert_int_equal(segs[3].status, GNTST_okay);
	assert_int_equal(gref_flags(b, ro), GTF_permit_access | GTF_readonly);
	assert_int_equal(gref_flags(b, other), GTF_permit_access);
}

static void test_copy_bad_page(void **state)
{
	struct bed *b = *state;
	int ref = xensim_gnttab_grant(b->dom, 0, 2, false);
	grant_entry_v1_t *e = (grant_entry_v1_t *)(void *)(guest_base(b) + xensim_gnttab_off());
	xen_gcopy_seg seg = seg_from_gref(GUEST, ref, 0, b->local, 64);

	e[ref].frame = NR_PAGES; /* the guest names a frame it does not have */
	assert_int_equal(xen_hv_grant_copy(b->hv, 1, &seg), 0);
	assert_int_equal(seg.status, GNTST_bad_page);
	assert_int_equal(gref_flags(b, ref), GTF_permit_access); /* flags undone */
}

/* gntdev never lets a foreign offset + len pass the page, so GNTST_bad_copy_arg only
 * exists at hypervisor level: test it there. */
static void test_copy_bad_copy_arg(void **state)
{
	struct bed *b = *state;
	int ref = xensim_gnttab_grant(b->dom, 0, 2, false);
	struct xensim_domain *d = xensim_domain_get(b->dir, GUEST);
	struct xensim_copy_ptr gref = { .dom = d, .ref = (uint32_t)ref, .offset = 4000 };
	struct xensim_copy_ptr local = { .local_page = b->local };

	assert_non_null(d);
	assert_int_equal(xensim_gnttab_copy_op(bed_rec(b), &gref, &local, 200), GNTST_bad_copy_arg);
	local.offset = 4000;
	gref.offset = 0;
	assert_int_equal(xensim_gnttab_copy_op(bed_rec(b), &local, &gref, 97), GNTST_bad_copy_arg);
	assert_int_equal(xensim_gnttab_copy_op(bed_rec(b), &local, &gref, 96), GNTST_okay);
	assert_int_equal(gref_flags(b, ref), GTF_permit_access);
	xensim_domain_put(d);
}

/* Xen keeps a grant claimed from one op of a call to the next while the op names the same
 * grant, drops it when the grant changes or an op fails, and at the end of the call; a
 * call is at most 16 ops (gntdev's batch). */
static void test_copy_call_claims(void **state)
{
	struct bed *b = *state;
	int ra = xensim_gnttab_grant(b->dom, 0, 2, false);
	int rb = xensim_gnttab_grant(b->dom, 0, 3, false);
	struct xensim_domain *d = xensim_domain_get(b->dir, GUEST);
	struct xensim_copy_ptr a = { .dom = d, .ref = (uint32_t)ra };
	struct xensim_copy_ptr bb = { .dom = d, .ref = (uint32_t)rb };
	struct xensim_copy_ptr local = { .local_page = b->local };
	struct xensim_copy_call call = { .rec = bed_rec(b) };
	const uint16_t busy = GTF_permit_access | GTF_reading | GTF_writing;

	assert_non_null(d);
	for (unsigned int i = 0; i < 3; i++) {
		a.offset = (uint16_t)(i * 100);
		assert_int_equal(xensim_gnttab_call_copy_op(&call, &local, &a, 100), GNTST_okay);
		assert_int_equal(gref_flags(b, ra), busy); /* still claimed between ops */
	}
	assert_int_equal(xensim_gnttab_call_copy_op(&call, &local, &bb, 100), GNTST_okay);
	assert_int_equal(gref_flags(b, ra), GTF_permit_access); /* another grant: released */
	assert_int_equal(gref_flags(b, rb), busy);
	bb.offset = 4000;
	assert_int_equal(xensim_gnttab_call_copy_op(&call, &local, &bb, 200), GNTST_bad_copy_arg);
	assert_int_equal(gref_flags(b, rb), GTF_permit_access); /* a failed op drops it */
	assert_int_equal(call.nr_ops, 5); /* ... but the call goes on */
	xensim_gnttab_call_end(&call);
	bb.offset = 0;
	for (unsigned int i = 0; i < XENSIM_GNTDEV_COPY_BATCH; i++)
		assert_int_equal(xensim_gnttab_call_copy_op(&call, &local, &bb, 8), GNTST_okay);
	assert_int_equal(call.nr_ops, XENSIM_GNTDEV_COPY_BATCH);
	assert_int_equal(xensim_gnttab_call_copy_op(&call, &local, &bb, 8), GNTST_okay);
	assert_int_equal(call.nr_ops, 1); /* the 17th op opened the next hypercall */
	xensim_gnttab_call_end(&call);
	assert_int_equal(gref_flags(b, rb), GTF_permit_access);
	assert_null(call.dst.dom);
	xensim_domain_put(d);
}

static void test_copy_whole_call_einval(void **state)
{
	struct bed *b = *state;
	int ref = xensim_gnttab_grant(b->dom, 0, 2, false);
	uint8_t *gpage = xensim_dom_page(b->dom, 2);
	xen_gcopy_seg segs[2];

	fill(gpage, PAGE, 3);
	segs[0] = seg_from_gref(GUEST, ref, 0, b->local, 64); /* fine, but not issued */
	segs[1] = seg_from_gref(GUEST, ref, 4000, b->local + PAGE, 200);
	assert_int_equal(xen_hv_grant_copy(b->hv, 2, segs), -EINVAL);
	assert_int_equal(b->local[0], 0);
	segs[1] = seg_to_gref(b->local, GUEST, ref, 4090, 7);
	assert_int_equal(xen_hv_grant_copy(b->hv, 2, segs), -EINVAL);
	segs[1] = seg_to_gref(b->local, GUEST, ref, 0, 7);
	segs[1].flags = 0; /* local -> local */
	segs[1].dest.virt = b->local + PAGE;
	assert_int_equal(xen_hv_grant_copy(b->hv, 2, segs), -EINVAL);
	assert_int_equal(segs[0].status, 99);
	assert_int_equal(b->local[0], 0);
}

static void test_copy_mixed_batch(void **state)
{
	struct bed *b = *state;
	int ro = xensim_gnttab_grant(b->dom, 0, 5, true);
	int rw = xensim_gnttab_grant(b->dom, 0, 6, false);
	uint8_t *src = xensim_dom_page(b->dom, 5), *dst = xensim_dom_page(b->dom, 6);
	xen_gcopy_seg segs[5];

	fill(src, PAGE, 5);
	fill(b->local + PAGE, 256, 6);
	segs[0] = seg_from_gref(GUEST, ro, 10, b->local, 100);
	segs[1] = seg_from_gref(GUEST, NR_GREFS + 3, 0, b->local + 200, 100);
	segs[2] = seg_to_gref(b->local + PAGE, GUEST, rw, 20, 256);
	segs[3] = seg_to_gref(b->local + PAGE, GUEST, ro, 0, 16);
	segs[4] = seg_from_gref(9, ro, 0, b->local + 300, 16);
	assert_int_equal(xen_hv_grant_copy(b->hv, 5, segs), 0);
	assert_int_equal(segs[0].status, GNTST_okay);
	assert_int_equal(segs[1].status, GNTST_bad_gntref);
	assert_int_equal(segs[2].status, GNTST_okay);
	assert_int_equal(segs[3].status, GNTST_general_error);
	assert_int_equal(segs[4].status, GNTST_bad_domain);
	assert_memory_equal(b->local, src + 10, 100);
	assert_memory_equal(dst + 20, b->local + PAGE, 256);
	assert_int_equal(b->local[200], 0);
	assert_int_equal(src[0], 5); /* the refused write left the r/o page alone */
}

static void test_map_shared(void **state)
{
	struct bed *b = *state;
	uint32_t refs[2];
	uint8_t *map, *p7 = xensim_dom_page(b->dom, 7), *p8 = xensim_dom_page(b->dom, 8);

	refs[0] = xensim_gnttab_grant(b->dom, 0, 7, false);
	refs[1] = xensim_gnttab_grant(b->dom, 0, 8, false);
	map = xen_hv_map(b->hv, GUEST, 2, refs, true);
	assert_non_null(map);
	assert_int_equal(gref_flags(b, refs[0]), GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(xensim_gnttab_end(b->dom, refs[1]), -EBUSY);
	/* Really shared, both ways, page order kept. */
	strcpy((char *)p8, "written by the guest");
	assert_string_equal((char *)map + PAGE, "written by the guest");
	strcpy((char *)map, "written by the backend");
	assert_string_equal((char *)p7, "written by the backend");
	assert_int_equal(xen_hv_unmap(b->hv, map, 1), -EINVAL); /* count must match */
	assert_int_equal(xen_hv_unmap(b->hv, map, 2), 0);
	assert_int_equal(xen_hv_unmap(b->hv, map, 2), -EINVAL);
	assert_int_equal(gref_flags(b, refs[0]), GTF_permit_access);
	assert_int_equal(xensim_gnttab_end(b->dom, refs[0]), 0);
	assert_int_equal(xensim_gnttab_end(b->dom, refs[1]), 0);
}

static void test_map_errors(void **state)
{
	struct bed *b = *state;
	uint32_t refs[2];
	uint8_t *map;

	refs[0] = xensim_gnttab_grant(b->dom, 0, 7, false);
	refs[1] = xensim_gnttab_grant(b->dom, 0, 8, true);
	/* A writable map of a r/o grant fails as a whole, and undoes the first page. */
	errno = 0;
	assert_null(xen_hv_map(b->hv, GUEST, 2, refs, true));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(gref_flags(b, refs[0]), GTF_permit_access);
	/* Read-only is fine, and sets only GTF_reading. */
	map = xen_hv_map(b->hv, GUEST, 2, refs, false);
	assert_non_null(map);
	assert_int_equal(gref_flags(b, refs[1]), GTF_permit_access | GTF_readonly | GTF_reading);
	assert_int_equal(xen_hv_unmap(b->hv, map, 2), 0);
	refs[1] = NR_GREFS;
	assert_null(xen_hv_map(b->hv, GUEST, 2, refs, false));
	assert_int_equal(errno, EINVAL);
	assert_null(xen_hv_map(b->hv, 9, 1, refs, false));
	assert_int_equal(errno, EINVAL);
	assert_null(xen_hv_map(b->hv, GUEST, 0, refs, false));
	assert_int_equal(errno, EINVAL);
}

/* Bind the guest's new unbound port; take the event Xen raises on bind. */
static int bind_port(struct bed *b, int *gport)
{
	int lport;

	*gport = xensim_evtchn_alloc_unbound(b->dom, 0);
	assert_true(*gport > 0);
	lport = xen_hv_evtchn_bind(b->hv, GUEST, *gport);
	assert_true(lport > 0);
	assert_int_equal(xen_hv_evtchn_pending(b->hv), lport);
	assert_int_equal(xen_hv_evtchn_pending(b->hv), -EAGAIN);
	assert_int_equal(xen_hv_evtchn_unmask(b->hv, lport), 0);
	return lport;
}

static void test_evtchn_notify(void **state)
{
	struct bed *b = *state;
	int gport, lport = bind_port(b, &gport);

	/* Delivered once while pending; masked from delivery until unmask. */
	assert_int_equal(xen_hv_evtchn_notify(b->hv, lport), 0);
	assert_int_equal(xen_hv_evtchn_notify(b->hv, lport), 0);
	assert_int_equal(xensim_evtchn_pending(b->dom), gport);
	assert_int_equal(xensim_evtchn_pending(b->dom), -EAGAIN);
	assert_int_equal(xen_hv_evtchn_notify(b->hv, lport), 0); /* masked: held pending */
	assert_int_equal(xensim_evtchn_pending(b->dom), -EAGAIN);
	assert_int_equal(xensim_evtchn_unmask(b->dom, gport), 0); /* re-delivered */
	assert_int_equal(xensim_evtchn_pending(b->dom), gport);
	assert_int_equal(xensim_evtchn_unmask(b->dom, gport), 0); /* nothing pending now */
	assert_int_equal(xensim_evtchn_pending(b->dom), -EAGAIN);
	/* The other direction, through the backend's fd. */
	assert_int_equal(xensim_evtchn_notify(b->dom, gport), 0);
	struct pollfd pfd = { .fd = xen_hv_evtchn_fd(b->hv), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	assert_int_equal(xen_hv_evtchn_pending(b->hv), lport);
	assert_int_equal(xensim_evtchn_notify(b->dom, gport), 0);
	assert_int_equal(xen_hv_evtchn_pending(b->hv), -EAGAIN); /* masked */
	assert_int_equal(xen_hv_evtchn_unmask(b->hv, lport), 0);
	assert_int_equal(xen_hv_evtchn_pending(b->hv), lport);
}

static void test_evtchn_close(void **state)
{
	struct bed *b = *state;
	int gport, gport2, lport = bind_port(b, &gport), lport2;

	/* Backend closes: the guest's port is unbound again, bindable by domain 0. */
	assert_int_equal(xen_hv_evtchn_unbind(b->hv, lport), 0);
	assert_int_equal(xen_hv_evtchn_notify(b->hv, lport), -ENOTCONN);
	assert_int_equal(xensim_evtchn_notify(b->dom, gport), 0); /* dropped: unbound */
	assert_int_equal(xen_hv_evtchn_pending(b->hv), -EAGAIN);
	lport = xen_hv_evtchn_bind(b->hv, GUEST, gport);
	assert_true(lport > 0);
	assert_int_equal(xen_hv_evtchn_pending(b->hv), lport);
	assert_int_equal(xen_hv_evtchn_unmask(b->hv, lport), 0);
	/* Guest closes: the backend's end is unbound; its sends are dropped, even after the
	 * guest reuses the port number for a new binding. */
	assert_int_equal(xensim_evtchn_close(b->dom, gport), 0);
	assert_int_equal(xen_hv_evtchn_notify(b->hv, lport), 0);
	assert_int_equal(xensim_evtchn_pending(b->dom), -EAGAIN);
	lport2 = bind_port(b, &gport2);
	assert_int_equal(gport2, gport);
	assert_int_not_equal(lport2, lport);
	assert_int_equal(xen_hv_evtchn_notify(b->hv, lport), 0);
	assert_int_equal(xensim_evtchn_pending(b->dom), -EAGAIN);
	assert_int_equal(xen_hv_evtchn_notify(b->hv, lport2), 0);
	assert_int_equal(xensim_evtchn_pending(b->dom), gport2);
	assert_int_equal(xen_hv_evtchn_unbind(b->hv, lport), 0);
}

static void test_evtchn_bind_errors(void **state)
{
	struct bed *b = *state;
	int other = xensim_evtchn_alloc_unbound(b->dom, 5);
	int gport, lport = bind_port(b, &gport);

	assert_int_equal(xen_hv_evtchn_bind(b->hv, GUEST, other), -EINVAL); /* for dom 5 */
	assert_int_equal(xen_hv_evtchn_bind(b->hv, GUEST, gport), -EINVAL); /* bound */
	assert_int_equal(xen_hv_evtchn_bind(b->hv, GUEST, 0), -EINVAL);
	assert_int_equal(xen_hv_evtchn_bind(b->hv, GUEST, XENSIM_NR_PORTS), -EINVAL);
	assert_int_equal(xen_hv_evtchn_bind(b->hv, GUEST, other + 1), -EINVAL); /* free */
	assert_int_equal(xen_hv_evtchn_bind(b->hv, 9, 1), -ESRCH);
	assert_int_equal(xen_hv_evtchn_unbind(b->hv, lport + 1), -ENOTCONN);
	assert_int_equal(xen_hv_evtchn_notify(b->hv, 0), -EINVAL);
	assert_int_equal(xen_hv_evtchn_unmask(b->hv, XENSIM_HV_NR_PORTS), -EINVAL);
	assert_int_equal(xensim_evtchn_close(b->dom, gport), 0);
	assert_int_equal(xensim_evtchn_close(b->dom, gport), -EINVAL);
	assert_int_equal(xensim_evtchn_notify(b->dom, XENSIM_NR_PORTS), -EINVAL);
}

static bool status_is_legal(int16_t st)
{
	return st == GNTST_okay || st == GNTST_general_error || st == GNTST_bad_domain ||
	       st == GNTST_bad_gntref || st == GNTST_bad_page;
}

struct flipper {
	grant_entry_v1_t *e;
	atomic_bool stop;
	atomic_uint flips;
};

/* A guest rewriting its grant entry as fast as it can, while the backend copies. */
static void *flip_entry(void *arg)
{
	struct flipper *f = arg;
	uint32_t n = 0;

	while (!atomic_load(&f->stop)) {
		__atomic_store_n(&f->e->frame, n % (NR_PAGES + 2), __ATOMIC_RELAXED);
		__atomic_fetch_xor(&f->e->flags, (uint16_t)(n & 1 ? GTF_permit_access : GTF_readonly),
				   __ATOMIC_SEQ_CST);
		atomic_store(&f->flips, ++n);
	}
	return NULL;
}

static void test_copy_racing_guest(void **state)
{
	struct bed *b = *state;
	grant_entry_v1_t *gt = (grant_entry_v1_t *)(void *)(guest_base(b) + xensim_gnttab_off());
	int ref = xensim_gnttab_grant(b->dom, 0, 1, false), i, okay = 0, failed = 0;
	struct flipper f = { .e = &gt[ref] };
	xen_gcopy_seg seg;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, flip_entry, &f), 0);
	while (atomic_load(&f.flips) == 0)
		sched_yield();
	/* Until both outcomes were seen often (bounded: the flipper may be descheduled). */
	for (i = 0; i < 5000000 && (okay < 1000 || failed < 1000); i++) {
		seg = i & 1 ? seg_to_gref(b->local, GUEST, ref, 0, 512) :
			      seg_from_gref(GUEST, ref, 0, b->local, 512);
		assert_int_equal(xen_hv_grant_copy(b->hv, 1, &seg), 0);
		assert_true(status_is_legal(seg.status));
		if (seg.status == GNTST_okay)
			okay++;
		else
			failed++;
	}
	atomic_store(&f.stop, true);
	pthread_join(t, NULL);
	/* Every pin was dropped: no GTF_reading/GTF_writing left behind. */
	assert_int_equal(gref_flags(b, ref) & (GTF_reading | GTF_writing), 0);
	assert_true(okay > 0 && failed > 0);
	print_message("racing guest: %d copies done, %d refused\n", okay, failed);
}

static void hostile_round(struct bed *b, int lport, unsigned int *seed)
{
	xen_gcopy_seg segs[8];
	uint32_t refs[4];
	uint8_t *map;
	int i, rc;

	for (i = 0; i < 8; i++) {
		uint32_t ref = (uint32_t)rand_r(seed) % (NR_GREFS + 4);
		uint16_t off = (uint16_t)(rand_r(seed) % 2048), len = (uint16_t)(rand_r(seed) % 2048);

		segs[i] = i & 1 ? seg_to_gref(b->local + PAGE, GUEST, ref, off, len) :
				  seg_from_gref(GUEST, ref, off, b->local + PAGE, len);
	}
	assert_int_equal(xen_hv_grant_copy(b->hv, 8, segs), 0);
	for (i = 0; i < 8; i++)
		assert_true(status_is_legal(segs[i].status));
	for (i = 0; i < 4; i++)
		refs[i] = (uint32_t)rand_r(seed) % (NR_GREFS + 2);
	map = xen_hv_map(b->hv, GUEST, 4, refs, rand_r(seed) & 1);
	if (map != NULL) {
		map[0] ^= 1; /* a mapped page is a real page of the file */
		assert_int_equal(xen_hv_unmap(b->hv, map, 4), 0);
	}
	rc = xen_hv_evtchn_notify(b->hv, lport);
	assert_true(rc == 0 || rc == -EINVAL);
	rc = xen_hv_evtchn_pending(b->hv);
	assert_true(rc == -EAGAIN || rc == lport);
	assert_int_equal(xen_hv_evtchn_unmask(b->hv, lport), 0);
}

static void test_hostile_guest(void **state)
{
	struct bed *b = *state;
	uint8_t *base = guest_base(b), canary[PAGE];
	struct xensim_evtchn *ch = (struct xensim_evtchn *)(void *)(base + xensim_evtchn_off());
	grant_entry_v1_t *gt = (grant_entry_v1_t *)(void *)(base + xensim_gnttab_off());
	unsigned int seed = 12345;
	int gport, lport = bind_port(b, &gport), ref, round;
	xen_gcopy_seg seg;
	size_t i;

	/* Targeted: corrupt state, a granted frame far out of range, a forged socket name. */
	ref = xensim_gnttab_grant(b->dom, 0, 1, false);
	gt[ref].frame = UINT32_MAX;
	seg = seg_to_gref(b->local, GUEST, ref, 0, 64);
	assert_int_equal(xen_hv_grant_copy(b->hv, 1, &seg), 0);
	assert_int_equal(seg.status, GNTST_bad_page);
	ch[gport].state = 0xdeadbeef;
	assert_int_equal(xen_hv_evtchn_notify(b->hv, lport), -EINVAL);
	ch[gport].state = XENSIM_ECS_INTERDOMAIN;
	memcpy(ch[gport].remote_sock, "../../etc/passwd-not-a-name-without-nul", XENSIM_SOCK_NAME_MAX);
	assert_int_equal(xensim_evtchn_notify(b->dom, gport), -EINVAL);

	/* Random bytes over header, event channel table and grant table, many times. */
	memset(canary, 0xa5, sizeof(canary));
	memcpy(b->local + 2 * PAGE, canary, PAGE);
	for (round = 0; round < 300; round++) {
		size_t start = (size_t)rand_r(&seed) % xensim_frames_off(NR_GREFS);
		size_t len = (size_t)rand_r(&seed) % 512;

		for (i = start; i < start + len && i < xensim_frames_off(NR_GREFS); i++)
			base[i] = (uint8_t)rand_r(&seed);
		/* Keep the domain alive most of the time so the checks behind it run. */
		if (round % 10 != 9)
			__atomic_store_n(&((struct xensim_hdr *)(void *)base)->alive, XENSIM_ALIVE,
					 __ATOMIC_RELEASE);
		hostile_round(b, lport, &seed);
	}
	assert_memory_equal(b->local + 2 * PAGE, canary, PAGE); /* no write past the buffer */

	/* A scribbled header keeps a new handle from attaching at all. */
	memset(base, 0xff, 64);
	struct xen_hv *hv2 = xen_hv_open(&xen_sim_ops);
	assert_non_null(hv2);
	seg = seg_from_gref(GUEST, 8, 0, b->local, 16);
	assert_int_equal(xen_hv_grant_copy(hv2, 1, &seg), 0);
	assert_int_equal(seg.status, GNTST_bad_domain);
	assert_int_equal(xen_hv_evtchn_bind(hv2, GUEST, 1), -ESRCH);
	xen_hv_close(hv2);
}

/* Guest in a child process: the same pages and ports, seen from two address spaces. */
static int child_guest(const char *dir, int to_parent, int from_parent)
{
	struct xensim_dom *dom = xensim_dom_create(dir, 3, 4, 16);
	struct pollfd pfd;
	uint32_t msg[2];
	char done;
	int ok = 1;

	if (dom == NULL)
		return 2;
	strcpy(xensim_dom_page(dom, 1), "hello from the guest");
	msg[0] = (uint32_t)xensim_gnttab_grant(dom, 0, 1, false);
	msg[1] = (uint32_t)xensim_evtchn_alloc_unbound(dom, 0);
	if (write(to_parent, msg, sizeof(msg)) != sizeof(msg))
		return 3;
	pfd.fd = xensim_evtchn_fd(dom);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) != 1 || xensim_evtchn_pending(dom) != (int)msg[1])
		ok = 0;
	if (strcmp(xensim_dom_page(dom, 1), "hello from the backend") != 0)
		ok = 0;
	if (xensim_evtchn_notify(dom, msg[1]) != 0)
		ok = 0;
	if (read(from_parent, &done, 1) != 1)
		ok = 0;
	xensim_dom_destroy(dom);
	return ok ? 0 : 4;
}

static void test_cross_process(void **state)
{
	struct bed *b = *state;
	int up[2], down[2], lport, status;
	char buf[64] = "";
	uint32_t msg[2];
	struct pollfd pfd;
	xen_gcopy_seg seg;
	pid_t pid;

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_guest(b->dir, up[1], down[0]));
	assert_int_equal(read(up[0], msg, sizeof(msg)), sizeof(msg));
	seg = seg_from_gref(3, msg[0], 0, buf, sizeof("hello from the guest"));
	assert_int_equal(xen_hv_grant_copy(b->hv, 1, &seg), 0);
	assert_int_equal(seg.status, GNTST_okay);
	assert_string_equal(buf, "hello from the guest");
	strcpy(buf, "hello from the backend");
	seg = seg_to_gref(buf, 3, msg[0], 0, sizeof("hello from the backend"));
	assert_int_equal(xen_hv_grant_copy(b->hv, 1, &seg), 0);
	assert_int_equal(seg.status, GNTST_okay);
	lport = xen_hv_evtchn_bind(b->hv, 3, msg[1]);
	assert_true(lport > 0);
	assert_int_equal(xen_hv_evtchn_pending(b->hv), lport); /* raised by the bind */
	assert_int_equal(xen_hv_evtchn_unmask(b->hv, lport), 0);
	assert_int_equal(xen_hv_evtchn_notify(b->hv, lport), 0);
	pfd.fd = xen_hv_evtchn_fd(b->hv);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(xen_hv_evtchn_pending(b->hv), lport);
	assert_int_equal(write(down[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The child destroyed its domain: the backend sees it gone. */
	seg.status = 99;
	assert_int_equal(xen_hv_grant_copy(b->hv, 1, &seg), 0);
	assert_int_equal(seg.status, GNTST_bad_domain);
	assert_int_equal(xen_hv_evtchn_unbind(b->hv, lport), 0);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

/* Two processes map one grant: the domain's active entry counts both (Xen's active grant
 * table is one per domain), so GTF flags stay until the last one unmaps. */
static void test_map_two_processes(void **state)
{
	struct bed *b = *state;
	uint32_t ref = (uint32_t)xensim_gnttab_grant(b->dom, 0, 11, false);
	const uint16_t busy = GTF_permit_access | GTF_reading | GTF_writing;
	int up[2], down[2], status;
	char c = 0;
	uint8_t *map;
	pid_t pid;

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct xen_hv *hv;
		uint8_t *m;

		close(up[0]);
		close(down[1]); /* a parent that fails ends the child's wait */
		hv = xen_hv_open(&xen_sim_ops);
		m = hv != NULL ? xen_hv_map(hv, GUEST, 1, &ref, true) : NULL;
		if (m == NULL || write(up[1], "m", 1) != 1 || read(down[0], &c, 1) != 1 ||
		    xen_hv_unmap(hv, m, 1) != 0)
			_exit(2);
		xen_hv_close(hv);
		_exit(write(up[1], "u", 1) == 1 ? 0 : 3);
	}
	assert_int_equal(read(up[0], &c, 1), 1);
	map = xen_hv_map(b->hv, GUEST, 1, &ref, false);
	assert_non_null(map);
	assert_int_equal(xen_hv_unmap(b->hv, map, 1), 0);
	assert_int_equal(gref_flags(b, ref), busy); /* the child still maps it */
	assert_int_equal(xensim_gnttab_end(b->dom, ref), -EBUSY);
	assert_int_equal(write(down[1], "x", 1), 1);
	assert_int_equal(read(up[0], &c, 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(gref_flags(b, ref), GTF_permit_access);
	assert_int_equal(xensim_gnttab_end(b->dom, ref), 0);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

/* ---- The kernel's release of a dead backend process (xensim_rec.h) ---- */

/* The guest's end of its port @p port, through its own mapping. */
static struct xensim_evtchn *guest_channel(struct bed *b, int port)
{
	return (struct xensim_evtchn *)(void *)(guest_base(b) + xensim_evtchn_off()) + port;
}

/* Handle records in the bed's directory (be<token>.rec), and whether @p token has one. */
static unsigned int count_records(struct bed *b, uint32_t token, bool *found)
{
	char name[32];
	struct dirent *de;
	unsigned int n = 0;
	DIR *d = opendir(b->dir);

	assert_non_null(d);
	snprintf(name, sizeof(name), "be%08x.rec", token);
	*found = false;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "be", 2) != 0 || len < 4 ||
		    strcmp(de->d_name + len - 4, ".rec") != 0)
			continue;
		n++;
		if (strcmp(de->d_name, name) == 0)
			*found = true;
	}
	closedir(d);
	return n;
}

/* Only the bed's own handle keeps a record: nothing of a dead one is left. */
static void assert_only_bed_record(struct bed *b)
{
	char path[512];
	bool found;

	assert_int_equal(count_records(b, bed_rec(b)->token, &found), 1);
	assert_true(found);
	snprintf(path, sizeof(path), "%s/be%08x.evtchn", b->dir, bed_rec(b)->token);
	assert_int_equal(access(path, F_OK), 0);
}

typedef int (*child_fn)(struct xen_hv *hv, void *arg);

/* Run @p fn in a child with a handle of its own and wait until it has done its part. */
static pid_t child_start(child_fn fn, void *arg, bool exits)
{
	int pfd[2];
	char ready;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct xen_hv *hv;

		/* A parent that fails before child_end() takes the child with it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() == 1)
			_exit(3);
		close(pfd[0]);
		hv = xen_hv_open(&xen_sim_ops);
		if (hv == NULL || fn(hv, arg) != 0 || write(pfd[1], "r", 1) != 1)
			_exit(2);
		if (exits)
			_exit(0); /* the handle is never closed */
		for (;;)
			pause();
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &ready, 1), 1);
	close(pfd[0]);
	return pid;
}

/* SIGKILL the child (or wait for its exit). */
static void child_end(pid_t pid, bool exits)
{
	int status;

	if (!exits)
		assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (exits)
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	else
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* What a backend holds: grant rw mapped writable, ro read-only, guest port gport bound. */
struct held {
	uint32_t rw, ro;
	int gport;
};

static int child_holds(struct xen_hv *hv, void *arg)
{
	struct held *h = arg;

	if (xen_hv_map(hv, GUEST, 1, &h->rw, true) == NULL ||
	    xen_hv_map(hv, GUEST, 1, &h->ro, false) == NULL)
		return -1;
	return xen_hv_evtchn_bind(hv, GUEST, (evtchn_port_t)h->gport) > 0 ? 0 : -1;
}

static void held_grant(struct bed *b, struct held *h)
{
	h->rw = (uint32_t)xensim_gnttab_grant(b->dom, 0, 9, false);
	h->ro = (uint32_t)xensim_gnttab_grant(b->dom, 0, 10, true);
	h->gport = xensim_evtchn_alloc_unbound(b->dom, 0);
	assert_true(h->gport > 0);
}

static void assert_held(struct bed *b, const struct held *h)
{
	const uint16_t rw_busy = GTF_permit_access | GTF_reading | GTF_writing;

	assert_int_equal(gref_flags(b, h->rw), rw_busy);
	assert_int_equal(gref_flags(b, h->ro), GTF_permit_access | GTF_readonly | GTF_reading);
	assert_int_equal(guest_channel(b, h->gport)->state, XENSIM_ECS_INTERDOMAIN);
}

/* A new handle maps the grants a dead one still pins: pins of every holder add up. */
static void map_beside_dead(struct bed *b, const struct held *h)
{
	uint32_t refs[2] = { h->rw, h->ro };
	uint8_t *map = xen_hv_map(b->hv, GUEST, 1, refs, true);

	assert_non_null(map);
	assert_int_equal(xen_hv_unmap(b->hv, map, 1), 0);
	map = xen_hv_map(b->hv, GUEST, 1, refs + 1, false);
	assert_non_null(map);
	assert_int_equal(xen_hv_unmap(b->hv, map, 1), 0);
}

/* A new handle binds the guest's port @p gport and events cross both ways. */
static void assert_port_binds(struct bed *b, int gport)
{
	int lport = xen_hv_evtchn_bind(b->hv, GUEST, gport);

	assert_true(lport > 0);
	assert_int_equal(xen_hv_evtchn_pending(b->hv), lport); /* Xen's conservative event */
	assert_int_equal(xen_hv_evtchn_unmask(b->hv, lport), 0);
	assert_int_equal(xensim_evtchn_pending(b->dom), -EAGAIN);
	assert_int_equal(xen_hv_evtchn_notify(b->hv, lport), 0);
	assert_int_equal(xensim_evtchn_pending(b->dom), gport);
	assert_int_equal(xensim_evtchn_unmask(b->dom, gport), 0);
	assert_int_equal(xensim_evtchn_notify(b->dom, gport), 0);
	assert_int_equal(xen_hv_evtchn_pending(b->hv), lport);
	assert_int_equal(xen_hv_evtchn_unbind(b->hv, lport), 0);
}

/* The guest's port is unbound, bindable by dom0 again, as after Xen's evtchn_close. */
static void assert_port_rebinds(struct bed *b, int gport)
{
	struct xensim_evtchn *ch = guest_channel(b, gport);

	assert_int_equal(ch->state, XENSIM_ECS_UNBOUND);
	assert_int_equal(ch->remote_domid, 0);
	assert_int_equal(xensim_evtchn_notify(b->dom, gport), 0); /* dropped: unbound */
	assert_port_binds(b, gport);
}

/* SIGKILLed holder: while it lives nothing is reaped; once dead, the guest ends its grants
 * (the reap runs inside xensim_gnttab_end) and its port is free for a new backend. */
static void test_reap_killed(void **state)
{
	struct bed *b = *state;
	uint32_t rw;
	struct held h;
	uint8_t *map;
	pid_t pid;

	held_grant(b, &h);
	pid = child_start(child_holds, &h, false);
	assert_held(b, &h);
	/* Alive in another process: its pins count with ours; never reaped. */
	rw = h.rw;
	map = xen_hv_map(b->hv, GUEST, 1, &rw, true);
	assert_non_null(map);
	assert_int_equal(xen_hv_unmap(b->hv, map, 1), 0);
	assert_int_equal(xensim_reap(b->dir), 0);
	assert_int_equal(xensim_gnttab_end(b->dom, h.rw), -EBUSY);
	assert_held(b, &h);
	child_end(pid, false);

	/* Dead, not yet reaped: as after the kernel's release, a new handle maps the grants. */
	map_beside_dead(b, &h);
	assert_int_equal(xensim_gnttab_end(b->dom, h.rw), 0);
	assert_int_equal(xensim_gnttab_end(b->dom, h.ro), 0);
	assert_port_rebinds(b, h.gport);
	assert_only_bed_record(b);
	assert_int_equal(xensim_reap(b->dir), 0);
}

/* A holder that exits without closing its handle: the reaper releases it as well. */
static void test_reap_exited(void **state)
{
	struct bed *b = *state;
	struct held h;

	held_grant(b, &h);
	child_end(child_start(child_holds, &h, true), true);
	assert_held(b, &h);
	assert_int_equal(xensim_reap(b->dir), 1);
	assert_int_equal(gref_flags(b, h.rw), GTF_permit_access);
	assert_int_equal(gref_flags(b, h.ro), GTF_permit_access | GTF_readonly);
	map_beside_dead(b, &h);
	assert_int_equal(gref_flags(b, h.rw), GTF_permit_access);
	assert_port_rebinds(b, h.gport);
	assert_int_equal(xensim_gnttab_end(b->dom, h.rw), 0);
	assert_int_equal(xensim_gnttab_end(b->dom, h.ro), 0);
	assert_only_bed_record(b);
	assert_int_equal(xensim_reap(b->dir), 0);
}

/* A new backend starts: sim_open releases what a dead one held before anything else. */
static void test_reap_at_open(void **state)
{
	struct bed *b = *state;
	struct xen_hv *hv2;
	struct held h;
	bool found;

	held_grant(b, &h);
	child_end(child_start(child_holds, &h, false), false);
	assert_held(b, &h);
	assert_int_equal(count_records(b, bed_rec(b)->token, &found), 2);
	hv2 = xen_hv_open(&xen_sim_ops);
	assert_non_null(hv2);
	assert_int_equal(gref_flags(b, h.rw), GTF_permit_access);
	assert_int_equal(gref_flags(b, h.ro), GTF_permit_access | GTF_readonly);
	assert_int_equal(guest_channel(b, h.gport)->state, XENSIM_ECS_UNBOUND);
	assert_int_equal(count_records(b, bed_rec(b)->token, &found), 2); /* bed's and hv2's */
	xen_hv_close(hv2);
	assert_only_bed_record(b);
	assert_port_rebinds(b, h.gport);
}

/* Two live handles on one grant: GTF flags stay until both have unmapped; a live handle's
 * record is left alone; a clean close leaves no record. */
static void test_two_holders(void **state)
{
	struct bed *b = *state;
	uint32_t ref = (uint32_t)xensim_gnttab_grant(b->dom, 0, 11, false);
	const uint16_t busy = GTF_permit_access | GTF_reading | GTF_writing;
	struct xen_hv *hv2 = xen_hv_open(&xen_sim_ops);
	uint8_t *m1, *m2;
	bool found;

	assert_non_null(hv2);
	m1 = xen_hv_map(b->hv, GUEST, 1, &ref, true);
	m2 = xen_hv_map(hv2, GUEST, 1, &ref, false);
	assert_non_null(m1);
	assert_non_null(m2);
	assert_int_equal(xen_hv_unmap(b->hv, m1, 1), 0);
	assert_int_equal(gref_flags(b, ref), GTF_permit_access | GTF_reading); /* hv2 reads */
	m1 = xen_hv_map(b->hv, GUEST, 1, &ref, true);
	assert_non_null(m1);
	assert_int_equal(xen_hv_unmap(hv2, m2, 1), 0);
	assert_int_equal(gref_flags(b, ref), busy);
	assert_int_equal(xensim_reap(b->dir), 0);
	assert_int_equal(xensim_gnttab_end(b->dom, ref), -EBUSY);
	assert_int_equal(count_records(b, bed_rec(b)->token, &found), 2);
	xen_hv_close(hv2);
	assert_only_bed_record(b);
	assert_int_equal(gref_flags(b, ref), busy);
	assert_int_equal(xen_hv_unmap(b->hv, m1, 1), 0);
	assert_int_equal(xensim_gnttab_end(b->dom, ref), 0);
}

/* Killed in the middle of a writable pin, beside a read-only one of the parent: the lock
 * taken, GTF_writing set, the count raised, the entry not yet written. */
static int child_dies_in_pin(struct xen_hv *hv, void *arg)
{
	struct xensim_hv *sh = (struct xensim_hv *)(void *)hv;
	struct xensim_domain *d = xensim_hv_domain(sh, GUEST);
	uint32_t ref = *(uint32_t *)arg, pins;

	if (d == NULL)
		return -1;
	xensim_lock(&sh->rec, d, XENSIM_LOCK_GRANT, ref);
	pins = d->active[ref].pins;
	xensim_lock_undo(&sh->rec, pins, XENSIM_REC_FIRST_MAP, XENSIM_REC_FREE);
	__atomic_fetch_or(&d->gnttab[ref].flags, (uint16_t)GTF_writing, __ATOMIC_SEQ_CST);
	d->active[ref].pins = pins + (1u << 16);
	return 0;
}

/* A holder killed under a grant's lock: the next one to want the lock reaps it, and the
 * active entry is as it was before. */
static void test_reap_mid_pin(void **state)
{
	struct bed *b = *state;
	uint32_t ref = (uint32_t)xensim_gnttab_grant(b->dom, 0, 12, false);
	uint8_t *map = xen_hv_map(b->hv, GUEST, 1, &ref, false);

	assert_non_null(map);
	child_end(child_start(child_dies_in_pin, &ref, false), false);
	assert_int_equal(gref_flags(b, ref), GTF_permit_access | GTF_reading | GTF_writing);
	/* The unmap waits on the dead holder's lock: it reaps it, then goes on. */
	assert_int_equal(xen_hv_unmap(b->hv, map, 1), 0);
	assert_int_equal(gref_flags(b, ref), GTF_permit_access);
	assert_only_bed_record(b);
	assert_int_equal(xensim_gnttab_end(b->dom, ref), 0);
}

/* Killed in the middle of a bind: the port's lock taken, the entry written, the guest's
 * port in XENSIM_ECS_BINDING. */
static int child_dies_in_bind(struct xen_hv *hv, void *arg)
{
	struct xensim_hv *sh = (struct xensim_hv *)(void *)hv;
	struct xensim_domain *d = xensim_hv_domain(sh, GUEST);
	uint32_t gport = *(uint32_t *)arg, state = XENSIM_ECS_UNBOUND;

	if (d == NULL)
		return -1;
	xensim_lock(&sh->rec, d, XENSIM_LOCK_PORT, gport);
	xensim_rec_set(&sh->rec.f->ports[1], d, gport, XENSIM_REC_PORT);
	return __atomic_compare_exchange_n(&d->evtchn[gport].state, &state, XENSIM_ECS_BINDING,
					   false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) ? 0 : -1;
}

static void test_reap_mid_bind(void **state)
{
	struct bed *b = *state;
	uint32_t gport = (uint32_t)xensim_evtchn_alloc_unbound(b->dom, 0);

	child_end(child_start(child_dies_in_bind, &gport, false), false);
	assert_int_equal(guest_channel(b, (int)gport)->state, XENSIM_ECS_BINDING);
	/* The bind waits on the dead holder's lock, reaps it, and finds the port unbound. */
	assert_port_binds(b, (int)gport);
	assert_port_rebinds(b, (int)gport);
	assert_only_bed_record(b);
}

/* Killed inside a grant-copy call: its destination claim still held. */
static int child_dies_in_copy(struct xen_hv *hv, void *arg)
{
	struct xensim_hv *sh = (struct xensim_hv *)(void *)hv;
	static uint8_t page[PAGE] __attribute__((aligned(PAGE)));
	struct xensim_copy_ptr src = { .local_page = page };
	struct xensim_copy_ptr dst = { .dom = xensim_hv_domain(sh, GUEST),
				       .ref = *(uint32_t *)arg };
	struct xensim_copy_call call = { .rec = &sh->rec };

	if (dst.dom == NULL)
		return -1;
	return xensim_gnttab_call_copy_op(&call, &src, &dst, 64) == GNTST_okay ? 0 : -1;
}

static void test_reap_mid_copy(void **state)
{
	struct bed *b = *state;
	uint32_t ref = (uint32_t)xensim_gnttab_grant(b->dom, 0, 13, false);

	child_end(child_start(child_dies_in_copy, &ref, false), false);
	assert_int_equal(gref_flags(b, ref), GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(xensim_gnttab_end(b->dom, ref), 0);
	assert_only_bed_record(b);
}

/* The record of the one holder that is not the bed's, mapped. */
static struct xensim_rec_file *other_record(struct bed *b, char *path, size_t len)
{
	struct dirent *de;
	char own[32];
	void *map;
	DIR *d = opendir(b->dir);
	int fd = -1;

	assert_non_null(d);
	snprintf(own, sizeof(own), "be%08x.rec", bed_rec(b)->token);
	while ((de = readdir(d)) != NULL && fd < 0) {
		if (strncmp(de->d_name, "be", 2) != 0 || strstr(de->d_name, ".rec") == NULL ||
		    strcmp(de->d_name, own) == 0)
			continue;
		snprintf(path, len, "%s/%s", b->dir, de->d_name);
		fd = open(path, O_RDWR);
	}
	closedir(d);
	assert_true(fd >= 0);
	map = mmap(NULL, sizeof(struct xensim_rec_file), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   0);
	close(fd);
	assert_true(map != MAP_FAILED);
	return map;
}

static void put_file(struct bed *b, const char *name, const void *data, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", b->dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static bool file_exists(struct bed *b, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", b->dir, name);
	return access(path, F_OK) == 0;
}

/* Entries that name things the dead holder never held, or nothing at all. */
static void corrupt_entries(struct xensim_rec_file *f, uint64_t inst, uint32_t live_ref,
			    uint32_t live_gport, unsigned int *seed)
{
	const struct xensim_rec_entry bad_pins[] = {
		{ inst, NR_GREFS + 5, GUEST, XENSIM_REC_PIN_RW, 0 }, /* no such grant */
		{ inst + 1, live_ref, GUEST, XENSIM_REC_PIN_RO, 0 }, /* another instance */
		{ inst, live_ref, GUEST, 9, 0 },                     /* no such kind */
		{ inst, live_ref, 0, XENSIM_REC_PIN_RW, 0 },         /* domain 0 */
		{ inst, 8, 77, XENSIM_REC_PIN_RW, 0 },               /* no such domain */
		{ inst, live_ref, GUEST, XENSIM_REC_PORT, 0 },       /* a port among pins */
	};
	const struct xensim_rec_entry bad_ports[] = {
		{ inst, live_gport, GUEST, XENSIM_REC_PORT, 0 },   /* local port 0 */
		{ inst, 0, GUEST, XENSIM_REC_PORT, 0 },            /* guest port 0 */
		{ inst, XENSIM_NR_PORTS, GUEST, XENSIM_REC_PORT, 0 },
		{ inst, live_gport, GUEST, XENSIM_REC_PORT, 0 },   /* bound, but not by it */
		{ inst, live_gport, GUEST, XENSIM_REC_PIN_RO, 0 }, /* a pin among ports */
	};
	size_t i;

	memcpy(&f->pins[100], bad_pins, sizeof(bad_pins));
	memcpy(&f->ports[0], &bad_ports[0], sizeof(bad_ports[0]));
	memcpy(&f->ports[900], &bad_ports[1], sizeof(bad_ports) - sizeof(bad_ports[0]));
	for (i = 0; i < 4000; i++)
		((uint8_t *)&f->pins[200])[i] = (uint8_t)rand_r(seed);
	/* A lock it never held, with an undo that would wreck the live grant. */
	f->op = (struct xensim_rec_op){ .instance = inst, .index = live_ref, .domid = GUEST,
					.what = XENSIM_LOCK_GRANT, .undo = 1,
					.pins_before = 0x12345, .entry = 100 };
}

/* Bad records and bad entries are skipped, the good ones undone; nothing hangs. */
static void test_reap_corrupt(void **state)
{
	struct bed *b = *state;
	uint32_t live_ref = (uint32_t)xensim_gnttab_grant(b->dom, 0, 14, false);
	uint8_t *live_map = xen_hv_map(b->hv, GUEST, 1, &live_ref, true);
	int live_lport, live_gport;
	struct xensim_domain *d = xensim_domain_get(b->dir, GUEST);
	struct xensim_rec_file *f, hdr_only;
	static uint8_t junk[sizeof(struct xensim_rec_file)];
	unsigned int seed = 4242;
	char path[512];
	struct held h;
	size_t i;

	assert_non_null(live_map);
	assert_non_null(d);
	live_lport = bind_port(b, &live_gport);
	held_grant(b, &h);
	child_end(child_start(child_holds, &h, false), false);
	f = other_record(b, path, sizeof(path));
	corrupt_entries(f, d->instance, live_ref, (uint32_t)live_gport, &seed);
	memcpy(&hdr_only, f, offsetof(struct xensim_rec_file, op));
	munmap(f, sizeof(*f));

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rand_r(&seed);
	put_file(b, "be12345678.rec", junk, sizeof(junk));        /* full size, all junk */
	put_file(b, "be0badf00d.rec", junk, 10);                  /* too short */
	hdr_only.token = 0x33333333;
	put_file(b, "be22222222.rec", &hdr_only, sizeof(hdr_only)); /* not its name */
	put_file(b, "be00000000.rec", junk, 10);                  /* not a record's name */
	put_file(b, "beABCDEF01.rec", junk, 10);
	put_file(b, "be1234567.rec", junk, 10);
	snprintf(path, sizeof(path), "%s/be55555555.rec", b->dir);
	assert_int_equal(symlink("dom1.mem", path), 0); /* never followed */

	assert_int_equal(xensim_reap(b->dir), 4);
	/* The dead holder's own pins and port are released ... */
	assert_int_equal(gref_flags(b, h.rw), GTF_permit_access);
	assert_int_equal(gref_flags(b, h.ro), GTF_permit_access | GTF_readonly);
	assert_port_rebinds(b, h.gport);
	/* ... and nothing it named without holding was touched. */
	assert_int_equal(gref_flags(b, live_ref), GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(d->active[live_ref].pins, 1u << 16);
	assert_int_equal(guest_channel(b, live_gport)->state, XENSIM_ECS_INTERDOMAIN);
	assert_int_equal(xen_hv_evtchn_notify(b->hv, (evtchn_port_t)live_lport), 0);
	assert_int_equal(xensim_evtchn_pending(b->dom), live_gport);
	assert_false(file_exists(b, "be12345678.rec"));
	assert_false(file_exists(b, "be0badf00d.rec"));
	assert_false(file_exists(b, "be22222222.rec"));
	assert_true(file_exists(b, "be00000000.rec"));
	assert_true(file_exists(b, "beABCDEF01.rec"));
	assert_true(file_exists(b, "be1234567.rec"));
	assert_true(file_exists(b, "be55555555.rec"));
	assert_int_equal(xensim_reap(b->dir), 0);
	assert_int_equal(xen_hv_unmap(b->hv, live_map, 1), 0);
	assert_int_equal(xensim_gnttab_end(b->dom, live_ref), 0);
	xensim_domain_put(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_select, bed_setup, bed_teardown),
		cmocka_unit_test(test_real_open_fails),
		cmocka_unit_test_setup_teardown(test_copy_okay, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_copy_bad_domain, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_copy_bad_gntref, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_copy_not_permitted, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_copy_bad_page, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_copy_bad_copy_arg, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_copy_call_claims, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_copy_whole_call_einval, bed_setup,
						bed_teardown),
		cmocka_unit_test_setup_teardown(test_copy_mixed_batch, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_map_shared, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_map_errors, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_evtchn_notify, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_evtchn_close, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_evtchn_bind_errors, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_guest, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_copy_racing_guest, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_cross_process, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_map_two_processes, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_reap_killed, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_reap_exited, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_reap_at_open, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_two_holders, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_reap_mid_pin, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_reap_mid_bind, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_reap_mid_copy, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_reap_corrupt, bed_setup, bed_teardown),
	};

	return cmocka_run_group_tests_name("xensim", tests, NULL, NULL);
}
