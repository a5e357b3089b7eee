/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What export, import, save and load share (oci_cmd.c): resolving an
 * image's chain from the kernel registry, importing one layer tarball into
 * the store and registering it, undoing that, and writing a layer blob.
 */
#ifndef LAYERCTL_OCI_CMD_H
#define LAYERCTL_OCI_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "layerinfo.h"
#include "ocitar.h"
#include "store.h"

/* An image's layers, top first (each from lfs_nl_layer_get(): free()). */
struct lfs_chain {
	struct lfs_layer **v;
	size_t n;
};

/*
 * The image @ref names, per the Images rule of the protocol: the layer,
 * then its BASE layers if it has a BASE, else its parent's image.  0, or 1
 * after reporting.
 */
int lfs_oci_chain(struct lfs_ctx *ctx, struct lfs_nl *nl, const char *ref,
		  struct lfs_chain *c);
void lfs_chain_free(struct lfs_chain *c);

/* One layer to import. */
struct lfs_import {
	const char *what;	/* for messages: the file's name */
	int fd;			/* the tarball */
	const char *ref;
	const char *parent;	/* NULL: none */
	const char *author;
	const char *message;
	uint64_t created;	/* 0: now */
	const char *digest;	/* blob digest or diff_id to check, or NULL */
	const char *diff_id;	/* diff_id to check, or NULL */
	const char *blob;	/* blob digest to check, or NULL */
	const char *origin;	/* recorded in meta.json: "import", "load" */
};

/*
 * Extracts @im->fd into a new store layer ROOT/layers/KEY/diff, checks the
 * digests, writes meta.json and registers the layer (frozen).  On any
 * failure the new directory is removed and nothing is registered.
 * @key receives KEY (LFS_KEY_LEN + 1 bytes), @d the digests.  0, or 1
 * after reporting.
 */
int lfs_oci_import_layer(struct lfs_ctx *ctx, struct lfs_store *st,
			 struct lfs_nl *nl, const struct lfs_import *im,
			 char *key, struct lfs_tar_digests *d);

/* Unregisters @ref and removes its store directory @key (best effort). */
void lfs_oci_unimport(struct lfs_store *st, struct lfs_nl *nl,
		      const char *ref, const char *key);

/*
 * "layerctl: KIND 'NAME': WHY" (+ " (STRERROR)" if @err).  Returns 1.
 */
int lfs_oci_fail(struct lfs_ctx *ctx, const char *kind, const char *name,
		 int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * The platform of save and load: @opt (--platform os/arch[/variant]) if
 * not NULL, else the running machine's (uname(2), as OCI names it).  0, or
 * 1 after reporting "layerctl: CMD: invalid platform '...'".
 */
int lfs_oci_platform(struct lfs_ctx *ctx, const char *cmd, const char *opt,
		     struct lfs_platform *p);

/* Opens the store of @ctx, creating it.  0, or 1 after reporting. */
int lfs_oci_store(struct lfs_ctx *ctx, struct lfs_store *st);

#endif /* LAYERCTL_OCI_CMD_H */
