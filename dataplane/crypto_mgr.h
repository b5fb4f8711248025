/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * An IPsec-MB manager that one lcore calls alone, with nothing of the
 * library's state shared with the other lcores.
 *
 * IPsec-MB before 1.4 clears a process-wide error number (imb_errno, one
 * word of the library's .bss) on entry to every call: the direct AES-GCM
 * API, the job API with or without checks, the ChaCha20-Poly1305 calls
 * (intel/intel-ipsec-mb issue 112; 1.4 moved it into the manager). Two
 * lcores encrypting in one process pass that cache line between their
 * cores on every packet, and each call's stores wait behind it: measured
 * on this project's Xeon VM, two threads decrypting 72 octets with
 * AES-128-GCM took ~150-165 cycles a call each, against ~70-77 with a
 * copy each (docs/benchmark-rounds.md, "Fourteenth round").
 *
 * So with such a library each lcore's manager comes from a copy of its
 * own: the same shared object loaded again with dlmopen() into a new
 * link-map namespace, which gives it its own .bss. Code and key formats
 * are the same file's, so keys expanded through any copy work with every
 * other; a copy (the library and the libc it needs, loaded in its
 * namespace) costs ~60 KiB of private memory, its code pages are the
 * page cache's. A copy stays loaded once made and goes to the next manager
 * made after its own is freed (glibc does not give back a namespace's
 * static TLS when it is unloaded, so loading anew each time would run
 * out). glibc allows 15 namespaces besides the main one, fewer when
 * their libc copies run out of static TLS (11 here by default;
 * GLIBC_TUNABLES=glibc.rtld.nns=16 raises it); past that, managers share
 * the copies, the least shared first, so that each error number passes
 * between as few cores as can be. With a statically linked IPsec-MB, or
 * 1.4 and later (which do not need a copy), every manager uses the
 * process's library, as before.
 */
#ifndef ESPRIT_DATAPLANE_CRYPTO_MGR_H
#define ESPRIT_DATAPLANE_CRYPTO_MGR_H

#include <stdbool.h>
#include <intel-ipsec-mb.h>

struct crypto_mgr {
	IMB_MGR *mgr;   /**< initialised with the CPU's best code (init_mb_mgr_auto) */
	void *mem;      /**< the manager's memory */
	unsigned copy;  /**< 1 + the library copy it came from; 0: the process's */
};

/**
 * Make @p cm's manager, from a copy of the library when the library
 * needs one: one of its own while glibc has namespaces to load copies
 * in, else the least shared. Returns 0, or -ENOMEM.
 */
int crypto_mgr_init(struct crypto_mgr *cm);

/** Free the manager and give its copy back; @p cm may be half made or zeroed. */
void crypto_mgr_fini(struct crypto_mgr *cm);

/** True when the manager's calls write nothing another manager's calls
 *  do: no other manager shares its copy, or the library keeps no such
 *  global. */
bool crypto_mgr_private(const struct crypto_mgr *cm);

#endif
