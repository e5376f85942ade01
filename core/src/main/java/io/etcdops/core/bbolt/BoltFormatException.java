package io.etcdops.core.bbolt;

import java.io.IOException;

/**
 * The file is not a well-formed bbolt database: a bad meta page, a page id out of range, a page of the wrong type,
 * keys out of order, a cycle. It is an {@link IOException} because it is a problem of the bytes read, not of the
 * caller; {@link #pageId()} names the page where it was found, so a report can point at it.
 */
public final class BoltFormatException extends IOException {
    /** {@link #pageId()} when the problem is not tied to one page (e.g. the file is shorter than its meta says). */
    public static final long NO_PAGE = -1;

    private final long pageId;

    public BoltFormatException(long pageId, String problem) {
        super(pageId == NO_PAGE ? problem : "page " + pageId + ": " + problem);
        this.pageId = pageId;
    }

    public long pageId() {
        return pageId;
    }
}
