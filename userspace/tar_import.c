// SPDX-License-Identifier: GPL-2.0
/*
 * OCI layer tarball -> layer directory (lfs_tar_import(), see ocitar.h):
 * a decompressing thread (zlib's inflate() for gzip, straight into the
 * queue's slots; else one libarchive reader, format "raw", filter zstd)
 * whose input hashes the blob, feeding a tar reader (libarchive, format
 * tar) and a third thread, the queue's tap, which hashes the
 * decompressed tar while the tar reader extracts it (tar_import_in.c).
 * Here: the entries, created with *at() calls relative to directory fds
 * opened with openat2() beneath the layer root, and the driver.  The
 * parts and what they share: tarimp.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/openat2.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "fsdir.h"
#include "ocitar.h"
#include "tarpriv.h"
#include "tarimp.h"

/*
 * The limits, at each header, before anything of the entry is written:
 * the count, the entry's size and the sizes so far.  0 or -EFBIG.
 */
static int lfs_imp_limits(struct lfs_imp *m, struct archive_entry *e)
{
	const struct lfs_tar_limits *l = &m->opts->limits;
	const char *name = archive_entry_pathname(e);
	int64_t size = archive_entry_size(e);
	uint64_t sz = size > 0 ? (uint64_t)size : 0;

	if (!name)
		name = "?";
	m->entries++;
	if (l->max_entries && m->entries > l->max_entries) {
		lfs_err_set(m->err, 0,
			   "entry '%s': more than %llu entries: see --max-entries",
			   name, (unsigned long long)l->max_entries);
		return -EFBIG;
	}
	if (l->max_entry_size && sz > l->max_entry_size) {
		lfs_err_set(m->err, 0,
			   "entry '%s': %llu bytes, more than %llu: see --max-entry-size",
			   name, (unsigned long long)sz,
			   (unsigned long long)l->max_entry_size);
		return -EFBIG;
	}
	m->declared += sz;
	if (l->max_size && (m->declared > l->max_size || m->declared < sz)) {
		lfs_err_set(m->err, 0,
			   "entry '%s': the layer would hold more than %llu bytes: see --max-size",
			   name, (unsigned long long)l->max_size);
		return -EFBIG;
	}
	return 0;
}

/*
 * A failed create of entry @rel (errno set): the conflict, a text that
 * says it all, or errno's reason.
 */
static int lfs_imp_create_err(struct lfs_imp *m, const char *rel)
{
	if (errno == EEXIST) {
		lfs_err_set(m->err, 0, "entry '%s': conflicts with an earlier entry",
			    rel);
		return -EEXIST;
	}
	return lfs_tar_errno(m->err, -errno, "entry", rel, "cannot create it");
}

/*
 * The tar reader failed, in entry @what's data or (@what NULL) at a
 * header: the stream went over the limits (-EFBIG), the input could not
 * be read (its errno), or the archive is corrupt or truncated (@rc).
 */
static int lfs_imp_read_err(struct lfs_imp *m, const char *what, int rc)
{
	const char *why = archive_error_string(m->tar);

	if (lfs_imp_stream_over(m) || m->hdr.over)
		return -EFBIG;
	if (m->in_err)
		rc = lfs_err_set(m->err, -m->in_err, "cannot read the input");
	else
		lfs_err_set(m->err, 0, "corrupt or truncated archive: %s",
			    why ? why : "read error");
	if (what)
		lfs_err_prefix(m->err, rc, "entry '%s'", what);
	return rc;
}

/*
 * Without openat2() (kernels before 5.6, valgrind): the same walk one
 * component at a time with O_NOFOLLOW, so any symlink on the way is
 * refused (-ELOOP), which is stricter than RESOLVE_BENEATH.
 */
