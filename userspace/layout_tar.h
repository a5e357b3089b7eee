/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An OCI image layout in one tar (layout_tar.c): what `layerctl save -o
 * FILE.tar` writes and `layerctl load -i FILE.tar` reads, as `docker
 * save` and `docker load` do.  Which members count is oci.c's
 * lfs_oci_layout_member().
 */
#ifndef LAYERCTL_LAYOUT_TAR_H
#define LAYERCTL_LAYOUT_TAR_H

#include <stdio.h>

#include "err.h"
#include "tarlimits.h"

/*
 * Writes the layout in directory @dirfd as a tar to @out (a stream; NULL:
 * the descriptor @outfd): oci-layout, index.json, manifest.json (if
 * there), blobs/, blobs/sha256/ and the blobs in name order, each owned
 * by 0:0 with mode 0644 (0755 for directories) and mtime 0, so that the
 * same layout gives the same bytes.  0, or a negative errno in @e.
 */
int lfs_layout_tar_write(int dirfd, FILE *out, int outfd, struct lfs_err *e);

/*
 * Extracts the layout members of the tar (plain, gzip, bzip2, xz or zstd) read from
 * @in (NULL: the descriptor @infd) into the empty directory @dirfd;
 * other members are skipped.  A member with an unsafe path, a layout
 * member of the wrong type, one given twice, one larger than
 * @lim->max_entry_size, members larger than @lim->max_size together
 * (they are written before any digest is checked: this bounds what an
 * archive can take of the disk), more than @lim->max_entries members or
 * a member whose headers take more than LFS_TAR_HEADER_MAX of the tar
 * stream (a sparse map libarchive would hold in memory) refuse the
 * archive.  0, or a negative errno in @e ("member 'PATH': ...").
 */
int lfs_layout_tar_read(FILE *in, int infd, int dirfd,
			const struct lfs_tar_limits *lim, struct lfs_err *e);

#endif /* LAYERCTL_LAYOUT_TAR_H */
