/* SPDX-License-Identifier: GPL-2.0 */
/*
 * layerctl save (save.c): what it is asked for, and the part that writes
 * the layout into a directory already found empty (callable alone, so
 * that a test can give it a directory whose owner planted links there
 * after that check).
 */
#ifndef LAYERCTL_SAVE_H
#define LAYERCTL_SAVE_H

#include "chain.h"
#include "err.h"
#include "layerdg.h"
#include "oci.h"
#include "platform.h"

/* What the command line asks for. */
struct lfs_save_args {
	const char *ref;
	const char *dir;
	const char *archive;	/* FILE.tar, "-", or NULL: a directory */
	enum lfs_compress comp;
	struct lfs_platform plat;
	int no_keep;		/* --no-keep-blob */
	/* the store's kept blobs and records (blobkeep.h, layerdg.h) */
	const char *root;
	int rootfd;		/* -1: no store */
	struct lfs_layerdg *dg;	/* per layer, bottom first: to record */
};

/*
 * Writes the image of @chain (@chain->n layers, top first; @ol and a->dg
 * as many entries) into the layout directory @dirfd, found empty before:
 * blobs/sha256/ and its blobs, the config and manifest blobs (their
 * digests into @cfg_digest and @man_digest), oci-layout, index.json and,
 * for an archive, manifest.json.  0, or a negative errno in @e; what it
 * wrote is the caller's to remove.
 */
int lfs_save_layout(int dirfd, const struct lfs_save_args *a,
		    const struct lfs_chain *chain, struct lfs_oci_layer *ol,
		    char *cfg_digest, char *man_digest, struct lfs_err *e);

#endif /* LAYERCTL_SAVE_H */