static int lfs_open_nofollow(int dirfd, const char *path, int flags)
{
	char *p = strdup(path), *c, *next;
	int fd, nfd, rc = 0;

	if (!p)
		return -ENOMEM;
	fd = dup(dirfd);
	if (fd < 0) {
		free(p);
		return -errno;
	}
	for (c = p; c; c = next) {
		next = strchr(c, '/');
		if (next)
			*next++ = '\0';
		if (!*c || !strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			rc = -EXDEV;
			break;
		}
		nfd = openat(fd, c, (next ? O_RDONLY | O_DIRECTORY : flags) |
			     O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			rc = errno == ENOTDIR && next ? -ENOTDIR : -errno;
			/* a symlink as the last component, opened O_DIRECTORY */
			if (rc == -ENOTDIR) {
				struct stat st;

				if (!fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) &&
				    S_ISLNK(st.st_mode))
					rc = -ELOOP;
			}
			break;
		}
		close(fd);
		fd = nfd;
	}
	free(p);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

/* openat2() failed with ENOSYS once: lfs_open_nofollow() from then on. */
static int lfs_no_openat2;

/* @resolve: RESOLVE_* flags on top of beneath and no magic links. */
static int lfs_openat2_res(int dirfd, const char *path, int flags,
			   uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | resolve,
	};
	long fd;

	if (lfs_no_openat2)
		return lfs_open_nofollow(dirfd, path, flags);
	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && (errno == EAGAIN || errno == EINTR));
	if (fd < 0 && errno == ENOSYS) {
		lfs_no_openat2 = 1;
		return lfs_open_nofollow(dirfd, path, flags);
	}
	return fd < 0 ? -errno : (int)fd;
}

int lfs_openat2(int dirfd, const char *path, int flags)
{
	return lfs_openat2_res(dirfd, path, flags, 0);
}

/*
 * An fd of directory @rel (beneath the root), creating missing components
 * as 0755 directories if @create; m->parent_link set if @rel goes
 * through a symlink.  The fd belongs to the cache: do not close it.
 */
static int lfs_imp_parent(struct lfs_imp *m, const char *rel, int create,
			  const char *what)
{
	char *p, *s;
	int fd, pfd, rc, link = 0;

	m->parent_link = 0;
	if (!*rel)
		return m->rootfd;
	if (m->pcache && !strcmp(m->pcache, rel)) {
		m->parent_link = m->pcache_link;
		return m->pcache_fd;
	}
	/* no symlink on the way, the common case: one lookup */
	fd = lfs_openat2_res(m->rootfd, rel, LFS_DIRFLAGS, RESOLVE_NO_SYMLINKS);
	if (fd == -ELOOP && !lfs_no_openat2) {
		link = 1;
		fd = lfs_openat2(m->rootfd, rel, LFS_DIRFLAGS);
	}
	if (fd == -ENOENT && create) {
		p = strdup(rel);
		if (!p)
			return -ENOMEM;
		/* create each missing component, resolved beneath the root */
		for (s = p;; s++) {
			if (*s != '/' && *s)
				continue;
			char c = *s;

			*s = '\0';
			fd = lfs_openat2(m->rootfd, p, LFS_DIRFLAGS);
			if (fd == -ENOENT) {
				char *slash = strrchr(p, '/');

				if (slash) {
					*slash = '\0';
					pfd = lfs_openat2(m->rootfd, p,
							  LFS_DIRFLAGS);
					*slash = '/';
				} else {
					pfd = dup(m->rootfd);
					if (pfd < 0)
						pfd = -errno;
				}
				if (pfd < 0) {
					fd = pfd;
				} else {
					rc = mkdirat(pfd, slash ? slash + 1 : p,
						     0755);
					close(pfd);
					fd = rc && errno != EEXIST ? -errno :
						lfs_openat2(m->rootfd, p,
							    LFS_DIRFLAGS);
				}
			}
			*s = c;
			if (fd < 0 || !c)
				break;
			close(fd);
		}
		free(p);
	}
	if (fd < 0) {
		if (fd == -EXDEV)
			lfs_err_set(m->err, 0,
				   "entry '%s': path goes through a symlink that leaves the layer",
				   what);
		else if (fd == -ELOOP && lfs_no_openat2)
			lfs_err_set(m->err, 0,
				   "entry '%s': path goes through a symlink, and without openat2 none is followed",
				   what);
		else if (fd == -ELOOP)	/* openat2 follows 40 at most */
			lfs_err_set(m->err, 0,
				   "entry '%s': path goes through symlinks that loop or nest more than 40 deep",
				   what);
		else if (fd == -ENOTDIR)
			lfs_err_set(m->err, 0,
				   "entry '%s': a parent is not a directory",
				   what);
		else
			lfs_tar_errno(m->err, fd, "entry", what,
				      "cannot open its directory");
		return fd;
	}
	if (m->pcache_fd >= 0)
		close(m->pcache_fd);
	free(m->pcache);
	m->pcache = strdup(rel);
	if (!m->pcache) {
		close(fd);
		m->pcache_fd = -1;
		return -ENOMEM;
	}
	m->pcache_fd = fd;
	m->pcache_link = m->parent_link = link;
	return fd;
}

