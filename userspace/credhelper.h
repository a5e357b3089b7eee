/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Docker's credential helpers (credhelper.c): 'docker-credential-NAME get'
 * found on $PATH, given the registry's server name on standard input,
 * answering {"ServerURL","Username","Secret"} on standard output, or
 * "credentials not found in native keychain" with a non-zero status; and
 * 'docker-credential-NAME store', given that JSON on standard input
 * (docker login), exiting 0 once it keeps them; and 'docker-credential-NAME
 * erase', given the server name (docker logout).
 */
#ifndef LAYERCTL_CREDHELPER_H
#define LAYERCTL_CREDHELPER_H

#include "err.h"
#include "ocireg.h"

/*
 * Asks helper @name for the credentials of @host into @c.  0, -ENOENT
 * (the helper has none), or another negative errno with why in @e
 * ("credential helper 'docker-credential-NAME': ..."): -ENOEXEC when it
 * cannot be run (not on $PATH), -EACCES when it fails.
 */
int lfs_cred_helper_get(const char *name, const char *host,
			struct lfs_reg_cred *c, struct lfs_err *e);

/*
 * Has helper @name store @c for @host (what 'get' gives back).  0, or a
 * negative errno with why in @e, as for lfs_cred_helper_get().
 */
int lfs_cred_helper_store(const char *name, const char *host,
			  const struct lfs_reg_cred *c, struct lfs_err *e);

/*
 * Has helper @name forget @host ('docker-credential-NAME erase', given
 * the server name on standard input, as docker logout).  0, -ENOENT (it
 * had none), or a negative errno with why in @e, as for
 * lfs_cred_helper_get().
 */
int lfs_cred_helper_erase(const char *name, const char *host,
			  struct lfs_err *e);

#endif /* LAYERCTL_CREDHELPER_H */
