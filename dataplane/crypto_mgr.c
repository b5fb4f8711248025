/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An lcore's own IPsec-MB manager (crypto_mgr.h says why a copy of the
 * library each).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/crypto_mgr.h"

/* IPsec-MB 1.4 keeps its error number in the manager. */
#define CRYPTO_MGR_NEEDS_COPY (IMB_VERSION_NUM < IMB_VERSION(1, 4, 0))

enum { CRYPTO_MGR_COPIES_MAX = 15 };  /* glibc's namespaces besides the main one */

/* The three calls that make a manager, from one copy of the library. */
struct lib_calls {
	__typeof__(&imb_get_mb_mgr_size) size;
	__typeof__(&imb_set_pointers_mb_mgr) set_pointers;
	__typeof__(&init_mb_mgr_auto) init;
};

static const struct lib_calls process_calls = {
	imb_get_mb_mgr_size, imb_set_pointers_mb_mgr, init_mb_mgr_auto,
};

/* The copies loaded so far, for the process's lifetime. */
static struct {
	pthread_mutex_t lock;
	unsigned n;
	bool no_more;   /* loading one failed, or cannot work here */
	struct lib_copy {
		struct lib_calls calls;
		unsigned users;   /* managers made from it and not freed */
	} c[CRYPTO_MGR_COPIES_MAX];
} copies = { .lock = PTHREAD_MUTEX_INITIALIZER, .no_more = !CRYPTO_MGR_NEEDS_COPY };

/*
 * Load the library IPsec-MB's calls come from once more, in a namespace
 * of its own; 0 when it is linked into the program (a static library:
 * there is no file of its own to load) or no namespace is left, else
 * 1 + the copy's index.
 */
static unsigned copy_load(void)
{
	struct lib_copy *c;
	Dl_info lib, self;
	void *h;

	if (copies.no_more || copies.n == CRYPTO_MGR_COPIES_MAX)
		return 0;
	c = &copies.c[copies.n];
	copies.no_more = true;
	if (dladdr((void *)imb_get_mb_mgr_size, &lib) == 0 || lib.dli_fname == NULL ||
	    dladdr((void *)copy_load, &self) == 0 || lib.dli_fbase == self.dli_fbase)
		return 0;
	h = dlmopen(LM_ID_NEWLM, lib.dli_fname, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return 0;
	c->calls.size = (__typeof__(c->calls.size))dlsym(h, "imb_get_mb_mgr_size");
	c->calls.set_pointers = (__typeof__(c->calls.set_pointers))dlsym(h, "imb_set_pointers_mb_mgr");
	c->calls.init = (__typeof__(c->calls.init))dlsym(h, "init_mb_mgr_auto");
	if (c->calls.size == NULL || c->calls.set_pointers == NULL || c->calls.init == NULL) {
		dlclose(h);
		return 0;
	}
	copies.no_more = false;
	return ++copies.n;
}

/*
 * The copy for a new manager, 1 + its index: one no manager uses, else a
 * new one, else (no namespace left) the one the fewest managers share, so
 * that each error number passes between as few cores as can be. 0 when
 * there is no copy at all: the process's library.
 */
static unsigned copy_take(void)
{
	unsigned k = 0;

	pthread_mutex_lock(&copies.lock);
	for (unsigned i = 0; i < copies.n && k == 0; i++)
		if (copies.c[i].users == 0)
			k = i + 1;
	if (k == 0)
		k = copy_load();
	if (k == 0)
		for (unsigned i = 0; i < copies.n; i++)
			if (k == 0 || copies.c[i].users < copies.c[k - 1].users)
				k = i + 1;
	if (k != 0)
		copies.c[k - 1].users++;
	pthread_mutex_unlock(&copies.lock);
	return k;
}

int crypto_mgr_init(struct crypto_mgr *cm)
{
	const struct lib_calls *calls = &process_calls;

	memset(cm, 0, sizeof(*cm));
	cm->copy = copy_take();
	if (cm->copy != 0)
		calls = &copies.c[cm->copy - 1].calls;

	/* The manager's memory is ours (the main libc's), whichever copy
	 * sets it up: a copy never allocates, so never needs its libc's heap. */
	size_t size = (calls->size() + 63) & ~(size_t)63;

	cm->mem = aligned_alloc(64, size);
	if (cm->mem != NULL)
		cm->mgr = calls->set_pointers(cm->mem, 0, 1);
	if (cm->mgr == NULL) {
		crypto_mgr_fini(cm);
		return -ENOMEM;
	}
	calls->init(cm->mgr, NULL);
	return 0;
}

void crypto_mgr_fini(struct crypto_mgr *cm)
{
	free(cm->mem);
	if (cm->copy != 0) {
		pthread_mutex_lock(&copies.lock);
		copies.c[cm->copy - 1].users--;
		pthread_mutex_unlock(&copies.lock);
	}
	memset(cm, 0, sizeof(*cm));
}

bool crypto_mgr_private(const struct crypto_mgr *cm)
{
	bool alone;

	if (!CRYPTO_MGR_NEEDS_COPY)
		return true;
	if (cm->copy == 0)
		return false;
	pthread_mutex_lock(&copies.lock);
	alone = copies.c[cm->copy - 1].users == 1;
	pthread_mutex_unlock(&copies.lock);
	return alone;
}