/* Sets xattr @xn to @xv (@xl bytes) on @fd, or on @name in @pfd. */
static int lfs_imp_setxattr(struct lfs_imp *m, int fd, int pfd,
			    const char *name, const char *what,
			    const char *xn, const void *xv, size_t xl)
{
	char path[LFS_FD_PATH_MAX];
	int r;

	if (fd >= 0) {
		r = fsetxattr(fd, xn, xv, xl, 0) ? -errno : 0;
	} else {
		r = lfs_fd_path(path, sizeof(path), pfd, name);
		if (!r && lsetxattr(path, xn, xv, xl, 0))
			r = -errno;
	}
	if (r)
		lfs_tar_errno(m->err, r, "entry", what, "cannot set xattr '%s'",
			      xn);
	return r;
}

/*
 * Sets the entry's xattrs on (@fd) or on @name in @pfd; and, when run as
 * root (the owners too), the append-only and immutable flags of a file or
 * directory entry (SCHILY.fflags) as LFS_PROTATTR_XATTR, which a view
 * reads as it reads the real flags, and which, unlike them, forbids
 * nothing here (the directory's entries still to come, its times).
 */
int lfs_imp_xattrs(struct lfs_imp *m, struct archive_entry *e,
			  int fd, int pfd, const char *name, const char *what)
{
	unsigned long set, clear;
	const char *xn;
	const void *xv;
	char prot[2];
	size_t xl;
	int r;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &xn, &xv, &xl) == ARCHIVE_OK) {
		r = lfs_imp_setxattr(m, fd, pfd, name, what, xn, xv, xl);
		if (r)
			return r;
	}
	if (!m->opts->set_owner || (archive_entry_filetype(e) != AE_IFREG &&
				    archive_entry_filetype(e) != AE_IFDIR))
		return 0;
	archive_entry_fflags(e, &set, &clear);
	xl = lfs_oci_protattr(set, prot);
	if (!xl)
		return 0;
	return lfs_imp_setxattr(m, fd, pfd, name, what, LFS_PROTATTR_XATTR,
				prot, xl);
}

/* Checks the entry's xattrs before anything is created. */
static int lfs_imp_check_xattrs(struct lfs_imp *m, struct archive_entry *e,
				const char *what)
{
	const char *xn;
	const void *xv;
	size_t xl;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &xn, &xv, &xl) == ARCHIVE_OK) {
		if (!xn || !*xn) {
			lfs_err_set(m->err, 0,
				   "entry '%s': empty xattr name", what);
			return -EINVAL;
		}
		if (lfs_oci_xattr_private(xn)) {
			lfs_err_set(m->err, 0,
				   "entry '%s': carries the layer-private xattr '%s'",
				   what, xn);
			return -EINVAL;
		}
	}
	return 0;
}

void lfs_entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
	if (ts[0].tv_nsec < 0 || ts[0].tv_nsec > 999999999)
		ts[0].tv_nsec = 0;
	if (ts[1].tv_nsec < 0 || ts[1].tv_nsec > 999999999)
		ts[1].tv_nsec = 0;
}

/*
 * Owner (before the xattrs: chown drops security.capability), then mode
 * and times (after them) of the non-directory @name in @pfd, or of @fd.
 */
static int lfs_imp_owner(struct lfs_imp *m, struct archive_entry *e, int fd,
			 int pfd, const char *name, const char *what)
{
	int r;

	if (!m->opts->set_owner)
		return 0;
	r = fd >= 0 ? fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) :
		fchownat(pfd, name, archive_entry_uid(e), archive_entry_gid(e),
			 AT_SYMLINK_NOFOLLOW);
	if (!r)
		return 0;
	return lfs_tar_errno(m->err, -errno, "entry", what,
			     "cannot set its owner");
}

