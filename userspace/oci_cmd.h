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
#include "chain.h"
#include "store.h"


/* One layer to import. */
struct lfs_import {
	const char *what;	/* for messages: the file's name */
	int fd;			/* the tarball */
	struct lfs_tar_feed *feed;	/* or, if not NULL, this stream */
	const char *ref;
	const char *parent;	/* NULL: none */
	const char *author;
	const char *message;
	uint64_t created;	/* 0: now */
	const char *digest;	/* blob digest or diff_id to check, or NULL */
	const char *diff_id;	/* diff_id to check, or NULL */
	const char *blob;	/* blob digest to check, or NULL */
	int blob_checked;	/* the caller checks it: not hashed again */
	const char *origin;	/* recorded in meta.json: "import", "load" */
	struct lfs_tar_limits limits;	/* see lfs_tar_import() */
};

/* getopt codes of the limit options, past any short option. */
enum {
	LFS_OPT_MAX_SIZE = 0x100,
	LFS_OPT_MAX_ENTRY_SIZE,
	LFS_OPT_MAX_ENTRIES,
};

/* The limit options' long options and help, for import and load. */
#define LFS_OCI_LIMIT_OPTIONS						\
	{ "max-size", required_argument, NULL, LFS_OPT_MAX_SIZE },	\
	{ "max-entry-size", required_argument, NULL, LFS_OPT_MAX_ENTRY_SIZE }, \
	{ "max-entries", required_argument, NULL, LFS_OPT_MAX_ENTRIES }

#define LFS_OCI_LIMIT_HELP						\
	"      --max-size=SIZE    refuse a layer whose files' sizes add up to\n" \
	"                         more than SIZE (holes of sparse files\n"	\
	"                         included; K, M, G, T suffixes: powers of\n" \
	"                         1024; 0: no limit; default 64G)\n"	\
	"      --max-entry-size=SIZE  refuse an entry larger than SIZE\n" \
	"                         (default 64G)\n"			\
	"      --max-entries=N    refuse a layer of more than N entries\n" \
	"                         (default 10000000)\n"

/*
 * Sets the limit of getopt code @c (LFS_OPT_MAX_*) from @arg.  0, or 1
 * after a usage error.
 */
int lfs_oci_limit_opt(struct lfs_ctx *ctx, const char *cmd, const char *usage,
		      int c, const char *arg, struct lfs_tar_limits *l);

/*
 * Extracts @im->fd into a new store layer ROOT/layers/KEY/diff, checks the
 * digests, writes meta.json and registers the layer (frozen).  On any
 * failure the new directory is removed and nothing is registered.
 * @key receives KEY (LFS_KEY_LEN + 1 bytes), @d the digests.  0, or a
 * negative errno in @e, with its subject: "layer 'REF'", "parent layer
 * 'P'", "store" or "import 'WHAT'".
 */
int lfs_oci_import_layer(struct lfs_ctx *ctx, struct lfs_store *st,
			 struct lfs_nl *nl, const struct lfs_import *im,
			 char *key, struct lfs_tar_digests *d,
			 struct lfs_err *e);

/*
 * Registers the layer extracted (and checked) into ROOT/layers/@key/@diff
 * as @im says (frozen, its parent registered already): meta.json, then
 * the kernel's registry, then its index if it can have one.  0, or a
 * negative errno in @e ("store", "layer 'REF'"); the directory stays.
 */
int lfs_oci_register_layer(struct lfs_ctx *ctx, struct lfs_store *st,
			   struct lfs_nl *nl, const struct lfs_import *im,
			   char *key, const char *diff,
			   const struct lfs_tar_import_stats *ist,
			   struct lfs_err *e);

/*
 * Extracts im->fd into the empty directory @dir (lfs_tar_import()),
 * checks the digests @im names and, with @sync, syncs the filesystem.
 * 0, or a negative errno in @e.
 */
int lfs_oci_extract(const struct lfs_import *im, const char *dir, int sync,
		    struct lfs_tar_import_stats *ist, struct lfs_err *e);

/*
 * -EEXIST in @e ("layer 'NAME': a tag of that name exists (of 'REF')") if
 * @name is a tag (layerctl tag) of an image in store @st, else 0 (also
 * when the store cannot be listed).  A layer registered under a tag's
 * name would take its place wherever the name is looked up.
 */
int lfs_oci_name_not_tag(const struct lfs_store *st, const char *name,
			 struct lfs_err *e);

/* Unregisters @ref and removes its store directory @key (best effort). */
void lfs_oci_unimport(struct lfs_store *st, struct lfs_nl *nl,
		      const char *ref, const char *key);

/*
 * The platform of save and load: @opt (--platform os/arch[/variant]) if
 * not NULL, else the running machine's (uname(2), as OCI names it).  0, or
 * 1 after reporting "layerctl: platform '...': not os/arch[/variant], ...".
 */
int lfs_oci_platform(struct lfs_ctx *ctx, const char *opt,
		     struct lfs_platform *p);

/*
 * The history entry of layer @l into @ol (created_by "layerfs layer NAME",
 * malloc()ed: free((char *)ol->created_by)), as save and push write it.
 * 0 or -ENOMEM in @e.
 */
int lfs_oci_layer_history(const struct lfs_layer *l, struct lfs_oci_layer *ol,
			  struct lfs_err *e);

/*
 * Writes the layer @l as a blob to @fd, as save writes it (the tar of
 * 'layerctl export', compressed with @comp), and fills @ol: digests, size,
 * media type, and the history entry (created_by "layerfs layer NAME",
 * malloc()ed: free((char *)ol->created_by)).  0, or a negative errno in @e
 * ("layer 'NAME': ...").
 */
int lfs_oci_layer_blob(const struct lfs_layer *l, int fd,
		       enum lfs_compress comp, struct lfs_oci_layer *ol,
		       struct lfs_err *e);

/*
 * The config and the manifest of the image of layers @ol[0..n) (bottom
 * first) for @plat, as save writes them: the texts into *@cfg and *@man
 * (malloc()ed), their digests into @cfg_digest and @man_digest.  0 or
 * -ENOMEM in @e.
 */
int lfs_oci_image_docs(const struct lfs_oci_layer *ol, size_t n,
		       const struct lfs_platform *plat, char **cfg,
		       char *cfg_digest, char **man, char *man_digest,
		       struct lfs_err *e);

/*
 * The record (layerdg.h) saying registered layer @name is blob @d of
 * diff_id @diff_id, under the layer's key as it is now, into @dg: 0, or
 * -errno with @dg->key "" (no such layer, or its tree could not be read).
 * For pull and load, which know the blob each layer came from.
 */
struct lfs_layerdg;
struct lfs_nl;
int lfs_oci_layer_record(struct lfs_nl *nl, const char *name,
			 const char *diff_id, const struct lfs_oci_desc *d,
			 struct lfs_layerdg *dg);

/* Opens the store of @ctx, creating it.  0, or 1 after reporting. */
int lfs_oci_store(struct lfs_ctx *ctx, struct lfs_store *st);

#endif /* LAYERCTL_OCI_CMD_H */
