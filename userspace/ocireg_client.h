/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The OCI distribution API as push and pull use it, over ocireg_http.h:
 * authentication (anonymous, Basic, Bearer tokens through the
 * WWW-Authenticate challenge: 401, token, retry), blobs (existence,
 * monolithic upload, download verified against digest and size while it
 * streams, resumed with HTTP ranges) and manifests.
 *
 * Every function returns 0 or a negative errno, and then leaves in reg->err
 * (struct lfs_err) a sentence naming what failed and why ("blob
 * 'sha256:...': not found in HOST/REPO: HTTP 404, BLOB_UNKNOWN: blob unknown
 * to registry"), code 0, or, for a system call's failure, what was being
 * done with its errno as the code (err.h).  -EACCES:
 * authentication failed or is missing; -ENOENT: the registry does not
 * have it; -EBADMSG: content that does not match its digest or size;
 * -EPROTO: an answer the protocol does not allow; -EIO: the transport.
 */
#ifndef LAYERCTL_OCIREG_CLIENT_H
#define LAYERCTL_OCIREG_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "ocireg.h"
#include "ocireg_http.h"

struct lfs_reg {
	struct lfs_http *http;
	char host[LFS_REG_HOST_MAX];	/* as the user wrote it */
	char repo[LFS_REG_REPO_MAX];
	char base[LFS_REG_HOST_MAX + 16];	/* "https://host[:port]" */
	const char *actions;		/* token scope: "pull" or "pull,push" */
	struct lfs_reg_cred cred;
	int has_cred;
	char *authz;			/* "Authorization: ..." or NULL */
	int authz_basic;		/* authz is our Basic credentials */
	struct lfs_err err;		/* why the last call failed */
	int insecure;
	char ca_file[4096];		/* "" : the system's CAs */
	/* told the bytes of the blob done so far, as it goes; NULL: none */
	void (*progress)(void *arg, uint64_t done);
	void *progress_arg;
	uint64_t sent_base;		/* offset of the body being sent */
	uint64_t sent_done;		/* where the last body's sending got */
};

/*
 * Sets up @reg for repository @repo on @host (plain HTTP if @insecure),
 * with credentials @cred (NULL: anonymous until challenged, then none).
 */
int lfs_reg_open(struct lfs_reg *reg, const char *host, const char *repo,
		 int insecure, const char *ca_file, const char *actions,
		 const struct lfs_reg_cred *cred);
void lfs_reg_close(struct lfs_reg *reg);

/*
 * A second client @dst for the same repository, with @src's credentials
 * and current authorization, and its own connection (another thread's).
 */
int lfs_reg_clone(struct lfs_reg *dst, const struct lfs_reg *src);

/* GET /v2/: reachable, and the credentials work.  (login) */
int lfs_reg_ping(struct lfs_reg *reg);

/* *@exists = 1 if the registry has blob @digest of @size bytes. */
int lfs_reg_blob_exists(struct lfs_reg *reg, const char *digest,
			uint64_t size, int *exists);

/*
 * Starts an upload of blob @digest: POST .../blobs/uploads/, or with
 * @from (a repository of the same registry that has the blob) a
 * cross-repository mount, ?mount=DIGEST&from=FROM.  *@mounted = 1 if the
 * registry mounted the blob (201: nothing to upload); else the upload's
 * URL in @loc (LFS_REG_URL_MAX bytes), as when the registry declines the
 * mount and starts an upload instead (202).
 */
int lfs_reg_upload_start(struct lfs_reg *reg, const char *digest,
			 const char *from, int *mounted, char *loc);

/*
 * Sends @size bytes of @fd to upload @loc and completes it as blob
 * @digest.  @chunk 0 (or at least @size): one PUT ?digest= with the body
 * (monolithic).  Else PATCHes of @chunk bytes, each with Content-Range
 * START-END, then PUT ?digest=; a PATCH whose transfer breaks is resumed
 * at the offset the upload's status (GET, Range) says the registry has,
 * at most three times without progress.
 */
int lfs_reg_upload_send(struct lfs_reg *reg, char *loc, const char *digest,
			int fd, uint64_t size, uint64_t chunk);

/*
 * Sends the stream @fd (a pipe: read to its end) to upload @loc, whose
 * digest is not known yet (@what names it in messages): @chunk 0, one
 * PATCH with a chunked body, as docker pushes a layer (not resumed if it
 * breaks); else PATCHes of @chunk bytes (held in memory), each resumed
 * as lfs_reg_upload_send() resumes.  *@sent: the bytes sent.  -EAGAIN:
 * the registry answered the streamed PATCH with a challenge (answered
 * now): the stream is gone, start the upload over.  Then
 * lfs_reg_upload_finish() completes it as the blob the stream was.
 */
int lfs_reg_upload_stream(struct lfs_reg *reg, char *loc, const char *what,
			  int fd, uint64_t chunk, uint64_t *sent);

/* PUT ?digest=@digest without a body: the upload @loc is complete. */
int lfs_reg_upload_finish(struct lfs_reg *reg, const char *loc,
			  const char *what, const char *digest);

/* Uploads @size bytes of @fd as blob @digest (POST, then PUT ?digest=). */
int lfs_reg_blob_upload(struct lfs_reg *reg, const char *digest, int fd,
			uint64_t size);

/*
 * Downloads blob @digest of @size bytes to @fd, which holds *@have bytes
 * of it already (a partial earlier download: they are hashed, then the
 * rest is asked for with a Range; a server that answers with the whole
 * blob starts it over).  A transfer that breaks is resumed the same way,
 * at most three times.  The content is hashed and counted as it arrives:
 * more than @size bytes stop the transfer, and a digest or size mismatch
 * is -EBADMSG with @fd truncated to 0.  *@have: bytes in @fd at the end.
 */
int lfs_reg_blob_fetch(struct lfs_reg *reg, const char *digest, uint64_t size,
		       int fd, uint64_t *have);

/*
 * What a pull keeps of a blob for a later pull to resume from (the file
 * is pullpart.c's).
 */
struct lfs_reg_part {
	int fd;		/* the file, locked by its owner; -1: none */
	uint64_t len;	/* bytes of the blob it holds, on entry */
	uint64_t fed;	/* of them, fed to the stream (0: not resumed) */
	int drop;	/* it must go: the blob was verified, or did not match */
	int whole;	/* it holds the whole blob, verified */
};

/*
 * As lfs_reg_blob_fetch(), from the start, into the pipe @fd (written in
 * order: the reader sees the blob as it arrives, before it is verified).
 * With @part (NULL, or its fd -1: none), what arrives is also written to
 * part->fd at its offset in the blob (one write per piece; a write that
 * fails drops the copy, not the download), and the part->len bytes it
 * holds are resumed from: the rest is asked for with a Range, and only
 * once the registry answers 206 with that range (Content-Range) are the
 * kept bytes fed to the pipe and the hash; a 200 (ranges ignored) or a
 * 416 has them discarded (part->fd truncated) and the blob comes whole.
 * All of the blob kept: nothing is asked for.  A broken transfer is
 * resumed with a range; a server that answers a range with the whole
 * blob once bytes went down the pipe fails it (-ESPIPE).  part->drop is
 * set when the copy must go: the blob verified, or it did not (-EBADMSG,
 * whose message says how many bytes came from the copy), or a write
 * failed; part->whole when it holds the whole blob, verified (a pull
 * keeps it: blobkeep.h).  *@have: the bytes written to @fd.
 */
int lfs_reg_blob_stream(struct lfs_reg *reg, const char *digest,
			uint64_t size, int fd, struct lfs_reg_part *part,
			uint64_t *have);

/*
 * Where lfs_reg_blob_stream_to() passes the blob: @n bytes at @p, in
 * order; 0, or a negative errno that fails the download.
 */
typedef int (*lfs_reg_out_fn)(void *arg, const void *p, size_t n);

/* lfs_reg_blob_stream(), the stream passed to @out(@arg, ...). */
int lfs_reg_blob_stream_to(struct lfs_reg *reg, const char *digest,
			   uint64_t size, lfs_reg_out_fn out, void *arg,
			   struct lfs_reg_part *part, uint64_t *have);

/*
 * GETs manifest @ref (a tag or digest) with every media type accepted.
 * *@body (malloc()ed, NUL-terminated, at most 4 MiB), its @len, its
 * @content_type and @digest (sha256 of the body; checked against @ref
 * when @ref is a digest, and against Docker-Content-Digest when given).
 */
int lfs_reg_manifest_get(struct lfs_reg *reg, const char *ref, char **body,
			 size_t *len, char content_type[128],
			 char digest[LFS_DIGEST_LEN]);

/* PUTs manifest @body as @ref with @media_type. */
int lfs_reg_manifest_put(struct lfs_reg *reg, const char *ref,
			 const char *media_type, const char *body, size_t len);

#endif /* LAYERCTL_OCIREG_CLIENT_H */