static int lfs_imp_mode_times(struct lfs_imp *m, struct archive_entry *e,
			      int fd, int pfd, const char *name, int is_link,
			      const char *what)
{
	struct timespec ts[2];
	mode_t mode = archive_entry_perm(e) & 07777;
	int r;

	if (!is_link) {
		r = fd >= 0 ? fchmod(fd, mode) : fchmodat(pfd, name, mode, 0);
		if (r)
			return lfs_tar_errno(m->err, -errno, "entry", what,
					     "cannot set its mode");
	}
	lfs_entry_times(e, ts);
	r = fd >= 0 ? futimens(fd, ts) :
		utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW);
	if (r)
		return lfs_tar_errno(m->err, -errno, "entry", what,
				     "cannot set its times");
	return 0;
}

/* All three, in that order. */
static int lfs_imp_meta(struct lfs_imp *m, struct archive_entry *e, int fd,
			int pfd, const char *name, int is_link, int xattrs,
			const char *what)
{
	int rc = lfs_imp_owner(m, e, fd, pfd, name, what);

	if (!rc && xattrs)
		rc = lfs_imp_xattrs(m, e, fd, pfd, name, what);
	if (!rc)
		rc = lfs_imp_mode_times(m, e, fd, pfd, name, is_link, what);
	return rc;
}

static int lfs_imp_file(struct lfs_imp *m, struct archive_entry *e, int pfd,
			const char *name, const char *what)
{
	const void *blk;
	size_t len;
	la_int64_t off, end = 0;
	int fd, r, rc = 0;
	int64_t size = archive_entry_size(e);

	fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		return lfs_imp_create_err(m, what);
	for (;;) {
		r = archive_read_data_block(m->tar, &blk, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			rc = lfs_imp_read_err(m, what, -EIO);
			goto out;
		}
		if (off < 0 || (size >= 0 && (int64_t)len > size - off)) {
			rc = -EINVAL;
			lfs_err_set(m->err, 0,
				   "entry '%s': data beyond the entry's size",
				   what);
			goto out;
		}
		while (len) {
			ssize_t w = pwrite(fd, blk, len, off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = lfs_tar_errno(m->err, -errno, "entry",
						   what, "cannot write it");
				goto out;
			}
			blk = (const char *)blk + w;
			len -= (size_t)w;
			off += w;
		}
		if (off > end)
			end = off;
	}
	/* A sparse entry may end in a hole: only then is the size short. */
	if (size > 0 && end < size && ftruncate(fd, size)) {
		rc = lfs_tar_errno(m->err, -errno, "entry", what,
				   "cannot set its size");
		goto out;
	}
	if (size > 0)
		m->st->size += (uint64_t)size;
	rc = lfs_imp_meta(m, e, fd, -1, NULL, 0, 1, what);
	/* its data on the way to the disk now, not all at the final sync */
	if (!rc && size > 0 && m->opts->writeback)
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
out:
	close(fd);
	return rc;
}


/* An entry's name, cleaned: REL, its PARENT and its last component. */
struct lfs_imp_name {
	char rel[PATH_MAX];
	char parent[PATH_MAX];
	const char *base;
};

/*
 * The directories on @n's path: none may have a whiteout's name (".wh.*"),
 * which a layer cannot hold as a directory (export, save and push refuse
 * it; other tools would read it back as a whiteout), and which the
 * entry's parents would otherwise be made with.
 */
static int lfs_imp_name_dirs(struct lfs_imp *m, const struct lfs_imp_name *n)
{
	const char *c = n->parent;
	size_t len;

	while (*c) {
		len = strcspn(c, "/");
		if (!strncmp(c, LFS_WH_PREFIX, strlen(LFS_WH_PREFIX))) {
			lfs_err_set(m->err, 0,
				    "entry '%s': its directory '%.*s' has a name reserved for whiteouts by the OCI layer format (%s*)",
				    n->rel, (int)len, c, LFS_WH_PREFIX);
			return -EINVAL;
		}
		c += len;
		c += *c == '/';
	}
	return 0;
}

