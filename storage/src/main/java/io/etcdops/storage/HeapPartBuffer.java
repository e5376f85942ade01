package io.etcdops.storage;

import java.io.ByteArrayInputStream;
import java.io.InputStream;

/** A part in a byte array of the part size (stores opened without a spool directory, and tests). */
final class HeapPartBuffer implements PartBuffer {
    private final byte[] data;
    private int length;

    HeapPartBuffer(int capacity) {
        this.data = new byte[capacity];
    }

    @Override
    public void write(byte[] b, int off, int len) {
        System.arraycopy(b, off, data, length, len);
        length += len;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public InputStream newStream() {
        return new ByteArrayInputStream(data, 0, length);
    }

    @Override
    public void clear() {
        length = 0;
    }

    @Override
    public void close() {
        length = 0;
    }
}