static int lfs_imp_name(struct lfs_imp *m, const char *raw,
			struct lfs_imp_name *n)
{
	struct lfs_err pe = LFS_ERR_INIT;
	char *slash;
	int rc;

	if (!raw) {
		lfs_err_set(m->err, 0, "entry with an unreadable name");
		return -EINVAL;
	}
	rc = lfs_oci_clean_path(raw, n->rel, sizeof(n->rel), &pe);
	if (rc) {
		lfs_err_set(m->err, 0, "entry '%s': %s", raw,
			    rc == -ENAMETOOLONG ? "name too long" : pe.msg);
		return rc;
	}
	slash = strrchr(n->rel, '/');
	if (slash) {
		memcpy(n->parent, n->rel, (size_t)(slash - n->rel));
		n->parent[slash - n->rel] = '\0';
		n->base = slash + 1;
	} else {
		n->parent[0] = '\0';
		n->base = n->rel;
	}
	if (strlen(n->base) > NAME_MAX) {
		lfs_err_set(m->err, 0, "entry '%s': name too long", n->rel);
		return -ENAMETOOLONG;
	}
	return lfs_imp_name_dirs(m, n);
}

/* The root directory itself ("./"). */
static int lfs_imp_root(struct lfs_imp *m, struct archive_entry *e,
			const char *raw)
{
	int rc;

	if (archive_entry_filetype(e) != AE_IFDIR ||
	    archive_entry_hardlink(e)) {
		lfs_err_set(m->err, 0, "entry '%s': the root must be a directory",
			    raw);
		return -EINVAL;
	}
	rc = lfs_seen_add(&m->seen, "", SEEN_DIR);
	if (rc == -EEXIST)
		lfs_err_set(m->err, 0, "entry '%s': duplicate entry", raw);
	if (rc)
		return rc;
	return lfs_imp_dir(m, e, m->rootfd, ".", "");
}

/* Refuses the entry types a layer cannot hold. */
static int lfs_imp_check_type(struct lfs_imp *m, struct archive_entry *e,
			      const char *rel)
{
	mode_t type = archive_entry_filetype(e);

	if (type != AE_IFDIR && type != AE_IFREG && type != AE_IFLNK &&
	    type != AE_IFIFO && type != AE_IFCHR && type != AE_IFBLK) {
		lfs_err_set(m->err, 0, "entry '%s': unsupported entry type", rel);
		return -EINVAL;
	}
	if (type != AE_IFCHR && type != AE_IFBLK)
		return 0;
	if (type == AE_IFCHR && archive_entry_rdev(e) == 0) {
		lfs_err_set(m->err, 0,
			    "entry '%s': a 0/0 character device is the layer's own whiteout format: a tarball says .wh.NAME",
			    rel);
		return -EINVAL;
	}
	if (!m->opts->allow_devices) {
		lfs_err_set(m->err, 0,
			    "entry '%s': device node, and the caller is not root",
			    rel);
		return -EPERM;
	}
	return 0;
}

/*
 * What the entry is (a whiteout, an opaque marker, or a node: *@wk, the
 * whiteout's *@target), checked and recorded as seen, so that a name
 * comes once.
 */
static int lfs_imp_classify(struct lfs_imp *m, struct archive_entry *e,
			    const struct lfs_imp_name *n,
			    enum lfs_wh_kind *wk, const char **target)
{
	mode_t type = archive_entry_filetype(e);
	int hl = archive_entry_hardlink(e) != NULL, kind, rc;
	char key[PATH_MAX + 16];

	*wk = lfs_oci_whiteout_kind(n->base, target);
	if (*wk == LFS_WH_BAD) {
		lfs_err_set(m->err, 0, "entry '%s': malformed whiteout name",
			    n->rel);
		return -EINVAL;
	}
	if (*wk == LFS_WH_FILE) {
		snprintf(key, sizeof(key), "%s%s%s", n->parent,
			 *n->parent ? "/" : "", *target);
		kind = SEEN_WHITEOUT;
	} else {
		snprintf(key, sizeof(key), "%s", n->rel);
		kind = *wk == LFS_WH_OPQ ? SEEN_OPQ :
			type == AE_IFDIR ? SEEN_DIR :
			type == AE_IFREG && !hl ? SEEN_FILE : SEEN_OTHER;
	}
	if (*wk == LFS_WH_NONE && !hl) {
		rc = lfs_imp_check_type(m, e, n->rel);
		if (rc)
			return rc;
	}
	rc = lfs_seen_add(&m->seen, key, kind);
	if (rc == -EEXIST)
		lfs_err_set(m->err, 0, "entry '%s': duplicate entry", n->rel);
	return rc;
}

/* A whiteout (a 0/0 character device) or an opaque marker (an xattr). */
static int lfs_imp_whiteout(struct lfs_imp *m, struct archive_entry *e,
			    int pfd, enum lfs_wh_kind wk, const char *target,
			    const char *rel)
{
	int rc = 0;

	if (wk == LFS_WH_OPQ) {
		if (fsetxattr(pfd, LFS_OPQ_XATTR, "y", 1, 0))
			rc = lfs_tar_errno(m->err, -errno, "entry", rel,
					   "cannot mark its directory opaque");
		return rc;
	}
	if (mknodat(pfd, target, S_IFCHR, makedev(0, 0)))
		return lfs_imp_create_err(m, rel);
	return lfs_imp_meta(m, e, -1, pfd, target, 0, 0, rel);
}

/* A hard link to @hl, an earlier file of the layer. */
static int lfs_imp_hardlink(struct lfs_imp *m, int pfd,
			    const struct lfs_imp_name *n, const char *hl)
{
	struct lfs_err pe = LFS_ERR_INIT;
	struct lfs_seen_ent *se;
	char hrel[PATH_MAX], *slash;
	int tpfd, rc;

	rc = lfs_oci_clean_path(hl, hrel, sizeof(hrel), &pe);
	if (rc) {
		lfs_err_set(m->err, 0, "entry '%s': hard link target '%s': %s",
			    n->rel, hl,
			    rc == -ENAMETOOLONG ? "name too long" : pe.msg);
		return rc;
	}
	se = lfs_seen_find(&m->seen, hrel);
	if (!se || (se->kind != SEEN_FILE && se->kind != SEEN_OTHER) ||
	    !strcmp(hrel, n->rel)) {
		lfs_err_set(m->err, 0,
			    "entry '%s': hard link to '%s', which is not an earlier file of the layer",
			    n->rel, hrel);
		return -EINVAL;
	}
	slash = strrchr(hrel, '/');
	if (slash)
		*slash = '\0';
	tpfd = slash ? lfs_openat2(m->rootfd, hrel, LFS_DIRFLAGS) :
		dup(m->rootfd);
	if (tpfd < 0)
		return lfs_tar_errno(m->err, slash ? tpfd : -errno, "entry",
				     n->rel,
				     "cannot open the directory of its hard link's target");
	rc = linkat(tpfd, slash ? slash + 1 : hrel, pfd, n->base, 0);
	if (rc)
		rc = lfs_imp_create_err(m, n->rel);
	close(tpfd);
	return rc;
}

/* A file, directory, symlink, fifo or device node. */
static int lfs_imp_node(struct lfs_imp *m, struct archive_entry *e, int pfd,
			const struct lfs_imp_name *n)
{
	mode_t type = archive_entry_filetype(e);
	const char *target;
	int rc;

	switch (type) {
	case AE_IFREG:
		return lfs_imp_file(m, e, pfd, n->base, n->rel);
	case AE_IFDIR:
		return lfs_imp_dir(m, e, pfd, n->base, n->rel);
	case AE_IFLNK:
		target = archive_entry_symlink(e);
		if (!target || !*target) {
			lfs_err_set(m->err, 0,
				    "entry '%s': symlink without a target", n->rel);
			return -EINVAL;
		}
		rc = symlinkat(target, pfd, n->base);
		m->st->size += strlen(target);
		break;
	default:	/* fifo, char, block */
		rc = mknodat(pfd, n->base, type | 0600, archive_entry_rdev(e));
		break;
	}
	if (rc)
		return lfs_imp_create_err(m, n->rel);
	return lfs_imp_meta(m, e, -1, pfd, n->base, type == AE_IFLNK, 1,
			    n->rel);
}

static int lfs_imp_entry(struct lfs_imp *m, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e), *target = NULL;
	const char *hl = archive_entry_hardlink(e);
	struct lfs_imp_name n;
	enum lfs_wh_kind wk;
	int pfd, rc;

	rc = lfs_imp_name(m, raw, &n);
	if (!rc)
		rc = lfs_imp_check_xattrs(m, e, n.rel);
	if (rc)
		return rc;
	if (!*n.rel)
		return lfs_imp_root(m, e, raw);
	rc = lfs_imp_classify(m, e, &n, &wk, &target);
	if (rc)
		return rc;
	pfd = lfs_imp_parent(m, n.parent, 1, n.rel);
	if (pfd < 0)
		return pfd;
	if (wk != LFS_WH_OPQ && (archive_entry_filetype(e) != AE_IFDIR || hl))
		m->st->files++;
	if (wk != LFS_WH_NONE)
		return lfs_imp_whiteout(m, e, pfd, wk, target, n.rel);
	if (hl)
		return lfs_imp_hardlink(m, pfd, &n, hl);
	return lfs_imp_node(m, e, pfd, &n);
}

/* Every entry of the tar, within the limits. */
static int lfs_imp_entries(struct lfs_imp *m)
{
	struct archive_entry *e;
	la_ssize_t r;
	int rc;

	for (;;) {
		/* only the headers: what is left of the last entry is read */
		lfs_tar_hdr_begin(&m->hdr, m->tar_size);
		r = archive_read_next_header(m->tar, &e);
		lfs_tar_hdr_end(&m->hdr);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return lfs_imp_read_err(m, NULL, -EINVAL);
		rc = lfs_imp_limits(m, e);
		if (!rc)
			rc = lfs_imp_entry(m, e);
		/* data not extracted (a hard link's), within the limits */
		if (!rc && archive_read_data_skip(m->tar) != ARCHIVE_OK)
			rc = lfs_imp_read_err(m, archive_entry_pathname(e),
					      -EIO);
		if (rc)
			return rc;
	}
}

static void lfs_imp_free(struct lfs_imp *m)
{
	/* stop the decompressing thread before freeing what it uses */
	lfs_pipe_destroy(&m->pipe);
	if (m->tar)
		archive_read_free(m->tar);
	if (m->raw)
		archive_read_free(m->raw);
	if (m->zs_on)
		inflateEnd(&m->zs);
	EVP_MD_CTX_free(m->md_blob);
	EVP_MD_CTX_free(m->md_tar);
	lfs_seen_free(&m->seen);
	free(m->dirs);
	while (m->n_ldirs)
		free(m->ldirs[--m->n_ldirs].rel);
	free(m->ldirs);
	if (m->pcache_fd >= 0)
		close(m->pcache_fd);
	free(m->pcache);
	free(m->inbuf);
}

int lfs_tar_import(int fd, const void *mem, size_t memlen, int rootfd,
		   const struct lfs_tar_import_opts *opts,
		   struct lfs_tar_import_stats *st, struct lfs_err *err)
{
	struct lfs_imp m = {
		.feed = opts->feed, .fd = opts->feed ? -1 : fd,
		.mem = mem, .memlen = memlen, .rootfd = rootfd,
		.opts = opts, .st = st, .pcache_fd = -1,
		.err = err, .peek_len = -1,
	};
	int rc;

	if (err)
		lfs_err_clear(err);
	lfs_utf8_locale();
	memset(st, 0, sizeof(*st));
	m.stream_max = lfs_tar_stream_max(&opts->limits);
	rc = lfs_imp_open(&m);
	if (!rc)
		rc = lfs_imp_entries(&m);
	if (!rc)
		rc = lfs_imp_finish(&m);
	if (!rc)
		rc = lfs_imp_apply_dirs(&m);
	if (!rc)
		rc = lfs_imp_digests(&m);
	if (rc && err && !err->msg[0])
		lfs_err_set(err, rc, "%s", "");
	lfs_imp_free(&m);
	return rc;
}
